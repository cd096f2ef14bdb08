"""The shared port model: ng_bridge hook name rules and the bad inputs of issue 4."""

import pytest

from ansible_collections.isplab.infra.plugins.module_utils.l2_bridge.model import (
    BridgeModelError, arp_rule, connect_order, parse_hook_name, validate)


def bridge(**overrides):
    spec = {'name': 'br0', 'restrictive': True, 'mac_hold_time': 1500, 'ports': [
        {'name': 'uplink1', 'interface': 'em0', 'role': 'uplink'},
        {'name': 'link1', 'interface': 'em1', 'role': 'link'},
    ]}
    spec.update(overrides)
    return spec


def errors_of(spec):
    with pytest.raises(BridgeModelError) as info:
        validate(spec)
    return info.value.errors


@pytest.mark.parametrize('name,expected', [('link0', ('link', 0)), ('link4000', ('link', 4000)),
                                           ('uplink1', ('uplink', 1)), ('uplink2', ('uplink', 2))])
def test_valid_hook_names(name, expected):
    assert parse_hook_name(name) == expected


def test_uplink0_rejected():
    with pytest.raises(ValueError, match=r"'uplink0' is rejected by ng_bridge \(EINVAL\)"):
        parse_hook_name('uplink0')


def test_link01_rejected():
    with pytest.raises(ValueError, match=r"number must be canonical decimal \(link1\)"):
        parse_hook_name('link01')


@pytest.mark.parametrize('name', ['port1', 'link', 'uplink', 'Link1', 'link-1', 'link1a', ''])
def test_other_names_rejected(name):
    with pytest.raises(ValueError, match=r'is not link<N> or uplink<N>'):
        parse_hook_name(name)


def test_valid_bridge_normalised():
    model = validate(bridge())
    assert [p['number'] for p in model['ports']] == [1, 1]
    assert model['ports'][0]['kind'] == 'ether'


def test_duplicate_port_and_interface():
    ports = [{'name': 'uplink1', 'interface': 'em0', 'role': 'uplink'},
             {'name': 'uplink1', 'interface': 'em1', 'role': 'uplink'},
             {'name': 'link1', 'interface': 'em0', 'role': 'link'}]
    assert errors_of(bridge(ports=ports)) == [
        'ports[1]: duplicate port name uplink1',
        'ports[2] (link1): interface em0 is already used by another port',
    ]


def test_role_must_match_name():
    ports = [{'name': 'uplink1', 'interface': 'em0', 'role': 'uplink'},
             {'name': 'link1', 'interface': 'em1', 'role': 'uplink'}]
    assert errors_of(bridge(ports=ports)) == [
        'ports[1]: port link1 has role uplink; ng_bridge derives the role from the name, so name it uplink<N>']


@pytest.mark.parametrize('hold', [0, -5, '900', 1.5, True, None])
def test_hold_time_must_be_positive_integer(hold):
    assert errors_of(bridge(mac_hold_time=hold)) == [
        'mac_hold_time must be a positive integer number of seconds, got %r' % (hold,)]


def test_hold_time_upper_bound():
    assert errors_of(bridge(mac_hold_time=65536)) == [
        'mac_hold_time 65536 exceeds 65535 (ng_bridge counts staleness in 16 bits)']


def test_restrictive_needs_uplink():
    ports = [{'name': 'link1', 'interface': 'em1', 'role': 'link'}]
    assert errors_of(bridge(ports=ports)) == [
        'restrictive mode needs at least one uplink port: ng_bridge only turns restrictive when an uplink is '
        'the first hook']


def test_classic_needs_link():
    ports = [{'name': 'uplink1', 'interface': 'em0', 'role': 'uplink'}]
    assert 'classic mode needs at least one link port' in errors_of(bridge(restrictive=False, ports=ports))[0]


def test_every_problem_reported_at_once():
    ports = [{'name': 'uplink0', 'interface': 'em0', 'role': 'uplink'},
             {'name': 'link01', 'interface': 'em1', 'role': 'link'}]
    errors = errors_of(bridge(ports=ports, mac_hold_time=0))
    assert len(errors) == 3


def test_connect_order_uplink_first_when_restrictive():
    model = validate(bridge(ports=[{'name': 'link2', 'interface': 'a', 'role': 'link'},
                                   {'name': 'uplink2', 'interface': 'b', 'role': 'uplink'},
                                   {'name': 'uplink1', 'interface': 'c', 'role': 'uplink'}]))
    assert [p['name'] for p in connect_order(model['ports'], True)] == ['uplink1', 'uplink2', 'link2']
    assert [p['name'] for p in connect_order(model['ports'], False)] == ['link2', 'uplink1', 'uplink2']


def test_arp_rule_levels():
    assert arp_rule(1500, 1200, True)[0] == 'ok'
    assert arp_rule(900, 1200, True)[0] == 'fail'
    assert arp_rule(900, 1200, False)[0] == 'warn'
    assert arp_rule(1200, 1200, True)[0] == 'fail'  # equal is not "exceeds"


def test_hook_number_above_32_bits_rejected():
    with pytest.raises(ValueError, match='unsigned 32-bit, at most 4294967295'):
        parse_hook_name('link4294967296')
    assert parse_hook_name('link4294967295') == ('link', 4294967295)
