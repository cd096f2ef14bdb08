"""Aggregation of real nfdump output (nfdump_sample.txt from capture.py, nfdump_network.txt from the twin network).

Expected numbers are derived here from what capture.py sent (scenario.json), never copied from a run.
"""

import json
import random

import pytest

from ansible_collections.isplab.infra.plugins.module_utils.flow_paths.aggregate import (
    aggregate_slot, format_line, format_mbps, stamp_start)
from ansible_collections.isplab.infra.plugins.module_utils.flow_paths.rows import parse_rows
from ansible_collections.isplab.infra.plugins.module_utils.flow_paths.store import dumps_slot
from ansible_collections.isplab.infra.plugins.module_utils.flow_paths.tables import load_config
from conftest import fixture_path, read_fixture


def legs(scenario, case):
    return [leg for leg in scenario['legs'] if leg['case'] == case]


def mbps(scenario, case):
    return sum(leg['mbps'] for leg in legs(scenario, case))


def slot_of(tables, scenario, ident='lab'):
    rows = parse_rows(read_fixture('nfdump_sample.txt'), ident)
    return aggregate_slot(rows, load_config(tables), scenario['stamp'])


def by_line(slot):
    return dict((path['line'], path) for path in slot['paths'])


def problems(slot, kind):
    return [p for p in slot['problems'] if p['kind'] == kind]


def test_slot_header(tables, scenario):
    slot = slot_of(tables, scenario)
    assert slot['version'] == 1 and slot['slot'] == scenario['stamp'] and slot['seconds'] == 300
    assert slot['start'] == stamp_start(scenario['stamp']) and slot['start'] % 300 == 0


def test_inbound_and_outbound(tables, scenario):
    paths = by_line(slot_of(tables, scenario))
    first = legs(scenario, 'inbound')[0]
    dhcp = paths['2906 8220 rudo5 DHCP %d' % first['mbps']]
    assert (dhcp['kind'], dhcp['src_as'], dhcp['dst_as'], dhcp['in_peer'], dhcp['in_router']) == (
        'inbound', 2906, None, '8220', 'rudo5')
    assert dhcp['local'] == {'prefix': '198.18.0.0/26', 'object': 'rudo-dhcp', 'service': 'DHCP'}
    assert dhcp['mbps'] == first['mbps'] and dhcp['flows'] == len(first['addrs'])
    assert dhcp['bytes'] == first['mbps'] * 1e6 * 300 / 8 and dhcp['scan'] is False
    # 198.18.1.9 is in no /26 of the tables: the /23 covers it
    assert paths['2906 8220 rudo5 POOL 12']['local']['object'] == 'rudo-pool'
    out = legs(scenario, 'outbound')[0]
    dhcp_out = paths['DHCP rudo5 8220 3320 %d' % out['mbps']]
    assert (dhcp_out['kind'], dhcp_out['src_as'], dhcp_out['dst_as'], dhcp_out['out_router'], dhcp_out['out_peer']) == (
        'outbound', None, 3320, 'rudo5', '8220')
    assert dhcp_out['flows'] == len(out['addrs'])


def test_transit_in_one_router_is_counted_once(tables, scenario):
    slot = slot_of(tables, scenario)
    (leg,) = legs(scenario, 'transit_one')
    through = [p for p in slot['paths'] if p['in_router'] == 'rudo6' and p['out_router'] == 'rudo6']
    assert [(p['line'], p['mbps']) for p in through] == [('196714 196714 rudo6 rudo6 1299 1299 50', leg['mbps'])]


def test_split_transit_minimum_rule(tables, scenario):
    slot = slot_of(tables, scenario)
    threshold = tables['transit_threshold_mbps']
    (leg_in,) = legs(scenario, 'split_in')
    outs = sorted(legs(scenario, 'split_out'), key=lambda leg: -leg['mbps'])
    # largest outbound first (rudo6), then the rest of the inbound leg goes to rudo5
    first = min(leg_in['mbps'], outs[0]['mbps'])
    second = min(leg_in['mbps'] - first, outs[1]['mbps'])
    left = leg_in['mbps'] - first - second
    assert 0 < left < threshold
    pair = [p for p in slot['paths'] if (p['src_as'], p['dst_as']) == (2906, 196714)]
    assert [(p['in_router'], p['in_peer'], p['out_router'], p['out_peer'], p['mbps']) for p in pair] == [
        ('rudo8', '8220', 'rudo6', '196714', first), ('rudo8', '8220', 'rudo5', '3320', second)]
    assert [p['line'] for p in pair] == ['2906 8220 rudo8 rudo6 196714 196714 %d' % first,
                                         '2906 8220 rudo8 rudo5 3320 196714 %d' % second]
    # the remainder below the threshold is dropped without a problem; the one inbound flow is split
    assert not [p for p in problems(slot, 'unmatched_transit') if p['dst_as'] == 196714 and p['src_as'] == 2906]
    assert [p['flows'] for p in pair] == [1, 1] and all(p['local'] is None for p in pair)


def test_remainders_above_threshold_are_reported(tables, scenario):
    slot = slot_of(tables, scenario)
    paths = by_line(slot)
    (rest_in,), (rest_out,) = legs(scenario, 'remainder_in'), legs(scenario, 'remainder_out')
    joined, left = rest_out['mbps'], rest_in['mbps'] - rest_out['mbps']
    assert paths['2906 8220 rudo8 rudo6 1299 1299 %d' % joined]['mbps'] == joined
    missing = paths['2906 8220 rudo8 ? ? 1299 %d' % left]
    assert (missing['out_router'], missing['out_peer'], missing['mbps']) == (None, None, left)
    (orphan,) = legs(scenario, 'orphan_out')
    lone = paths['174 ? ? rudo6 196714 196714 %d' % orphan['mbps']]
    assert (lone['in_router'], lone['in_peer'], lone['mbps']) == (None, None, orphan['mbps'])
    assert sorted((p['src_as'], p['dst_as'], p['router'], p['missing'], p['mbps'])
                  for p in problems(slot, 'unmatched_transit')) == [
        (174, 196714, 'rudo6', 'inbound', orphan['mbps']), (2906, 1299, 'rudo8', 'outbound', left)]


@pytest.mark.parametrize('threshold', [0.3, 15.0])
def test_threshold_decides_what_is_unmatched(tables, scenario, threshold):
    tables['transit_threshold_mbps'] = threshold
    slot = slot_of(tables, scenario)
    split_left = legs(scenario, 'split_in')[0]['mbps'] - sum(leg['mbps'] for leg in legs(scenario, 'split_out'))
    rest_left = legs(scenario, 'remainder_in')[0]['mbps'] - legs(scenario, 'remainder_out')[0]['mbps']
    orphan = mbps(scenario, 'orphan_out')
    expected = sorted(round(v, 3) for v in (split_left, rest_left, orphan) if v >= threshold)
    assert sorted(p['mbps'] for p in problems(slot, 'unmatched_transit')) == expected


def test_unknown_interface_network_router_are_kept_and_reported(tables, scenario):
    slot = slot_of(tables, scenario)
    paths = by_line(slot)
    assert paths['2906 ?rudo5:7 rudo5 DHCP 2']['mbps'] == mbps(scenario, 'unknown_interface')
    unknown_net = paths['2906 8220 rudo5 ?100.64.5.0/26 3']
    assert unknown_net['local'] == {'prefix': '100.64.5.0/26', 'object': '?100.64.5.0/26', 'service': '?100.64.5.0/26'}
    assert paths['2906 ?127.0.0.5:1 ?127.0.0.5 DHCP 3']['mbps'] == mbps(scenario, 'unknown_router')
    assert [(p['router'], p['ifindex'], p['mbps'], p['text']) for p in problems(slot, 'unknown_interface')] == [
        ('rudo5', 7, 1.5, 'rudo5 exported flows on ifindex 7, which flow_paths_routers does not list')]
    assert [(p['prefix'], p['mbps']) for p in problems(slot, 'unknown_network')] == [('100.64.5.0/26', 2.5)]
    assert [(p['exporter'], p['mbps']) for p in problems(slot, 'unknown_router')] == [('127.0.0.5', 3.0)]


def test_ident_names_the_router_when_the_exporter_is_unknown(tables, scenario):
    tables['routers'][2] = dict(tables['routers'][2], ident='lab')
    del tables['routers'][2]['exporter']
    slot = slot_of(tables, scenario)
    assert not problems(slot, 'unknown_router')
    assert by_line(slot)['2906 8220 rudo8 DHCP 3']['mbps'] == mbps(scenario, 'unknown_router')


def test_scan_and_unclassified(tables, scenario):
    slot = slot_of(tables, scenario)
    scans = [p for p in slot['paths'] if p['scan']]
    (scan,) = legs(scenario, 'scan')
    assert [(p['line'], p['flows']) for p in scans] == [('4134 3320 rudo5 HOSTING %.2f' % scan['mbps'], len(scan['addrs']))]
    assert scan['mbps'] * 1000 / len(scan['addrs']) <= tables['scan_max_kbps_per_flow']
    assert [(p['router'], p['mbps'], p['flows']) for p in problems(slot, 'unclassified')] == [
        ('rudo5', mbps(scenario, 'unclassified'), 1)]
    tables['scan_min_flows'] = len(scan['addrs']) + 1
    assert not [p for p in slot_of(tables, scenario)['paths'] if p['scan']]


def test_totals_and_order(tables, scenario):
    slot = slot_of(tables, scenario)
    inbound = sum(mbps(scenario, c) for c in ('inbound', 'unknown_interface', 'unknown_network', 'unknown_router', 'scan'))
    split_left = legs(scenario, 'split_in')[0]['mbps'] - sum(leg['mbps'] for leg in legs(scenario, 'split_out'))
    transit = sum(mbps(scenario, c) for c in ('transit_one', 'split_in', 'remainder_in', 'orphan_out')) - split_left
    assert slot['totals'] == {'inbound_mbps': round(inbound, 3), 'outbound_mbps': mbps(scenario, 'outbound'),
                              'transit_mbps': round(transit, 3), 'flows': sum(p['flows'] for p in slot['paths'])}
    keys = [(-p['mbps'], p['line']) for p in slot['paths']]
    assert keys == sorted(keys)
    assert all(p['line'] == format_line(p) for p in slot['paths'])


def test_same_rows_same_bytes(tables, scenario):
    rows = parse_rows(read_fixture('nfdump_sample.txt'), 'lab')
    config = load_config(tables)
    shuffled = list(rows)
    random.Random(4).shuffle(shuffled)
    assert shuffled != rows
    assert dumps_slot(aggregate_slot(rows, config, scenario['stamp'])) == dumps_slot(
        aggregate_slot(shuffled, config, scenario['stamp']))


def synthetic(*legs_in_out):
    """Rows for the pairing rules: (record, exporter, inif, outif, mbps) with AS 2906 -> 1299."""
    rows = []
    for record, exporter, inif, outif, rate in legs_in_out:
        nbytes = int(rate * 1e6 * 300 / 8)
        rows.append({'exporter': exporter, 'ident': None, 'record': record, 'inif': inif, 'outif': outif,
                     'src_as': 2906, 'dst_as': 1299, 'src_net': '192.0.2.0' if record == 'out' else '0.0.0.0',
                     'dst_net': '203.0.113.0' if record == 'in' else '0.0.0.0', 'bytes': nbytes, 'packets': 10, 'flows': 2})
    return rows


def test_pairs_only_across_routers_and_ties_by_name(tables):
    config = load_config(tables)
    # rudo6 has the largest outbound leg but also the inbound one: the inbound leg goes to rudo5/rudo8
    # and of the two equal ones the name decides: rudo5 gets its full 20, rudo8 the rest 10 of its 20
    rows = synthetic(('in', '127.0.0.3', 2, 3, 30), ('out', '127.0.0.3', 3, 1, 50),
                     ('out', '127.0.0.4', 3, 1, 20), ('out', '127.0.0.2', 3, 2, 20))
    lines = [p['line'] for p in aggregate_slot(rows, config, '202612031105')['paths']]
    assert lines == ['2906 ? ? rudo6 196714 1299 50', '2906 1299 rudo6 rudo5 3320 1299 20',
                     '2906 1299 rudo6 rudo8 8220 1299 10', '2906 ? ? rudo8 8220 1299 10']


@pytest.mark.parametrize('value, text', [(86.123, '86'), (2.5, '3'), (1.0, '1'), (0.999, '1.00'), (0.5, '0.50'),
                                         (0.004, '0.00'), (1234.5, '1235')])
def test_format_mbps(value, text):
    assert format_mbps(value) == text


def test_format_line_kinds():
    local = {'prefix': '198.18.0.0/26', 'object': 'rudo-dhcp', 'service': 'DHCP'}
    assert format_line({'kind': 'outbound', 'local': local, 'out_router': 'rudo5', 'out_peer': '8220',
                        'dst_as': 3320, 'mbps': 94.2}) == 'DHCP rudo5 8220 3320 94'
    assert format_line({'kind': 'inbound', 'local': dict(local, service='NAT'), 'src_as': 2906, 'in_peer': '8220',
                        'in_router': 'rudo5', 'mbps': 86.123}) == '2906 8220 rudo5 NAT 86'
    assert format_line({'kind': 'transit', 'local': None, 'src_as': 2906, 'in_peer': '8220', 'in_router': 'rudo8',
                        'out_router': 'rudo6', 'out_peer': '196714', 'dst_as': 196714, 'mbps': 83.4}) == (
        '2906 8220 rudo8 rudo6 196714 196714 83')


def test_stamp_start():
    assert stamp_start('202612031105') == 1796295900
    with pytest.raises(ValueError, match='not YYYYMMDDhhmm'):
        stamp_start('nfcapd.current')


def test_twin_network_capture_matches_the_demands():
    # captured by tests/integration/flow_paths/capture_network.py; the expectations there come from the demands
    with open(fixture_path('network_tables.json')) as handle:
        network = json.load(handle)
    rows = parse_rows(read_fixture('nfdump_network.txt'))
    slot = aggregate_slot(rows, load_config(network), network['stamp'])
    assert [p['line'] for p in slot['paths']] == network['expected_lines']
    for got, want in zip(slot['paths'], network['expected_paths']):
        assert dict((key, got[key]) for key in want) == want
    assert slot['problems'] == []


# rows in nfdump's printed form (columns of the contract's real capture): router-ip inif outif srcas dstas
# src-net dst-net bytes packets flows; Mbit/s * 37.5e6 = bytes of a 300 s slot
REMOTE_ROWS = [
    ('127.0.0.2 1 3 2906 0 0.0.0.0 198.18.0.0', 100, 40),
    ('127.0.0.2 1 3 174 0 0.0.0.0 198.18.0.0', 10, 2),
    ('127.0.0.2 1 3 6939 0 0.0.0.0 198.18.0.0', 5, 3),
    ('127.0.0.2 3 2 0 3320 198.18.0.0 0.0.0.0', 50, 20),
    ('127.0.0.2 3 2 0 64500 198.18.0.0 0.0.0.0', 3, 1),
    # a transit pair of two small ASes: its legs join on the real pair (64501 -> 3320), then 64501 is 'other'
    ('127.0.0.3 2 3 64501 3320 0.0.0.0 192.0.2.0', 4, 6),
    ('127.0.0.2 3 2 64501 3320 203.0.113.0 0.0.0.0', 4, 6),
]


def remote_slot(tables, top):
    text = '\n'.join('%s %d %d %d' % (words, int(rate * 37.5e6), rate * 100, flows) for words, rate, flows in REMOTE_ROWS)
    tables['remote_as_top'] = top
    return aggregate_slot(parse_rows(text), load_config(tables), '202612031105')


def test_remote_ases_outside_the_top_become_other(tables):
    slot = remote_slot(tables, 2)
    # volumes: 2906 100, 3320 50 + 4, 174 10, 64501 4 + 4 (both legs before the join: 4), 6939 5, 64500 3
    assert [p['line'] for p in slot['paths']] == [
        '2906 8220 rudo5 DHCP 100', 'DHCP rudo5 3320 3320 50', 'other 8220 rudo5 DHCP 15',
        'other 1299 rudo6 rudo5 3320 3320 4', 'DHCP rudo5 3320 other 3']
    merged = by_line(slot)['other 8220 rudo5 DHCP 15']
    assert (merged['src_as'], merged['flows'], merged['bytes']) == ('other', 5, int(10 * 37.5e6) + int(5 * 37.5e6))
    assert by_line(slot)['other 1299 rudo6 rudo5 3320 3320 4']['dst_as'] == 3320
    assert slot['problems'] == []
    assert json.loads(dumps_slot(slot))['paths'][2]['src_as'] == 'other'


@pytest.mark.parametrize('top', [0, 6, 25])
def test_every_remote_as_kept_when_top_is_0_or_not_exceeded(tables, top):
    lines = [p['line'] for p in remote_slot(tables, top)['paths']]
    assert lines == ['2906 8220 rudo5 DHCP 100', 'DHCP rudo5 3320 3320 50', '174 8220 rudo5 DHCP 10',
                     '6939 8220 rudo5 DHCP 5', '64501 1299 rudo6 rudo5 3320 3320 4', 'DHCP rudo5 3320 64500 3']
