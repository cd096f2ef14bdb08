"""Preset te_paths (records te-in/te-out for isplab.infra.flow_paths) pushed to the IOS-XE twin and verified."""

import pytest

from ansible_collections.isplab.infra.plugins.module_utils.common.checks import CheckList
from ansible_collections.isplab.infra.plugins.module_utils.flow_monitor.parser import parse_running_config
from ansible_collections.isplab.infra.plugins.module_utils.flow_monitor.presets import TE_IN_FIELDS, TE_OUT_FIELDS
from ansible_collections.isplab.infra.plugins.module_utils.flow_monitor.session import IosSession
from ansible_collections.isplab.infra.plugins.modules import flow_monitor, flow_monitor_verify

from test_flow_twin import FakeModule, connection, role_params

pytestmark = pytest.mark.flow_twin

UPSTREAMS = ['GigabitEthernet1', 'GigabitEthernet2']
SHOWS = {'record': 'show flow record', 'templates': 'show flow exporter templates', 'monitor': 'show flow monitor',
         'running': 'show running-config | section flow'}


def _outputs(twin):
    conn = twin.connect()
    try:
        return dict((key, conn.send_command(command)) for key, command in SHOWS.items())
    finally:
        conn.disconnect()


def test_te_paths_preset_check_mode_apply_idempotent_and_verified(twin, tmp_path):
    twin.start(traffic=[])
    params = dict(connection(twin), **role_params(9995, str(tmp_path / 'backup')))
    params.update(presets=['te_paths'], preset_interfaces=UPSTREAMS, preset_exporters=None)

    module = FakeModule(params, check_mode=True)
    planned = flow_monitor.run(module, IosSession(module))
    assert planned['changed'] is True and 'write memory' not in planned['commands']
    lines = planned['config_lines']
    for line in ('flow record te-in', 'match ipv4 destination address', 'collect interface output',
                 'flow record te-out', 'match ipv4 source address', 'collect interface input',
                 'flow monitor te-in', 'record te-in', 'flow monitor te-out', 'record te-out',
                 'interface GigabitEthernet2', 'ip flow monitor te-in input', 'ip flow monitor te-out output'):
        assert line in lines, line
    assert lines.count('ip flow monitor te-in input') == 2 and lines.count('ip flow monitor te-out output') == 2
    after = planned['diff']['after']['flow']
    assert ('flow monitor te-out\n description TE paths outbound (preset te_paths)\n exporter nfcapd\n'
            ' cache timeout active 100\n cache timeout update 150\n record te-out\n') in after
    assert 'interface GigabitEthernet2\n ip flow monitor te-in input\n ip flow monitor te-out output\n' in after
    assert 'te-in' not in planned['diff']['before']['flow']
    assert 'te-in' not in _outputs(twin)['running']  # check mode sent nothing

    module = FakeModule(params)
    first = flow_monitor.run(module, IosSession(module))
    assert first['changed'] is True and first['commands'][-1] == 'write memory'
    running = parse_running_config(_outputs(twin)['running'])
    assert sorted(running['records']['te-in']['fields']) == sorted(TE_IN_FIELDS)
    assert sorted(running['records']['te-out']['fields']) == sorted(TE_OUT_FIELDS)
    assert running['interfaces']['GigabitEthernet2'] == [
        {'family': 'ipv4', 'monitor': 'te-in', 'direction': 'input'},
        {'family': 'ipv4', 'monitor': 'te-out', 'direction': 'output'}]
    second = flow_monitor.run(module, IosSession(module))
    assert second['changed'] is False and second['config_lines'] == []

    monitors, attachments, problems = flow_monitor_verify.expected(
        {'monitors': ['asn'], 'interfaces': params['interfaces'], 'presets': ['te_paths'], 'preset_interfaces': UPSTREAMS})
    assert problems == [] and monitors == ['asn', 'te-in', 'te-out'] and len(attachments) == 5
    checks = CheckList()
    templates = flow_monitor_verify.evaluate(checks, _outputs(twin), monitors, attachments, 300,
                                             ['monitor * update timeout'])
    assert checks.failed == []
    for name, types in (('te-in', [1, 2, 10, 12, 14, 16, 17, 21, 22]), ('te-out', [1, 2, 8, 10, 14, 16, 17, 21, 22])):
        (template,) = [t for t in templates if t['monitor'] == name]
        assert sorted(f['type'] for f in template['fields']) == types, name
        assert sum(f['size'] for f in template['fields']) == 44, name
    passed = [c['check'] for c in checks.results]
    assert 'attachment GigabitEthernet2 ip flow monitor te-out output' in passed
    assert any(n.startswith('template') and 'monitor te-in' in n and n.endswith('layout') for n in passed)
