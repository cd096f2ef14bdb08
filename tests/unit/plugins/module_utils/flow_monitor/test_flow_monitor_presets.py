import copy
import os

from ansible_collections.isplab.infra.plugins.module_utils.flow_monitor import diff as d
from ansible_collections.isplab.infra.plugins.module_utils.flow_monitor import model as m
from ansible_collections.isplab.infra.plugins.module_utils.flow_monitor.lint import lint
from ansible_collections.isplab.infra.plugins.module_utils.flow_monitor.parser import parse_running_config
from ansible_collections.isplab.infra.plugins.module_utils.flow_monitor.presets import merge_presets
from flow_layout import field_layout

FIX = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'fixtures', 'ios_xe')
EXPORTERS = [{'name': 'nfcapd', 'destination': '192.0.2.10', 'source': 'Loopback0'},
             {'name': 'backup', 'destination': '192.0.2.11', 'transport_port': 9996}]
OWN_RECORDS = [{'name': 'asn', 'description': 'AS aggregation, 64-bit counters, 4-octet AS'}]
OWN_MONITORS = [{'name': 'asn', 'record': 'asn', 'exporters': ['nfcapd', 'backup']}]
OWN_INTERFACES = [{'name': 'GigabitEthernet1', 'monitors': [{'monitor': 'asn', 'family': 'ipv4', 'direction': 'input'},
                                                            {'monitor': 'asn', 'family': 'ipv4', 'direction': 'output'}]}]
# The records of /tmp/s4/contract.md (issue 17), word for word.
CONTRACT_TE_IN = [
    'match routing source as 4-octet', 'match routing destination as 4-octet', 'match interface input',
    'match ipv4 destination address', 'collect timestamp sys-uptime first', 'collect timestamp sys-uptime last',
    'collect counter bytes long', 'collect counter packets long', 'collect interface output']
CONTRACT_TE_OUT = [
    'match routing source as 4-octet', 'match routing destination as 4-octet', 'match interface output',
    'match ipv4 source address', 'collect timestamp sys-uptime first', 'collect timestamp sys-uptime last',
    'collect counter bytes long', 'collect counter packets long', 'collect interface input']


def te_paths(interfaces=('GigabitEthernet1', 'GigabitEthernet2'), records=None, monitors=None):
    return merge_presets(['te_paths'], list(interfaces), ['nfcapd'],
                         OWN_RECORDS if records is None else records,
                         OWN_MONITORS if monitors is None else monitors, OWN_INTERFACES)


def test_no_preset_changes_nothing():
    merged = merge_presets([], [], ['nfcapd'], OWN_RECORDS, OWN_MONITORS, OWN_INTERFACES)
    assert merged == {'records': OWN_RECORDS, 'monitors': OWN_MONITORS, 'interfaces': OWN_INTERFACES, 'problems': []}


def test_te_paths_adds_the_contract_records_monitors_and_attachments():
    before = copy.deepcopy((OWN_RECORDS, OWN_MONITORS, OWN_INTERFACES))
    merged = te_paths()
    assert merged['problems'] == []
    assert before == (OWN_RECORDS, OWN_MONITORS, OWN_INTERFACES)  # inputs untouched
    records = dict((r['name'], r.get('fields')) for r in merged['records'])
    assert records == {'asn': None, 'te-in': CONTRACT_TE_IN, 'te-out': CONTRACT_TE_OUT}
    monitors = dict((mon['name'], mon) for mon in merged['monitors'])
    assert sorted(monitors) == ['asn', 'te-in', 'te-out']
    for name in ('te-in', 'te-out'):
        mon = monitors[name]
        assert (mon['record'], mon['exporters'], mon['active_timeout'], mon['update_timeout']) == (name, ['nfcapd'], 100, 150)
    assert merged['interfaces'] == [
        {'name': 'GigabitEthernet1', 'monitors': [
            {'monitor': 'asn', 'family': 'ipv4', 'direction': 'input'},
            {'monitor': 'asn', 'family': 'ipv4', 'direction': 'output'},
            {'monitor': 'te-in', 'family': 'ipv4', 'direction': 'input'},
            {'monitor': 'te-out', 'family': 'ipv4', 'direction': 'output'}]},
        {'name': 'GigabitEthernet2', 'monitors': [
            {'monitor': 'te-in', 'family': 'ipv4', 'direction': 'input'},
            {'monitor': 'te-out', 'family': 'ipv4', 'direction': 'output'}]}]


def test_preset_records_pass_every_lint_and_carry_both_interfaces():
    merged = te_paths()
    desired = m.normalize(EXPORTERS, merged['records'], merged['monitors'], merged['interfaces'])
    assert lint(desired) == []
    for name, matched, collected in (('te-in', 10, 14), ('te-out', 14, 10)):
        layout = field_layout(desired['records'][name]['fields'])
        # 4-octet AS x2, interface x2, IPv4 address, first/last, 8-byte bytes and packets
        assert sum(size for _k, _t, _o, size in layout) == 44
        assert [t for k, t, _o, _s in layout if k.startswith('interface')] == [matched, collected]


def test_preset_timeouts_meet_the_collector_interval_lint():
    merged = te_paths()
    desired = m.normalize(EXPORTERS, merged['records'], merged['monitors'], merged['interfaces'])
    # the same lint, with the same message, as the user's own monitor
    assert lint(desired, collector_interval=120) == [
        "monitor '%s': cache timeout update 150 s is not below the collector rotation interval of 120 s; sums "
        "would land in a later file as spikes: set it below 120 (field fix: active 100, update 150)" % name
        for name in ('asn', 'te-in', 'te-out')]


def test_name_clash_names_both():
    merged = te_paths(records=OWN_RECORDS + [{'name': 'te-out'}],
                      monitors=OWN_MONITORS + [{'name': 'te-in', 'record': 'asn', 'exporters': []}])
    assert merged['problems'] == [
        "record 'te-out' is defined both in records and by preset te_paths; rename your record or leave the preset off",
        "monitor 'te-in' is defined both in monitors and by preset te_paths; rename your monitor or leave the preset off"]


def test_preset_and_interfaces_need_each_other():
    assert te_paths(interfaces=[])['problems'] == [
        "preset te_paths needs preset_interfaces (role: flow_monitor_te_paths_interfaces): the upstream/peer "
        "interfaces that get 'ip flow monitor te-in input', 'ip flow monitor te-out output'"]
    assert merge_presets([], ['GigabitEthernet2'], [], OWN_RECORDS, OWN_MONITORS, [])['problems'] == [
        'preset_interfaces lists GigabitEthernet2 but presets is empty: name the preset (te_paths) or leave '
        'preset_interfaces empty']


def test_plan_over_the_fixed_config_adds_only_the_preset():
    with open(os.path.join(FIX, 'fixed_running_section_flow.txt')) as handle:
        current = parse_running_config(handle.read())
    merged = te_paths()
    desired = m.normalize(EXPORTERS, merged['records'], merged['monitors'], merged['interfaces'])
    lines = d.plan(current, desired)
    assert lines[:lines.index('flow monitor te-in')] == [
        'flow record te-in', 'description TE paths inbound: AS pair, input interface, local destination'
    ] + CONTRACT_TE_IN + ['exit', 'flow record te-out',
                          'description TE paths outbound: AS pair, output interface, local source'] + CONTRACT_TE_OUT + ['exit']
    assert lines[lines.index('interface GigabitEthernet1'):] == [
        'interface GigabitEthernet1', 'ip flow monitor te-in input', 'ip flow monitor te-out output', 'exit',
        'interface GigabitEthernet2', 'ip flow monitor te-in input', 'ip flow monitor te-out output', 'exit']
    assert not any(line.startswith('no ') or 'asn' in line for line in lines)
