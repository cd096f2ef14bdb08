import os

from ansible_collections.isplab.infra.plugins.module_utils.flow_monitor import parser as p

FIX = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'fixtures', 'ios_xe')


def read(name):
    with open(os.path.join(FIX, name)) as handle:
        return handle.read()


def test_field_running_config():
    model = p.parse_running_config(read('field_running_section_flow.txt'))
    assert model['records'] == {}
    assert model['monitors']['asn']['record'] == 'netflow ipv4 as'
    assert model['monitors']['asn']['active_timeout'] == 1800  # not shown = IOS default
    assert model['exporters']['nfcapd']['transport_port'] == 9995
    assert model['interfaces'] == {'GigabitEthernet1': [
        {'family': 'ipv4', 'monitor': 'asn', 'direction': 'input'},
        {'family': 'ipv6', 'monitor': 'as', 'direction': 'input'}]}


def test_fixed_running_config():
    model = p.parse_running_config(read('fixed_running_section_flow.txt'))
    mon = model['monitors']['asn']
    assert mon['exporters'] == ['backup', 'nfcapd']
    assert (mon['active_timeout'], mon['update_timeout'], mon['inactive_timeout']) == (100, 150, 15)
    assert model['exporters']['nfcapd']['source'] == 'Loopback0'
    assert 'collect counter bytes long' in model['records']['asn']['fields']


def test_field_29_byte_template_table():
    templates = p.parse_show_flow_exporter_templates(read('field_show_flow_exporter_templates.txt'))
    assert len(templates) == 1
    t = templates[0]
    assert (t['exporter'], t['monitor'], t['record'], t['template_id'], t['format']) == (
        'nfcapd', 'asn', 'netflow ipv4 as', 256, 'NetFlow Version 9')
    assert sum(f['size'] for f in t['fields']) == 29
    assert dict((f['type'], f['size']) for f in t['fields']) == {
        1: 4, 2: 4, 10: 4, 14: 4, 16: 2, 17: 2, 21: 4, 22: 4, 61: 1}
    offsets = [f['offset'] for f in t['fields']]
    assert offsets == [0, 2, 4, 8, 12, 13, 17, 21, 25]


def test_upstream_show_flow_record():
    records = p.parse_show_flow_record(read('upstream_show_flow_record_netflow_ipv4_as.txt'))
    assert records['netflow ipv4 as']['field_space'] == 29
    assert records['netflow ipv4 as']['fields'][0] == 'match routing source as'
    assert len(records['netflow ipv4 as peer']['fields']) == 9


def test_show_flow_monitor_two_exporters():
    monitors = p.parse_show_flow_monitor(read('fixed_show_flow_monitor.txt'))
    assert monitors['asn']['exporters'] == ['nfcapd', 'backup']  # configuration order
    assert monitors['asn']['cache']['active_timeout'] == 100
    assert 'update_timeout' not in monitors['asn']['cache']  # a normal cache prints none
    assert monitors['asn']['cache']['status'] == 'allocated'


def test_destination_vrf_and_netflow_v5_are_read_and_rendered_back():
    from ansible_collections.isplab.infra.plugins.module_utils.flow_monitor import model as m
    text = ('flow exporter nfcapd\n destination 192.0.2.10 vrf Mgmt-intf\n transport udp 9995\n'
            ' export-protocol netflow-v5\n')
    exp = p.parse_running_config(text)['exporters']['nfcapd']
    assert (exp['destination'], exp['vrf'], exp['version']) == ('192.0.2.10', 'Mgmt-intf', '5')
    assert m.exporter_lines(exp)[:3] == [
        'destination 192.0.2.10 vrf Mgmt-intf', 'transport udp 9995', 'export-protocol netflow-v5']
