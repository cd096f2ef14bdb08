"""The field's flow config and the collection's fix, through the IOS-XE twin and a real nfcapd.

The twin runs 2 simulated hours at 600x (12 s); nfcapd stores what it exports
and nfdump reads it back.  Slots are 300 s of simulated flow end time, the
collector's rotation interval.
"""

import os
import subprocess
import time

import pytest

from ansible_collections.isplab.infra.plugins.module_utils.flow_monitor import model as flow_model, parser as flow_parser
from ansible_collections.isplab.infra.plugins.module_utils.flow_collector.nfdump import (
    NFDUMP_ENVIRONMENT, parse_json, slot_series)
from ansible_collections.isplab.infra.plugins.modules import flow_monitor, flow_monitor_verify
from ansible_collections.isplab.infra.plugins.module_utils.common.checks import CheckList
from ansible_collections.isplab.infra.plugins.module_utils.flow_monitor.session import IosSession

pytestmark = pytest.mark.flow_twin

BPS_BIG = 400 * 10 ** 6   # above the ~344 Mbit/s at which a 32-bit counter overflows in 100 s
BPS_SMALL = 20 * 10 ** 6
TRAFFIC = [
    {'src_as': 199932, 'dst_as': 3320, 'input': 'GigabitEthernet1', 'output': 'GigabitEthernet2', 'bps': BPS_BIG},
    {'src_as': 3320, 'dst_as': 64512, 'input': 'GigabitEthernet1', 'output': 'GigabitEthernet2', 'bps': BPS_SMALL},
]
SIM_SECONDS = 7200
SCALE = 600

FIELD_CONFIG = """flow exporter nfcapd
 destination 127.0.0.1
 transport udp {port}
flow monitor asn
 exporter nfcapd
 record netflow ipv4 as
interface GigabitEthernet1
 ip flow monitor asn input
 ipv6 flow monitor as input
"""


def role_params(port, backup_dir, purge=True):
    return {
        'exporters': [{'name': 'nfcapd', 'destination': '127.0.0.1', 'transport_port': port, 'source': None,
                       'description': None, 'version': '9', 'template_timeout': 60, 'vrf': None}],
        'records': [{'name': 'asn', 'description': 'AS aggregation, 64-bit counters, 4-octet AS', 'fields': None}],
        'monitors': [{'name': 'asn', 'record': 'asn', 'exporters': ['nfcapd'], 'description': None,
                      'active_timeout': 100, 'inactive_timeout': 15, 'update_timeout': 150, 'cache_entries': None}],
        'interfaces': [{'name': 'GigabitEthernet1', 'monitors': [{'monitor': 'asn', 'family': 'ipv4',
                                                                  'direction': 'input'}]}],
        'collector_interval': 300, 'purge': purge, 'backup_dir': backup_dir, 'save': True,
    }


class FakeModule:
    """Just what flow_monitor.run and IosSession use from AnsibleModule."""

    def __init__(self, params, check_mode=False, diff=True):
        self.params = params
        self.check_mode = check_mode
        self._diff = diff

    def fail_json(self, **kwargs):
        raise AssertionError('fail_json: %s' % kwargs.get('msg'))

    def atomic_move(self, src, dest):
        # the backup is written through common.files.write_text, which renames a temporary file into place
        os.rename(src, dest)


def connection(twin):
    return {'host': '127.0.0.1', 'port': twin.port, 'username': 'lab', 'password': 'Tw1n-pass',
            'secret': 'Tw1n-enable', 'device_type': 'cisco_xe', 'timeout': 30}


def run_traffic_and_read(twin, nfcapd, startup_config):
    origin = int(time.time()) // 1800 * 1800
    twin.start(startup_config=startup_config, traffic=TRAFFIC, scale=SCALE, origin=origin)
    time.sleep(SIM_SECONDS / SCALE + 1.0)
    twin.stop()
    flows = []
    for path in nfcapd.close():
        out = subprocess.run(['nfdump', '-r', path, '-o', 'json'], capture_output=True, text=True, check=True,
                             env=dict(os.environ, **NFDUMP_ENVIRONMENT))
        flows.extend(parse_json(out.stdout))
    # only complete slots of the simulated window
    series = [s for s in slot_series(flows, 300) if origin <= s['slot'] < origin + SIM_SECONDS]
    return origin, flows, series


def test_field_config_caps_counters_hides_asn_and_spikes(twin, nfcapd):
    origin, flows, series = run_traffic_and_read(twin, nfcapd, FIELD_CONFIG.format(port=nfcapd.port))
    big = [f for f in flows if f['dst_as'] == 3320]
    assert big, 'no flows of the 400 Mbit/s AS arrived'
    assert set(f['src_as'] for f in big) == {23456}          # 199932 arrived as AS_TRANS
    assert set(f['bytes'] for f in big) == {4294967295}      # every 30-minute sum saturated
    # exports only every 1800 s: 4 of the 24 slots carry traffic, the others are empty
    busy = [s['slot'] - origin for s in series]
    assert busy == [1500, 3300, 5100, 6900]


def test_role_config_exact_values_every_slot(twin, nfcapd, tmp_path):
    # push the collection's configuration over the field config with the module, then reboot the twin on it
    twin.start(startup_config=FIELD_CONFIG.format(port=nfcapd.port), traffic=[], scale=SCALE)
    module = FakeModule(dict(connection(twin), **role_params(nfcapd.port, str(tmp_path / 'backup'))))
    result = flow_monitor.run(module, IosSession(module))
    assert result['changed'] is True
    assert 'no ipv6 flow monitor as input' in result['config_lines']
    assert 'collect counter bytes long' in result['config_lines']
    twin.stop()
    saved = (tmp_path / 'startup-config').read_text()
    origin, flows, series = run_traffic_and_read(twin, nfcapd, saved)
    assert len(series) == SIM_SECONDS // 300
    per_slot = BPS_BIG * 300 // 8                  # 15 GB per 5 minutes, far above 4 GiB
    for entry in series:
        assert entry['as_bytes'] == {199932: per_slot, 3320: BPS_SMALL * 300 // 8}, entry['slot'] - origin
    assert max(f['bytes'] for f in flows) == BPS_BIG * 100 // 8  # one 100 s export: 5e9 bytes


def test_flow_monitor_idempotent_check_mode_and_verify(twin, tmp_path):
    twin.start(startup_config=FIELD_CONFIG.format(port=9995), traffic=[])
    params = dict(connection(twin), **role_params(9995, str(tmp_path / 'backup')))
    module = FakeModule(params, check_mode=True)
    planned = flow_monitor.run(module, IosSession(module))
    assert planned['changed'] and 'backup_file' not in planned
    assert 'write memory' not in planned['commands']
    # check mode changed nothing on the router
    conn = twin.connect()
    assert 'ipv6 flow monitor as input' in conn.send_command('show running-config | section flow')
    before_verify = {'record': conn.send_command('show flow record'),
                     'templates': conn.send_command('show flow exporter templates'),
                     'monitor': conn.send_command('show flow monitor'),
                     'running': conn.send_command('show running-config | section flow')}
    conn.disconnect()
    checks = CheckList()
    flow_monitor_verify.evaluate(checks, before_verify, ['asn'], [], 300)
    problems = ' '.join(c['problem'] for c in checks.failed)
    assert 'bytes counter is 4 bytes' in problems and 'source AS is 2 bytes' in problems
    assert 'active timeout 1800 s is not below the collector interval of 300 s' in problems

    module = FakeModule(params)
    first = flow_monitor.run(module, IosSession(module))
    assert first['changed'] and first['commands'][-1] == 'write memory'
    with open(first['backup_file']) as handle:
        assert 'ipv6 flow monitor as input' in handle.read()
    second = flow_monitor.run(module, IosSession(module))
    assert second['changed'] is False and second['config_lines'] == []

    conn = twin.connect()
    after = {'record': conn.send_command('show flow record'),
             'templates': conn.send_command('show flow exporter templates'),
             'monitor': conn.send_command('show flow monitor'),
             'running': conn.send_command('show running-config | section flow')}
    conn.disconnect()
    checks = CheckList()
    attachment = {'interface': 'GigabitEthernet1', 'monitor': 'asn', 'family': 'ipv4', 'direction': 'input'}
    # a normal cache prints no update timeout
    flow_monitor_verify.evaluate(checks, after, ['asn'], [attachment], 300, ['monitor * update timeout'])
    assert checks.failed == []
    assert len(checks.results) >= 8


def test_record_change_on_attached_monitor_is_planned_around_in_use(twin, tmp_path):
    twin.start(traffic=[])
    params = dict(connection(twin), **role_params(9995, str(tmp_path / 'backup')))
    module = FakeModule(params)
    flow_monitor.run(module, IosSession(module))
    params['records'][0]['fields'] = flow_model.DEFAULT_RECORD_FIELDS + [
        'match interface input', 'collect interface output']
    result = flow_monitor.run(module, IosSession(module))
    lines = result['config_lines']
    assert lines.index('no ip flow monitor asn input') < lines.index('match interface input')
    assert lines.index('match interface input') < lines.index('ip flow monitor asn input')
    conn = twin.connect()
    running = flow_parser.parse_running_config(conn.send_command('show running-config | section flow'))
    conn.disconnect()
    assert 'match interface input' in running['records']['asn']['fields']
    assert running['interfaces']['GigabitEthernet1'] == [{'family': 'ipv4', 'monitor': 'asn', 'direction': 'input'}]


def test_twin_rejects_invalid_input_with_caret(twin):
    twin.start(traffic=[])
    conn = twin.connect()
    out = conn.send_config_set(['flow record x', 'match routing source as 3-octet'])
    conn.disconnect()
    lines = out.splitlines()
    error = lines.index("% Invalid input detected at '^' marker.")
    command = lines[error - 2]
    assert command.endswith('match routing source as 3-octet')
    assert lines[error - 1].index('^') == command.index('3-octet')
