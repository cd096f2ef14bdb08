"""Independent checks of what the IOS-XE twin exports.

The twin encodes NetFlow v9 with the collection's own encoder, so an encoding error shared by the encoder
and the collection's decoder would go unseen. Here Wireshark's cflow dissector (Debian's tshark) reads the
twin's datagrams from a pcap written from them, and a real nfcapd measures what a collector restart costs
under the template timer.
"""

import os
import shutil
import socket
import struct
import subprocess
import time

import pytest

from tests.twins.ios_xe.cli import RouterState
from tests.twins.ios_xe.exporter import Simulation
from tests.twins.ios_xe.shell import Session

from tests.integration.local_nfcapd import LocalNfcapd
from ansible_collections.isplab.infra.plugins.module_utils.flow_collector.nfdump import NFDUMP_ENVIRONMENT, parse_json

pytestmark = pytest.mark.flow_twin

PORT = 9995
TRAFFIC = [
    {'src_as': 199932, 'dst_as': 3320, 'input': 'GigabitEthernet1', 'output': 'GigabitEthernet2', 'bps': 400 * 10 ** 6},
    {'src_as': 3320, 'dst_as': 64512, 'input': 'GigabitEthernet1', 'output': 'GigabitEthernet2', 'bps': 2 * 10 ** 7},
]


def configured_state(port, template_timeout, active=100):
    state = RouterState()
    session = Session(state, '')
    session.mode = 'config'
    for line in ['flow record asn', 'match routing source as 4-octet', 'match routing destination as 4-octet',
                 'match interface input', 'collect interface output', 'collect counter bytes long',
                 'collect counter packets long', 'collect timestamp sys-uptime first',
                 'collect timestamp sys-uptime last', 'exit',
                 'flow exporter nfcapd', 'destination 127.0.0.1', 'transport udp %d' % port,
                 'template data timeout %d' % template_timeout, 'exit',
                 'flow monitor asn', 'exporter nfcapd', 'cache timeout active %d' % active, 'record asn', 'exit',
                 'interface GigabitEthernet1', 'ip flow monitor asn input', 'exit']:
        assert session.handle(line) == '', line
    return state


def write_pcap(path, datagrams):
    """Classic pcap, link type raw IPv4 (228); UDP checksum 0 (allowed over IPv4)."""
    with open(path, 'wb') as handle:
        handle.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 228))
        for i, (payload, (_addr, port)) in enumerate(datagrams):
            udp = struct.pack('!HHHH', 50000, port, 8 + len(payload), 0) + payload
            ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), i & 0xFFFF, 0, 64, 17, 0,
                             bytes([127, 0, 0, 1]), bytes([127, 0, 0, 1]))
            checksum = sum(struct.unpack('!10H', ip))
            checksum = (checksum & 0xFFFF) + (checksum >> 16)
            ip = ip[:10] + struct.pack('!H', ~((checksum & 0xFFFF) + (checksum >> 16)) & 0xFFFF) + ip[12:]
            frame = ip + udp
            handle.write(struct.pack('<IIII', 1700000000 + i, 0, len(frame), len(frame)) + frame)


def test_tshark_decodes_the_twins_export_like_the_twin_meant_it(tmp_path):
    if not shutil.which('tshark'):
        pytest.fail('tshark is not installed (tests/tools/bootstrap-debian installs it)')
    sent = []
    sim = Simulation(configured_state(PORT, 60), TRAFFIC, origin=1700000000, send=lambda p, d: sent.append((p, d)))
    for _step in range(60):  # 600 simulated seconds: several exports and template refreshes
        sim.step()
    assert len(sim.exported) >= 10
    pcap = str(tmp_path / 'twin.pcap')
    write_pcap(pcap, sent)
    out = subprocess.run(['tshark', '-r', pcap, '-d', 'udp.port==%d,cflow' % PORT, '-T', 'fields', '-E',
                          'occurrence=a', '-E', 'aggregator=;', '-e', 'cflow.srcas', '-e', 'cflow.dstas',
                          '-e', 'cflow.inputint', '-e', 'cflow.outputint', '-e', 'cflow.octets', '-e', 'cflow.packets'],
                         capture_output=True, text=True, check=True).stdout
    decoded = []
    for line in out.splitlines():
        columns = [c.split(';') if c else [] for c in line.split('\t')]
        decoded.extend(tuple(int(v) for v in row) for row in zip(*columns))
    meant = [(r[16], r[17], r[10], r[14], r[1], r[2]) for _mon, r in sim.exported]
    assert sorted(decoded) == sorted(meant)
    assert max(r[4] for r in decoded) == 400 * 10 ** 6 * 100 // 8  # 8-byte counter above 4 GiB, read as such
    assert {r[0] for r in decoded} == {199932, 3320}                # 4-byte ASNs


def _stored(nfcapd):
    flows = []
    for path in nfcapd.close():
        out = subprocess.run(['nfdump', '-r', path, '-o', 'json'], capture_output=True, text=True, check=True,
                             env=dict(os.environ, **NFDUMP_ENVIRONMENT))
        flows.extend(parse_json(out.stdout))
    return flows


@pytest.mark.parametrize('template_timeout', [600, 60])
def test_flows_lost_per_collector_restart_are_bounded_by_the_template_timeout(tmp_path, template_timeout):
    """Restart nfcapd once in the middle of an hour of exports every 10 s; count what it could not decode."""
    if not shutil.which('nfcapd'):
        pytest.fail('nfcapd is not installed (apt-get install nfdump)')
    collector = LocalNfcapd(str(tmp_path / 'flows'))
    port = collector.port
    state = configured_state(port, template_timeout, active=10)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sim = Simulation(state, TRAFFIC, origin=1700000000, step=10, send=sock.sendto)
    # templates go out at 10 s (first export) and every template_timeout after: 1210 s is a refresh for both
    # timers, and restarting right after it is the worst case
    sent_after = 0
    restart_at = 1210
    try:
        while sim.now < 3600:
            if sim.now == restart_at:
                collector.close()
                collector = LocalNfcapd(collector.dir, port=port)
            before = len(sim.exported)
            sim.step()
            if sim.now > restart_at:
                sent_after += len(sim.exported) - before
            time.sleep(0.002)
        flows = _stored(collector)
    finally:
        sock.close()
        collector.kill()
    per_step = len(TRAFFIC)
    received_after = len([f for f in flows if f['last_ms'] > (1700000000 + restart_at) * 1000])
    lost = sent_after - received_after
    # every 10 s step exports one record per traffic item; the steps before the next refresh are undecodable:
    # 5 steps (10 records, 50 s) with the collection's 60 s timer, 59 steps (118 records) with IOS's 600 s
    assert lost == per_step * ((template_timeout - 10) // 10), (lost, sent_after, received_after)
