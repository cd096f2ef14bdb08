"""ngctl parsers and the batch planner, fed with fixtures in the upstream ngctl formats."""

import os

import pytest

from ansible_collections.isplab.infra.plugins.module_utils.l2_bridge.model import validate
from ansible_collections.isplab.infra.plugins.module_utils.l2_bridge.netgraph import (
    boot_lines, ether_node_name, format_config, observed_mode, parse_config, parse_list, parse_show, plan)

FIXTURES = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'fixtures', 'netgraph')
CONFIG = {'debugLevel': 1, 'loopTimeout': 60, 'maxStaleness': 1500, 'minStableAge': 1}


def fixture(name):
    with open(os.path.join(FIXTURES, name)) as handle:
        return handle.read()


def model(restrictive=True, ports=None):
    return validate({'name': 'br0', 'restrictive': restrictive, 'mac_hold_time': 1500, 'ports': ports or [
        {'name': 'uplink1', 'interface': 'p10', 'role': 'uplink', 'kind': 'eiface'},
        {'name': 'uplink2', 'interface': 'p14', 'role': 'uplink', 'kind': 'eiface'},
        {'name': 'link1', 'interface': 'p11', 'role': 'link', 'kind': 'eiface'},
        {'name': 'link2', 'interface': 'em1.100', 'role': 'link'},
    ]})


def test_parse_list():
    nodes = parse_list(fixture('ngctl-list.txt'))
    assert [(n['name'], n['type'], n['num_hooks']) for n in nodes] == [
        ('em0', 'ether', 0), ('em1_100', 'ether', 1), ('p10', 'eiface', 1), ('br0', 'bridge', 4),
        ('p14', 'eiface', 1), ('p11', 'eiface', 1), ('ngctl1234', 'socket', 0)]
    assert nodes[3]['id'] == '00000005'


def test_parse_show_keeps_newest_first_order():
    shown = parse_show(fixture('ngctl-show-restrictive.txt'))
    assert shown['name'] == 'br0' and shown['type'] == 'bridge'
    assert [h['hook'] for h in shown['hooks']] == ['link2', 'link1', 'uplink2', 'uplink1']
    assert shown['hooks'][0] == {'hook': 'link2', 'peer_name': 'em1_100', 'peer_type': 'ether',
                                 'peer_id': '00000002', 'peer_hook': 'lower'}
    assert observed_mode(shown['hooks']) == 'restrictive'


def test_classic_when_link_came_first_even_with_uplink_later():
    shown = parse_show(fixture('ngctl-show-classic.txt'))
    assert [h['hook'] for h in shown['hooks']] == ['uplink1', 'link0']
    assert observed_mode(shown['hooks']) == 'classic'


def test_parse_show_without_header_fails():
    with pytest.raises(ValueError, match='no node header'):
        parse_show('ngctl: send msg: No such file or directory\n')


def test_parse_config():
    assert parse_config(fixture('ngctl-msg-getconfig.txt')) == CONFIG


def test_parse_config_zero_fields_omitted():
    assert parse_config(fixture('ngctl-msg-getconfig-zero-omitted.txt')) == {
        'debugLevel': 0, 'loopTimeout': 0, 'maxStaleness': 1300, 'minStableAge': 0}


def test_format_config_writes_every_field():
    assert format_config(CONFIG) == '{ debugLevel=1 loopTimeout=60 maxStaleness=1500 minStableAge=1 }'


def test_ether_node_name_sanitised():
    assert ether_node_name('em1.100') == 'em1_100'


def test_new_restrictive_bridge_starts_with_uplink():
    result = plan(model(), None, {'em1_100', 'em0'}, CONFIG)
    assert result['problems'] == []
    assert result['lines'][:6] == ['mkpeer . eiface tmp ether', 'name .:tmp p10', 'rmhook . tmp',
                                   'mkpeer p10: bridge ether uplink1', 'name p10:ether br0',
                                   'msg br0: setpersistent']
    assert result['lines'][-1] == 'msg br0: setconfig { debugLevel=1 loopTimeout=60 maxStaleness=1500 minStableAge=1 }'
    assert 'connect br0: em1_100: link2 lower' in result['lines']


def test_new_classic_bridge_starts_with_link_on_ether():
    ports = [{'name': 'uplink1', 'interface': 'p10', 'role': 'uplink', 'kind': 'eiface'},
             {'name': 'link2', 'interface': 'em1.100', 'role': 'link'}]
    result = plan(model(restrictive=False, ports=ports), None, {'em1_100'}, CONFIG)
    assert result['lines'][:5] == ['mkpeer em1_100: bridge lower link2', 'name em1_100:lower br0',
                                   'msg em1_100: setpromisc 1', 'msg em1_100: setautosrc 0',
                                   'msg br0: setpersistent']


def test_missing_ether_interface_is_a_problem():
    result = plan(model(), None, set(), CONFIG)
    assert result['problems'] == ['port link2: interface em1.100 has no ng_ether node em1_100: (not an Ethernet '
                                  'interface on this host?)']


def test_in_sync_plans_nothing():
    shown = parse_show(fixture('ngctl-show-restrictive.txt'))
    names = set(n['name'] for n in parse_list(fixture('ngctl-list.txt')))
    assert plan(model(), shown, names, CONFIG, observed_config=CONFIG)['lines'] == []


def test_add_and_remove_touch_only_those_hooks():
    shown = parse_show(fixture('ngctl-show-restrictive.txt'))
    names = set(n['name'] for n in parse_list(fixture('ngctl-list.txt')))
    ports = [{'name': 'uplink1', 'interface': 'p10', 'role': 'uplink', 'kind': 'eiface'},
             {'name': 'uplink2', 'interface': 'p14', 'role': 'uplink', 'kind': 'eiface'},
             {'name': 'link2', 'interface': 'em1.100', 'role': 'link'},
             {'name': 'link3', 'interface': 'p13', 'role': 'link', 'kind': 'eiface'}]
    result = plan(model(ports=ports), shown, names, CONFIG, observed_config=CONFIG)
    assert result['lines'] == ['shutdown p11:', 'mkpeer br0: eiface link3 ether', 'name br0:link3 p13']
    assert (result['add'], result['remove']) == (['link3'], ['link1'])


def test_config_drift_sets_full_config():
    shown = parse_show(fixture('ngctl-show-restrictive.txt'))
    names = set(n['name'] for n in parse_list(fixture('ngctl-list.txt')))
    drift = parse_config(fixture('ngctl-msg-getconfig-zero-omitted.txt'))
    assert plan(model(), shown, names, CONFIG, observed_config=drift)['lines'] == [
        'msg br0: setconfig { debugLevel=1 loopTimeout=60 maxStaleness=1500 minStableAge=1 }']


def test_mode_change_needs_rebuild():
    shown = parse_show(fixture('ngctl-show-restrictive.txt'))
    result = plan(model(restrictive=False), shown, {'p10', 'p11', 'p14', 'em1_100'}, CONFIG, observed_config=CONFIG)
    assert result['problems'] == [
        'bridge br0 is restrictive (its oldest hook is uplink1) but classic is wanted: ng_bridge fixes the mode '
        'with the first hook, so this needs rebuild=true, which disconnects every port briefly']
    assert result['lines'] == []


def test_rebuild_shuts_down_and_reuses_eifaces():
    shown = parse_show(fixture('ngctl-show-restrictive.txt'))
    result = plan(model(restrictive=False), shown, {'p10', 'p11', 'p14', 'em1_100', 'br0'}, CONFIG,
                  observed_config=CONFIG, rebuild=True)
    assert result['rebuild'] is True
    assert result['lines'][:3] == ['shutdown br0:', 'mkpeer p11: bridge ether link1', 'name p11:ether br0']
    assert 'connect br0: p10: uplink1 ether' in result['lines']


def test_boot_lines_create_everything():
    lines = boot_lines(model(), CONFIG)
    assert lines[0] == 'mkpeer . eiface tmp ether'
    assert sum(1 for line in lines if line.startswith('mkpeer br0: eiface')) == 2


def test_ether_node_name_replaces_only_dot_and_colon():
    # ng_ether.c ng_ether_sanitize_ifname(): '[' and ']' are kept (netgraph then refuses the name).
    assert ether_node_name('lagg0.7:a[1]') == 'lagg0_7_a[1]'


def test_ether_interface_with_brackets_is_a_problem_before_any_change():
    ports = [{'name': 'uplink1', 'interface': 'p10', 'role': 'uplink', 'kind': 'eiface'},
             {'name': 'link1', 'interface': 'em[1]', 'role': 'link'}]
    result = plan(model(ports=ports), None, {'em_1_', 'em[1]'}, CONFIG)
    assert result['problems'] == ['port link1: interface em[1]: ng_ether cannot name its node (netgraph names must '
                                  'not contain [ or ]), so no hook can address it by name']


def test_recorded_mode_wins_over_the_oldest_hook():
    # uplink1, the first hook ever, was removed: link1 is now the oldest, but the bridge stays restrictive.
    shown = parse_show(fixture('ngctl-show-restrictive.txt'))
    hooks = dict((h['hook'], h) for h in shown['hooks'])
    shown['hooks'] = [hooks['uplink2'], hooks['link2'], hooks['link1']]  # uplink2 reconnected after the links
    assert observed_mode(shown['hooks']) == 'classic'  # what inference alone believes
    ports = [p for p in model()['ports'] if p['name'] != 'uplink1']
    result = plan(model(ports=ports), shown, {'p10', 'p11', 'p14', 'em1_100', 'br0'}, CONFIG, observed_config=CONFIG,
                  belief=('restrictive', 'record', 'uplink1'))
    assert (result['problems'], result['lines'], result['mode_before']) == ([], [], 'restrictive')
