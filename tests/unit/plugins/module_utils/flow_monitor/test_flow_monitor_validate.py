import pytest

from ansible_collections.isplab.infra.plugins.module_utils.flow_monitor import model as m
from ansible_collections.isplab.infra.plugins.module_utils.flow_monitor.diff import plan
from ansible_collections.isplab.infra.plugins.module_utils.flow_monitor.validate import validate


def desired(exporter=None, monitor=None):
    exp = dict({'name': 'nfcapd', 'destination': '192.0.2.10'}, **(exporter or {}))
    mon = dict({'name': 'asn', 'record': 'asn', 'exporters': ['nfcapd']}, **(monitor or {}))
    return m.normalize([exp], [{'name': 'asn'}], [mon], [])


def test_defaults_validate():
    assert validate(desired(), 300) == []
    assert desired()['exporters']['nfcapd']['template_timeout'] == 60


@pytest.mark.parametrize('exporter,monitor,expected', [
    ({'transport_port': 70000}, None, "exporter 'nfcapd': transport_port 70000 is outside 1..65535"),
    ({'destination': '10.0.0.1; reload'}, None, "destination '10.0.0.1; reload' is not an IPv4 or IPv6 address"),
    ({'template_timeout': 0}, None, 'template_timeout 0 is outside 1..86400'),
    ({'template_timeout': 600}, None, 'template data timeout 600 s is not below the collector rotation interval'),
    (None, {'cache_entries': 15}, 'cache_entries 15 is outside 16..2000000'),
    (None, {'cache_entries': 2000001}, 'cache_entries 2000001 is outside 16..2000000'),
    (None, {'inactive_timeout': 604801}, 'inactive_timeout 604801 is outside 1..604800'),
    ({'vrf': 'a b'}, None, "vrf 'a b' is not a single IOS word"),
    ({'source': 'Loopback0; reload'}, None, "source interface 'Loopback0; reload' is not a single IOS word"),
])
def test_values_the_device_refuses(exporter, monitor, expected):
    problems = validate(desired(exporter, monitor), 300)
    assert len(problems) == 1 and expected in problems[0], problems


def test_stricter_record_lock_releases_every_referencing_monitor_first():
    current = m.normalize([{'name': 'nfcapd', 'destination': '192.0.2.10'}], [{'name': 'asn'}],
                          [{'name': 'asn', 'record': 'asn', 'exporters': ['nfcapd']},
                           {'name': 'spare', 'record': 'asn'}],
                          [{'name': 'GigabitEthernet1', 'monitors': [{'monitor': 'asn'}]}])
    want = m.normalize([{'name': 'nfcapd', 'destination': '192.0.2.10'}],
                       [{'name': 'asn', 'fields': m.DEFAULT_RECORD_FIELDS[:4]}],
                       [{'name': 'asn', 'record': 'asn', 'exporters': ['nfcapd']}],
                       [{'name': 'GigabitEthernet1', 'monitors': [{'monitor': 'asn'}]}])
    lines = plan(current, want)
    record_change = lines.index('flow record asn')
    assert lines[:record_change] == ['interface GigabitEthernet1', 'no ip flow monitor asn input', 'exit',
                                     'flow monitor asn', 'no record', 'exit', 'flow monitor spare', 'no record', 'exit']
    assert lines[-6:] == ['flow monitor spare', 'record asn', 'exit',
                          'interface GigabitEthernet1', 'ip flow monitor asn input', 'exit']
    assert 'flow monitor spare' in lines[record_change:] and lines.count('record asn') == 2
