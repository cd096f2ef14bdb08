"""Linux backend parsing and planning on real iproute2 6.1 JSON (tests/unit/fixtures/linux_bridge)."""

import copy
import os

from ansible_collections.isplab.infra.plugins.module_utils.l2_bridge.model import validate
from ansible_collections.isplab.infra.plugins.module_utils.l2_bridge.linux import (
    desired_flags, ifupdown2_stanza, parse_bridge_links, parse_ip_links, plan, port_flags, port_mode)

FIXTURES = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'fixtures', 'linux_bridge')


def fixture(name):
    with open(os.path.join(FIXTURES, name)) as handle:
        return handle.read()


LINKS = parse_ip_links(fixture('ip-j-d-link-show.json'))
PORTS = parse_bridge_links(fixture('bridge-d-j-link-show.json'))


def model(restrictive=True, hold=1500, ports=None):
    return validate({'name': 'br0', 'restrictive': restrictive, 'mac_hold_time': hold, 'ports': ports or [
        {'name': 'uplink1', 'interface': 'p10', 'role': 'uplink'},
        {'name': 'link1', 'interface': 'p11', 'role': 'link'}]})


def test_parse_ip_links():
    assert LINKS['br0']['kind'] == 'bridge' and LINKS['br0']['ageing_time'] == 1500 and LINKS['br0']['up']
    assert LINKS['p10']['master'] == 'br0' and LINKS['e11']['master'] is None


def test_parse_bridge_links():
    assert PORTS['p10'] == {'learning': False, 'flood': True, 'mcast_flood': True, 'bcast_flood': True,
                            'master': 'br0'}
    assert PORTS['p11']['flood'] is False and PORTS['p11']['learning'] is True


def test_mode_from_flags():
    assert port_mode(model()['ports'], PORTS) == 'restrictive'
    classic = copy.deepcopy(PORTS)
    classic['p11']['flood'] = True
    assert port_mode(model()['ports'], classic) == 'classic'
    learning_uplink = copy.deepcopy(PORTS)
    learning_uplink['p10']['learning'] = True
    assert port_mode(model()['ports'], learning_uplink) == 'mixed'


def test_desired_flags():
    assert desired_flags('uplink', True) == {'learning': False, 'flood': True, 'mcast_flood': True, 'bcast_flood': True}
    assert desired_flags('link', True)['flood'] is False
    assert desired_flags('link', False)['flood'] is True


def test_in_sync_plans_nothing():
    assert plan(model(), LINKS, PORTS) == ([], [], {})


def test_classic_changes_only_link_flood():
    commands, problems, _changes = plan(model(restrictive=False), LINKS, PORTS)
    assert problems == []
    assert commands == [['bridge', 'link', 'set', 'dev', 'p11', 'learning', 'on', 'flood', 'on',
                         'mcast_flood', 'on', 'bcast_flood', 'on']]


def test_hold_time_in_centiseconds():
    commands, _problems, changes = plan(model(hold=1300), LINKS, PORTS)
    assert commands == [['ip', 'link', 'set', 'dev', 'br0', 'type', 'bridge', 'ageing_time', '130000']]
    assert changes == {'mac_hold_time': (1500, 1300)}


def test_new_bridge_and_enslave_and_release():
    links = dict(LINKS)
    del links['br0']
    ports = [{'name': 'uplink1', 'interface': 'p10', 'role': 'uplink'},
             {'name': 'link1', 'interface': 'e11', 'role': 'link'}]
    commands, _problems, _changes = plan(model(ports=ports), links, PORTS)
    assert commands[0] == ['ip', 'link', 'add', 'name', 'br0', 'type', 'bridge', 'ageing_time', '150000',
                           'stp_state', '0']
    assert ['ip', 'link', 'set', 'dev', 'p11', 'nomaster'] in commands
    assert ['ip', 'link', 'set', 'dev', 'e11', 'master', 'br0'] in commands


def test_missing_interface_fails_before_any_command():
    ports = [{'name': 'uplink1', 'interface': 'p10', 'role': 'uplink'},
             {'name': 'link1', 'interface': 'nosuch0', 'role': 'link'}]
    assert plan(model(ports=ports), LINKS, PORTS) == ([], ['port link1: interface nosuch0 does not exist'], {})


def test_ifupdown2_stanza_prints_the_planned_flags():
    ports = [{'name': 'uplink1', 'interface': 'p10', 'role': 'uplink'},
             {'name': 'link1', 'interface': 'p11', 'role': 'link'},
             {'name': 'link2', 'interface': 'p12', 'role': 'link'},
             {'name': 'uplink2', 'interface': 'p14', 'role': 'uplink'}]
    stanza = ifupdown2_stanza(model(ports=ports))
    assert stanza[2:] == ['auto br0', 'iface br0 inet manual', '    bridge-ports p10 p11 p12 p14',
                          '    bridge-stp off', '    bridge-fd 0', '    bridge-ageing 1500',
                          '    bridge-learning p10=off p11=on p12=on p14=off',
                          '    bridge-unicast-flood p10=on p11=off p12=off p14=on',
                          '    bridge-multicast-flood p10=on p11=on p12=on p14=on']
    classic = ifupdown2_stanza(model(restrictive=False, ports=ports))
    assert '    bridge-unicast-flood p10=on p11=on p12=on p14=on' in classic


def test_port_flags_are_the_ones_plan_applies():
    flags = port_flags(model(restrictive=False))
    assert flags[1] == {'name': 'link1', 'interface': 'p11', 'role': 'link', 'learning': True, 'flood': True,
                        'mcast_flood': True, 'bcast_flood': True}
    assert plan(model(restrictive=False), LINKS, PORTS)[0][0][-8:] == [
        'learning', 'on', 'flood', 'on', 'mcast_flood', 'on', 'bcast_flood', 'on']
