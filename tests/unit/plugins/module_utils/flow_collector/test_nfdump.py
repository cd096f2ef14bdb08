import calendar
import os
import time

import pytest

from ansible_collections.isplab.infra.plugins.module_utils.common.runner import CommandRunner
from ansible_collections.isplab.infra.plugins.module_utils.flow_collector import nfdump
from nfdump_fmt import parse_fmt

FIX = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'fixtures', 'nfdump')


def read(name):
    with open(os.path.join(FIX, name)) as handle:
        return handle.read()


def test_parse_json_of_real_nfdump_output():
    flows = nfdump.parse_json(read('two_templates.json'))
    assert [(f['src_as'], f['dst_as'], f['bytes'], f['packets']) for f in flows] == [
        (199932, 3320, 6442450944, 4500000), (0, 199932, 123456789, 98765), (23456, 3320, 4294967295, 4500000)]
    assert flows[0]['last_ms'] - flows[0]['first_ms'] == 99000
    assert flows[0]['router'] == '127.0.0.1'


def test_fmt_output_agrees_with_json():
    flows_json = nfdump.parse_json(read('two_templates.json'))
    flows_fmt = parse_fmt(read('two_templates_fmt.txt'))
    keys = ('first_ms', 'last_ms', 'src_as', 'dst_as', 'bytes', 'packets')
    assert [dict((k, f[k]) for k in keys) for f in flows_json] == flows_fmt


def test_slot_sums_match_nfdump_aggregation():
    flows = nfdump.parse_json(read('two_templates.json'))
    series = nfdump.slot_series(flows, 300)
    totals = {}
    for line in read('two_templates_agg_srcas_bps.txt').splitlines():
        asn, byt, _pkts, _bps = [p.strip() for p in line.split('|')]
        totals[int(asn)] = int(byt)
    assert len(series) == 1 and series[0]['as_bytes'] == totals


def test_empty_output_means_no_flows():
    assert nfdump.parse_json('') == []
    assert nfdump.parse_json(read('empty_file.json')) == []


def test_garbage_is_an_error():
    try:
        nfdump.parse_json('[\nError reading file\n]')
    except nfdump.NfdumpError as exc:
        assert 'nfdump -o json printed something that is not JSON' in str(exc)
    else:
        raise AssertionError('no error')


def test_bit_rates_per_interval():
    series = [{'slot': 1800, 'as_bytes': {199932: 15000000000}}]
    assert nfdump.bit_rates(series, 300) == [
        {'slot': 1800, 'start': '1970-01-01T00:30:00Z', 'bps': {'199932': 400000000}}]


def test_flow_files_skip_current_and_foreign(tmp_path):
    sub = tmp_path / '2026' / '11' / '21'
    sub.mkdir(parents=True)
    for name in ('nfcapd.202611210605', 'nfcapd.current.1234', 'log', 'nfcapd.20261121060510'):
        (sub / name).write_text('x')
    assert [os.path.basename(p) for p in nfdump.flow_files(str(tmp_path))] == [
        'nfcapd.202611210605', 'nfcapd.20261121060510']


def test_bad_timestamp_is_reported():
    try:
        parse_fmt('yesterday|2026-11-21 06:05:51.000|1|2|3|4')
    except nfdump.NfdumpError as exc:
        assert "unexpected nfdump timestamp 'yesterday'" in str(exc)
    else:
        raise AssertionError('no error')


def test_utc_conversion():
    assert nfdump._epoch('2026-11-21T06:04:12.250') == calendar.timegm((2026, 11, 21, 6, 4, 12, 0, 0, 0)) * 1000 + 250


@pytest.fixture
def berlin(monkeypatch):
    """The controller in a zone with daylight saving time (the old code read stamps as local time)."""
    monkeypatch.setenv('TZ', 'Europe/Berlin')
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_stamps_around_a_dst_change_are_utc_whatever_the_local_zone(berlin):
    # 2026-10-25 02:30 happens twice in Berlin (CEST then CET); nfdump runs with TZ=UTC, so it is one instant.
    assert nfdump._epoch('2026-10-25T02:30:00.000') == 1792895400000
    # a flow across the change lasts exactly its UTC duration, not that plus or minus an hour
    assert nfdump._epoch('2026-10-25 03:10:00.000') - nfdump._epoch('2026-10-25 00:40:00.000') == 9000000


class NfdumpModule:
    """What CommandRunner uses of AnsibleModule; records the environment nfdump would get."""

    check_mode = False

    def __init__(self, stdout):
        self.stdout = stdout
        self.run_command_environ_update = {'KEEP': '1'}
        self.environments = []

    def get_bin_path(self, name, required=False):
        return '/usr/bin/' + name

    def run_command(self, argv, environ_update=None, data=None, binary_data=False):
        env = dict(self.run_command_environ_update)
        env.update(environ_update or {})
        self.environments.append(env)
        return 0, self.stdout, ''


def test_nfdump_runs_in_utc_and_the_module_environment_is_restored():
    module = NfdumpModule(read('two_templates.json'))
    runner = CommandRunner(module)
    flows = nfdump.read_flows(runner, ['/var/cache/nfdump/edge1/nfcapd.202611210605'], 'in if 45000')
    assert len(flows) == 3
    assert module.environments == [{'KEEP': '1', 'TZ': 'UTC', 'LC_ALL': 'C', 'LANG': 'C', 'LANGUAGE': 'C'}]
    assert module.run_command_environ_update == {'KEEP': '1'}
    assert runner.commands == ["/usr/bin/nfdump -r /var/cache/nfdump/edge1/nfcapd.202611210605 -o json 'in if 45000'"]
