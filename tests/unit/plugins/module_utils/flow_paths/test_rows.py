"""nfdump rows: the contract's command and parsing its captured output (nfdump_sample.txt, see capture.py)."""

import pytest

from ansible_collections.isplab.infra.plugins.module_utils.flow_paths.rows import (
    NFDUMP_ENVIRONMENT, RowError, nfdump_argv, parse_rows)
from conftest import read_fixture


def test_argv_is_the_contract_command():
    assert nfdump_argv('/srv/flows/nfcapd.202612031105') == [
        'nfdump', '-r', '/srv/flows/nfcapd.202612031105', '-q', '-N',
        '-A', 'srcip4/26,srcas,inif,router,outif,dstas,dstip4/26',
        '-o', 'fmt:%ra %in %out %sas %das %sa %da %byt %pkt %fl']
    assert NFDUMP_ENVIRONMENT == {'TZ': 'UTC'}


def test_parse_captured_sample(scenario):
    rows = parse_rows(read_fixture('nfdump_sample.txt'), 'lab')
    sent = sum(int(round(leg['mbps'] * 1e6 * scenario['slot_seconds'] / 8)) for leg in scenario['legs'])
    assert sum(row['bytes'] for row in rows) == sent
    # one flow per address sent, whatever nfdump aggregated
    assert sum(row['flows'] for row in rows) == sum(len(leg['addrs']) for leg in scenario['legs'])
    assert set(row['exporter'] for row in rows) == set(leg['router'] for leg in scenario['legs'])
    assert all(row['ident'] == 'lab' for row in rows)
    split_in = [r for r in rows if r['exporter'] == '127.0.0.4' and r['dst_as'] == 196714]
    assert split_in == [{'exporter': '127.0.0.4', 'ident': 'lab', 'record': 'in', 'inif': 1, 'outif': 3,
                         'src_as': 2906, 'dst_as': 196714, 'src_net': '0.0.0.0', 'dst_net': '203.0.113.64',
                         'bytes': 11265000000, 'packets': 9387500, 'flows': 1}]
    outbound = [r for r in rows if r['src_as'] == 0 and r['dst_as'] == 3320]
    assert [(r['record'], r['src_net'], r['dst_net'], r['inif'], r['outif'], r['flows']) for r in outbound] == [
        ('out', '198.18.0.0', '0.0.0.0', 5, 1, 3)]


def test_record_kind_from_missing_address():
    text = ('127.0.0.2 1 2 0 0 0.0.0.0 0.0.0.0 10 1 1\n'
            '127.0.0.2 1 2 0 0 198.18.0.0 198.18.0.64 10 1 1\n')
    assert [row['record'] for row in parse_rows(text)] == [None, None]


def test_no_matching_flows_is_no_rows():
    # what nfdump 1.7.1 prints for nfcapd.empty (a file nfcapd closed without data)
    assert parse_rows('No matching flows\n', 'lab') == []
    assert parse_rows('', 'lab') == []


def test_unexpected_lines_are_errors():
    with pytest.raises(RowError, match=r'line 2 has 3 fields, expected 10'):
        parse_rows('127.0.0.2 1 2 0 0 0.0.0.0 198.18.0.0 10 1 1\n1 2 3\n')
    with pytest.raises(RowError, match=r'non-numeric counter, interface or AS \(was -N given'):
        parse_rows('127.0.0.2 1 2 0 0 0.0.0.0 198.18.0.0 1.2M 1 1\n')
