import os

from ansible_collections.isplab.infra.plugins.module_utils.flow_monitor import diff as d
from ansible_collections.isplab.infra.plugins.module_utils.flow_monitor import model as m
from ansible_collections.isplab.infra.plugins.module_utils.flow_monitor.parser import parse_running_config

FIX = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'fixtures', 'ios_xe')


def running(name):
    with open(os.path.join(FIX, name)) as handle:
        return parse_running_config(handle.read())


def fixed_desired(exporters_order=('nfcapd', 'backup')):
    return m.normalize(
        [{'name': 'nfcapd', 'destination': '192.0.2.10', 'source': 'Loopback0'},
         {'name': 'backup', 'destination': '192.0.2.11', 'transport_port': 9996}],
        [{'name': 'asn', 'description': 'AS aggregation, 64-bit counters, 4-octet AS'}],
        [{'name': 'asn', 'record': 'asn', 'exporters': list(exporters_order)}],
        [{'name': 'GigabitEthernet1',
          'monitors': [{'monitor': 'asn', 'direction': 'output'}, {'monitor': 'asn', 'direction': 'input'}]}])


def test_no_change_when_equal_whatever_the_exporter_order():
    current = running('fixed_running_section_flow.txt')
    assert d.plan(current, fixed_desired(('backup', 'nfcapd'))) == []
    assert d.plan(current, fixed_desired(('nfcapd', 'backup')), purge=True) == []


def test_field_to_fixed_is_minimal_and_ordered():
    current = running('field_running_section_flow.txt')
    lines = d.plan(current, fixed_desired(), purge=True)
    assert lines == [
        'interface GigabitEthernet1', 'no ip flow monitor asn input', 'no ipv6 flow monitor as input', 'exit',
        'flow monitor asn', 'no record', 'exit',
        'flow exporter backup', 'destination 192.0.2.11', 'transport udp 9996', 'template data timeout 60', 'exit',
        'flow exporter nfcapd', 'source Loopback0', 'template data timeout 60', 'exit',
        'flow record asn', 'description AS aggregation, 64-bit counters, 4-octet AS',
        'match routing source as 4-octet', 'match routing destination as 4-octet', 'collect counter bytes long',
        'collect counter packets long', 'collect timestamp sys-uptime first', 'collect timestamp sys-uptime last',
        'exit',
        'flow monitor asn', 'exporter backup', 'cache timeout active 100', 'cache timeout update 150',
        'record asn', 'exit',
        'interface GigabitEthernet1', 'ip flow monitor asn input', 'ip flow monitor asn output', 'exit']
    after = d.expected_after(current, fixed_desired(), purge=True)
    assert m.render(after) == m.render(running('fixed_running_section_flow.txt'))


def test_without_purge_unmentioned_interfaces_keep_their_attachments():
    current = running('fixed_running_section_flow.txt')
    desired = fixed_desired()
    desired['interfaces'] = {}
    assert d.plan(current, desired) == []
    assert 'no flow' not in ' '.join(d.plan(current, m.normalize([], [], [], []), purge=False))


def test_purge_removes_unmanaged_objects_after_detaching():
    current = running('fixed_running_section_flow.txt')
    lines = d.plan(current, m.normalize([], [], [], []), purge=True)
    assert lines == ['interface GigabitEthernet1', 'no ip flow monitor asn input', 'no ip flow monitor asn output',
                     'exit', 'no flow monitor asn', 'no flow record asn', 'no flow exporter backup',
                     'no flow exporter nfcapd']
