"""Table validation: every problem is named by entry with its fix, all of them at once."""

import json

import pytest

from ansible_collections.isplab.infra.plugins.module_utils.flow_paths.tables import TableError, load_config
from conftest import fixture_path


def errors_of(config):
    with pytest.raises(TableError) as info:
        load_config(config)
    return str(info.value).split('; ')


def test_fixture_tables_load_with_defaults(tables):
    config = load_config(tables)
    assert [r.name for r in config.routers] == ['rudo5', 'rudo6', 'rudo8']
    assert config.slot_seconds == 300 and config.lifetime_days == 30 and config.title == 'isplab unit fixture'
    assert config.flow_dirs == [] and config.out_dir == ''
    assert config.routers[0].interfaces[1].peer == '8220'
    assert config.routers[0].interfaces[3].internal is True


def test_role_variable_names_are_accepted(tables):
    renamed = dict(('flow_paths_' + key, value) for key, value in tables.items())
    renamed['flow_paths_flow_dirs'] = [{'ident': 'edge1', 'dir': '/var/cache/nfdump/edge1'}]
    config = load_config(renamed)
    assert len(config.routers) == 3 and len(config.networks) == 4
    assert config.flow_dirs == [{'ident': 'edge1', 'dir': '/var/cache/nfdump/edge1'}]


def test_page_layout_lists_routers_and_peer_lines(tables):
    # a second line of rudo5 to 8220 makes one wider box
    tables['routers'][0]['interfaces'].append({'ifindex': 9, 'peer': 8220, 'capacity_mbps': 2500})
    layout = load_config(tables).page_layout()
    assert layout['routers'] == [{'name': 'rudo5', 'capacity_mbps': 20000}, {'name': 'rudo6', 'capacity_mbps': 10000},
                                 {'name': 'rudo8', 'capacity_mbps': 10000}]
    assert layout['peers'] == [
        {'router': 'rudo5', 'peer': '8220', 'capacity_mbps': 12500},
        {'router': 'rudo5', 'peer': '3320', 'capacity_mbps': 10000},
        {'router': 'rudo6', 'peer': '196714', 'capacity_mbps': 1000},
        {'router': 'rudo6', 'peer': '1299', 'capacity_mbps': 10000},
        {'router': 'rudo8', 'peer': '8220', 'capacity_mbps': 1000},
    ]


def test_most_specific_network_wins(tables):
    config = load_config(tables)
    assert config.network_for('198.18.0.0')['service'] == 'DHCP'
    assert config.network_for('198.18.0.64')['service'] == 'NAT'
    assert config.network_for('198.18.0.128')['service'] == 'POOL'
    assert config.network_for('198.18.1.192')['service'] == 'POOL'
    assert config.network_for('198.18.7.192')['service'] == 'HOSTING'
    assert config.network_for('198.18.8.0') is None


def test_router_by_exporter_then_ident(tables):
    tables['routers'][2] = {'name': 'rudo8', 'ident': 'core', 'capacity_mbps': 1000, 'interfaces': []}
    config = load_config(tables)
    assert config.router_for('127.0.0.2', 'core').name == 'rudo5'
    assert config.router_for('127.0.0.99', 'core').name == 'rudo8'
    assert config.router_for('127.0.0.99', 'edge') is None
    assert config.router_for('127.0.0.99', None) is None


def test_duplicate_interface(tables):
    tables['routers'][1]['interfaces'].append({'ifindex': 3, 'internal': True})
    assert errors_of(tables) == ['flow_paths_routers[1] (rudo6): interface ifindex 3 is listed twice']


def test_host_bits(tables):
    tables['networks'].append({'prefix': '198.18.0.1/26', 'object': 'x', 'service': 'X'})
    assert errors_of(tables) == ['flow_paths_networks[4]: prefix 198.18.0.1/26 has host bits set, use 198.18.0.0/26']


def test_every_problem_is_reported_at_once(tables):
    routers = tables['routers']
    routers[0]['capacity_mbps'] = 0
    routers[0]['interfaces'][0] = {'ifindex': 1, 'peer': '8220'}
    routers[0]['interfaces'][1] = {'ifindex': 2, 'peer': '3320', 'internal': True, 'capacity_mbps': 10}
    routers[0]['interfaces'][2] = {'ifindex': 3, 'name': 'Gi0/0/3'}
    routers[1]['exporter'] = '127.0.0.2'
    del routers[2]['exporter']
    routers[2]['interfaces'][0]['capacity_mbps'] = -5
    routers.append({'name': 'rudo5', 'ident': 'x', 'capacity_mbps': 1, 'interfaces': [{'ifindex': 0, 'internal': True}]})
    tables['networks'][1] = {'prefix': '198.18.0.0/26', 'object': 'again', 'service': 'two words'}
    tables['networks'].append({'prefix': 'nonsense', 'object': 'x', 'service': 'X'})
    tables['slot_seconds'] = 30
    tables['transit_threshold_mbps'] = -1
    tables['scan_min_flows'] = 'many'
    tables['lifetime_days'] = 0
    tables['flow_dirs'] = [{'ident': 'edge1'}]
    assert errors_of(tables) == [
        'flow_paths_routers[0] (rudo5): capacity_mbps must be a number > 0',
        "flow_paths_routers[0] (rudo5) interfaces[0]: peer interface ifindex 1 needs capacity_mbps (the line's bandwidth)",
        'flow_paths_routers[0] (rudo5) interfaces[1]: interface ifindex 2 is either a peer line or internal,'
        ' not both: remove peer or internal',
        'flow_paths_routers[0] (rudo5) interfaces[2]: interface ifindex 3 needs peer (an upstream/peer line) or internal: true',
        'flow_paths_routers[1] (rudo6): exporter 127.0.0.2 is also given for rudo5, each must name one router',
        'flow_paths_routers[2] (rudo8): needs exporter (the address nfcapd stores for it) or ident (its nfcapd instance)',
        'flow_paths_routers[2] (rudo8) interfaces[0]: interface ifindex 1: capacity_mbps must be a number > 0',
        'flow_paths_routers[3] (rudo5): name rudo5 is already used by flow_paths_routers[0], router names must be unique',
        'flow_paths_routers[3] (rudo5) interfaces[0]: ifindex must be an integer >= 1 (the SNMP ifIndex the router exports)',
        'flow_paths_networks[1]: prefix 198.18.0.0/26 is already listed as flow_paths_networks[0]',
        'flow_paths_networks[1]: service must be a non-empty string without spaces',
        'flow_paths_networks[4]: prefix nonsense is not an IPv4 prefix like 198.18.0.0/26',
        'flow_paths_slot_seconds: 30 must be an integer from 60 to 3600 (nfcapd -t)',
        'flow_paths_transit_threshold_mbps: -1 must be a number >= 0',
        "flow_paths_scan_min_flows: 'many' must be a number >= 0",
        'flow_paths_lifetime_days: 0 must be an integer >= 1',
        'flow_paths_flow_dirs[0]: needs dir (an nfcapd -w directory) and optionally ident',
    ]


def test_unknown_keys_and_bad_shapes(tables):
    tables['routers'][0]['interfaces'][0]['speed'] = 10
    tables['routers'][1]['exportr'] = '127.0.0.9'
    tables['networks'] = {'prefix': '198.18.0.0/26'}
    assert errors_of(tables) == [
        "flow_paths_routers[0] (rudo5) interfaces[0]: unknown key 'speed' (allowed: ifindex, name, peer, internal, capacity_mbps)",
        "flow_paths_routers[1] (rudo6): unknown key 'exportr' (allowed: name, exporter, ident, capacity_mbps, interfaces)",
        'flow_paths_networks: must be a list',
    ]


def test_no_routers_and_bad_exporter():
    assert errors_of({'routers': []}) == ['flow_paths_routers: list at least one router']
    assert errors_of({'routers': [{'name': 'r1', 'exporter': '10.0.0.300', 'capacity_mbps': 1}]}) == [
        'flow_paths_routers[0] (r1): exporter 10.0.0.300 is not an IP address']
    assert errors_of({'routers': [{'name': 'a', 'ident': 'x', 'capacity_mbps': 1},
                                  {'name': 'b', 'ident': 'x', 'capacity_mbps': 1}]}) == [
        'flow_paths_routers[1] (b): ident x is also given for a, each must name one router']


def test_network_capture_tables_are_valid():
    # the tables the twin network capture wrote (tests/integration/flow_paths/capture_network.py)
    with open(fixture_path('network_tables.json')) as handle:
        config = load_config(json.load(handle))
    assert len(config.routers) == 3
    assert all(r.exporter and r.exporter.startswith('127.0.0.') for r in config.routers)


@pytest.mark.parametrize('value', [-1, 2.5, True, '25'])
def test_remote_as_top_is_an_integer_from_0(tables, value):
    assert load_config(tables).remote_as_top == 25
    assert load_config(dict(tables, flow_paths_remote_as_top=0)).remote_as_top == 0
    tables['remote_as_top'] = value
    assert errors_of(tables) == ['flow_paths_remote_as_top: %r must be an integer >= 0 (0 keeps every remote AS)' % (value,)]
