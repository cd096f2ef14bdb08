"""The IOS-XE twin network exports what the TE view needs, read back by real nfcapd/nfdump and tshark.

Expectations come from tests/integration/flow_paths/expected.py, computed from the network's end-to-end
demands (not from the twin's per-router expansion, and not from the aggregator under test).
"""

import ipaddress
import json
import os
import shutil
import signal
import struct
import subprocess
import sys
import time

import pytest

from conftest import CREDS_FOR_SERVER, REPO, nfdump_rows
from tests.integration.local_nfcapd import LocalNfcapd
from tests.twins.ios_xe import network as twin_network

import expected

pytestmark = pytest.mark.flow_paths

SECONDS = 300


@pytest.fixture(scope='module')
def rows(default_run):
    assert len(default_run['files']) == 1, default_run['files']
    return nfdump_rows(default_run['files'][0])[1]


def test_every_record_reaches_nfcapd_under_its_own_router_address(default_run, rows):
    stored = {}
    for row in rows:
        stored[row['router']] = stored.get(row['router'], 0) + row['flows']
    sent = dict((default_run['exporters'][name], count) for name, count in default_run['records'].items())
    assert stored == sent
    assert sorted(stored) == ['127.0.0.11', '127.0.0.12', '127.0.0.13']


def test_te_in_rows_have_no_source_and_te_out_rows_no_destination(default_run, rows):
    peers = dict((r['exporter'], set(int(i['ifindex']) for i in r['interfaces'] if i.get('peer')))
                 for r in default_run['network']['routers'])
    kinds = {'te-in': 0, 'te-out': 0}
    for row in rows:
        assert (row['src_net'] == '0.0.0.0') != (row['dst_net'] == '0.0.0.0'), row
        if row['src_net'] == '0.0.0.0':
            kinds['te-in'] += 1
            assert row['inif'] in peers[row['router']], row   # te-in is attached (input) on peer lines only
        else:
            kinds['te-out'] += 1
            assert row['outif'] in peers[row['router']], row
    assert kinds['te-in'] > 0 and kinds['te-out'] > 0


def _per_line(rows, field):
    out = {}
    for row in rows:
        key = (row['router'], 'te-in', row['inif']) if row['src_net'] == '0.0.0.0' else \
            (row['router'], 'te-out', row['outif'])
        out[key] = out.get(key, 0) + row[field]
    return out


def test_bytes_per_router_line_equal_the_demands(rows):
    assert _per_line(rows, 'bytes') == expected.expected_interface_bytes(None, SECONDS)


def test_flows_per_router_line_are_one_per_cache_key_and_export(rows):
    flows = _per_line(rows, 'flows')
    assert flows == expected.expected_interface_flows(None, SECONDS)
    # the scan: every local address is its own te-in cache entry on rudo8's Cogent line, 5 exports each
    assert flows[('127.0.0.13', 'te-in', 1)] >= 1000 * 5


def test_local_side_of_each_row_is_the_demand_address_network(default_run, rows):
    net = default_run['network']
    local = [ipaddress.IPv4Network(n['prefix']) for n in net['networks']]
    for row in rows:
        if row['src_as'] and not row['dst_as']:      # inbound: the destination /26 is local
            assert any(ipaddress.IPv4Network(row['dst_net'] + '/26').subnet_of(p) or
                       p.subnet_of(ipaddress.IPv4Network(row['dst_net'] + '/26')) for p in local), row
        if row['dst_as'] and not row['src_as']:      # outbound: the source /26 is local
            assert any(ipaddress.IPv4Network(row['src_net'] + '/26').subnet_of(p) or
                       p.subnet_of(ipaddress.IPv4Network(row['src_net'] + '/26')) for p in local), row


def write_pcap(path, datagrams, source):
    """Classic pcap, link type raw IPv4 (228), the datagrams as sent from ``source``; UDP checksum 0."""
    src = ipaddress.IPv4Address(source).packed
    with open(path, 'wb') as handle:
        handle.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 228))
        for i, (payload, (_addr, port)) in enumerate(datagrams):
            udp = struct.pack('!HHHH', 50000, port, 8 + len(payload), 0) + payload
            ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), i & 0xFFFF, 0, 64, 17, 0, src,
                             bytes([127, 0, 0, 1]))
            checksum = sum(struct.unpack('!10H', ip))
            checksum = (checksum & 0xFFFF) + (checksum >> 16)
            ip = ip[:10] + struct.pack('!H', ~((checksum & 0xFFFF) + (checksum >> 16)) & 0xFFFF) + ip[12:]
            frame = ip + udp
            handle.write(struct.pack('<IIII', 1700000000 + i, 0, len(frame), len(frame)) + frame)


def test_tshark_decodes_te_in_records_with_the_twins_values(default_run, tmp_path):
    """Wireshark's cflow dissector, not the collection's decoder, reads rudo5's datagrams."""
    if not shutil.which('tshark'):
        pytest.fail('tshark is not installed (tests/tools/bootstrap-debian installs it)')
    sim = default_run['sims']['rudo5']
    datagrams = default_run['datagrams']['rudo5']
    port = datagrams[0][1][1]
    pcap = str(tmp_path / 'rudo5.pcap')
    write_pcap(pcap, datagrams, default_run['exporters']['rudo5'])
    te_in = sim.state.template_ids()[('collector', 'te-in')]
    fields = ['cflow.srcas', 'cflow.dstas', 'cflow.inputint', 'cflow.outputint', 'cflow.dstaddr', 'cflow.octets',
              'cflow.packets']
    argv = ['tshark', '-r', pcap, '-d', 'udp.port==%d,cflow' % port, '-Y', 'cflow.flowset_id == %d' % te_in,
            '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=;']
    for field in fields:
        argv += ['-e', field]
    out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    decoded = []
    for line in out.splitlines():
        columns = [c.split(';') if c else [] for c in line.split('\t')]
        for row in zip(*columns):
            decoded.append(tuple(int(v) if i != 4 else int(ipaddress.IPv4Address(v)) for i, v in enumerate(row)))
    meant = [(r[16], r[17], r[10], r[14], r[12], r[1], r[2]) for mon, r in sim.exported if mon == 'te-in']
    assert meant and sorted(decoded) == sorted(meant)
    # one te-in record as the contract describes it: 4-byte AS, local destination address, no source field
    netflix = [r for r in decoded if r[0] == 2906 and r[1] == 0]
    assert netflix and all(r[2] == 1 and r[3] == 8 and r[4] == int(ipaddress.IPv4Address('198.18.0.70'))
                           for r in netflix)


def test_a_bad_description_is_refused_with_every_problem():
    with open(twin_network.DEFAULT_PATH) as handle:
        import yaml
        raw = yaml.safe_load(handle)
    raw['routers'][0]['exporter'] = '192.0.2.1'
    raw['demands'].append({'name': 'nowhere', 'src_as': 2906, 'dst_addr': '203.0.113.9', 'in': 'rudo5:8220',
                           'mbps': 1})
    raw['demands'].append({'name': 'bad-peer', 'src_as': 2906, 'dst_addr': '198.18.0.9', 'in': 'rudo5:3320',
                           'mbps': 1})
    with pytest.raises(ValueError) as failure:
        twin_network.load(raw)
    text = str(failure.value)
    assert 'exporter 192.0.2.1 is not in 127.0.0.0/8' in text
    assert 'demand nowhere: dst_addr 203.0.113.9 is in no local network' in text
    assert "demand bad-peer: 'rudo5:3320': router rudo5 has 0 peer interfaces" in text


def test_server_twin_of_one_router_exports_from_its_source_address(tmp_path):
    """The server CLI (molecule, make lab): --network/--router give the table, traffic and config."""
    flows = str(tmp_path / 'flows')
    nfcapd = LocalNfcapd(flows, ident='twins')
    creds = str(tmp_path / 'creds.json')
    fd = os.open(creds, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, 'w') as handle:
        json.dump(CREDS_FOR_SERVER, handle)
    port_file = str(tmp_path / 'port')
    server = subprocess.Popen([sys.executable, '-m', 'tests.twins.ios_xe.server', '--credentials', creds,
                               '--port-file', port_file, '--network', 'default', '--router', 'rudo6',
                               '--collector', '127.0.0.1:%d' % nfcapd.port, '--scale', '600', '--lifetime', '60',
                               '--parent-pid', str(os.getpid())], cwd=REPO,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 20
        while not os.path.exists(port_file) and time.monotonic() < deadline and server.poll() is None:
            time.sleep(0.1)
        assert os.path.exists(port_file), server.stderr.read() if server.poll() is not None else 'no port file'
        time.sleep(1.5)  # 900 simulated seconds: every entry exported at least once (active timeout 60)
        server.send_signal(signal.SIGTERM)
        server.wait(15)
        files = nfcapd.close()
    finally:
        if server.poll() is None:
            server.kill()
            server.wait(5)
        nfcapd.kill()
    rows = [r for path in files for r in nfdump_rows(path)[1]]
    assert rows and {r['router'] for r in rows} == {'127.0.0.12'}
    seen = {(r['router'], 'te-in', r['inif']) if r['src_net'] == '0.0.0.0' else (r['router'], 'te-out', r['outif'])
            for r in rows}
    assert seen == {k for k in expected.expected_interface_bytes(None, SECONDS) if k[0] == '127.0.0.12'}
