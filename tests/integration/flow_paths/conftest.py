"""The flow_paths integration stage: a network of IOS-XE twin exporters and a real nfcapd, all on 127.0.0.0/8.

Run:  .venv/bin/pytest -q -p no:cacheprovider -m flow_paths tests/integration/flow_paths

``run_network(network, nfcapd_dir, sim_seconds)`` is the harness others reuse (the end-to-end aggregator test,
fixture capture): it drives each router's ``Simulation`` in-process (deterministic: a fixed number of simulated
seconds, then every cache flushed, so bytes are exact) with a UDP socket bound to the router's own exporter
address, so nfcapd stores a distinct router address (%ra) per twin.  nfcapd is stopped (SIGTERM closes its
file) before it returns, also when something fails.
"""

import os
import shutil
import socket
import subprocess
import sys
import time

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


# this tree as ansible_collections.isplab.infra (tests/integration/linked_collection.py)
if REPO not in sys.path:
    sys.path.insert(0, REPO)
from tests.integration.linked_collection import on_sys_path  # noqa: E402
from tests.integration.local_nfcapd import LocalNfcapd  # noqa: E402

on_sys_path()

from tests.twins.ios_xe import network as twin_network  # noqa: E402
from tests.twins.ios_xe.exporter import Simulation  # noqa: E402

# the contract's aggregation (docs: shared contract of issue 17, "Collector input")
NFDUMP_AGGREGATION = ['-q', '-N', '-A', 'srcip4/26,srcas,inif,router,outif,dstas,dstip4/26',
                      '-o', 'fmt:%ra %in %out %sas %das %sa %da %byt %pkt %fl']
NFDUMP_ENV = {'TZ': 'UTC', 'LC_ALL': 'C'}
ROTATION = 300
STEP = 10
PACE_S = 0.0005  # between datagrams: a burst of a thousand records must not overrun nfcapd's socket buffer
CREDS_FOR_SERVER = {'username': 'lab', 'password': 'Tw1n-pass', 'secret': 'Tw1n-enable'}  # test-only twin login


def pytest_configure(config):
    config.addinivalue_line('markers', 'flow_paths: TE view: IOS-XE twin network + local nfcapd (under a minute)')
    config.addinivalue_line('markers', 'flow_paths_browser: TE page in headless chromium (test_page_browser.py, about 15 s)')


def _stay_inside_one_file():
    """Wait (at most 15 s) when a rotation boundary is near, so the whole run lands in one nfcapd file."""
    left = ROTATION - time.time() % ROTATION
    if left < 15:
        time.sleep(left + 0.5)


class _Sender:
    """One router's exporter socket, bound to its own 127.0.0.x address; keeps the datagrams when asked."""

    def __init__(self, address, keep):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((address, 0))
        self.datagrams = [] if keep else None
        self.count = 0

    def send(self, packet, dest):
        self.sock.sendto(packet, dest)
        self.count += 1
        if self.datagrams is not None:
            self.datagrams.append((packet, dest))
        time.sleep(PACE_S)


def run_network(network, nfcapd_dir, sim_seconds, keep_datagrams=False):
    """Export ``sim_seconds`` simulated seconds of ``network`` (dict, path or None = default) to a real nfcapd.

    Returns {'files': nfcapd files written, 'seconds', 'network' (loaded), 'tables', 'sims' {router: Simulation},
    'records' {router: records exported}, 'datagrams' {router: [(packet, (host, port))]} (with keep_datagrams),
    'exporters' {router: address}}.
    """
    if sim_seconds % STEP:
        raise ValueError('sim_seconds must be a multiple of %d (the simulation step)' % STEP)
    if not shutil.which('nfcapd'):
        raise RuntimeError('nfcapd is not installed (apt-get install nfdump)')
    net = twin_network.load(network)
    _stay_inside_one_file()
    origin = int(time.time()) - sim_seconds  # the simulated traffic ends now
    nfcapd = LocalNfcapd(nfcapd_dir, ident='twins', rotation=ROTATION, extra=['-B', '4194304'])
    senders = {}
    try:
        sims = {}
        for router in net['routers']:
            name = router['name']
            senders[name] = _Sender(router['exporter'], keep_datagrams)
            state = twin_network.router_state(net, name, ('127.0.0.1', nfcapd.port))
            sims[name] = Simulation(state, twin_network.traffic(net, name), origin, step=STEP, send=senders[name].send)
        for _step in range(sim_seconds // STEP):
            for name in sorted(sims):
                sims[name].step()
        for name in sorted(sims):
            sims[name].flush()
        files = nfcapd.close()
    finally:
        nfcapd.kill()
        for sender in senders.values():
            sender.sock.close()
    return {'files': files, 'seconds': sim_seconds, 'network': net, 'tables': twin_network.tables(net),
            'sims': sims, 'records': dict((n, len(s.exported)) for n, s in sims.items()),
            'datagrams': dict((n, s.datagrams) for n, s in senders.items()),
            'exporters': dict((r['name'], r['exporter']) for r in net['routers'])}


def nfdump_rows(path):
    """The contract's nfdump aggregation of one file, parsed: dicts with router, inif, outif, src_as, ..."""
    out = subprocess.run(['nfdump', '-r', path] + NFDUMP_AGGREGATION, capture_output=True, text=True, check=True,
                         env=dict(os.environ, **NFDUMP_ENV)).stdout
    rows = []
    for line in out.splitlines():
        if not line.strip():
            continue
        ra, inif, outif, sas, das, sa, da, byt, pkt, flows = line.split()
        rows.append({'router': ra, 'inif': int(inif), 'outif': int(outif), 'src_as': int(sas), 'dst_as': int(das),
                     'src_net': sa, 'dst_net': da, 'bytes': int(byt), 'packets': int(pkt), 'flows': int(flows)})
    return out, rows


@pytest.fixture(scope='session')
def default_run(tmp_path_factory):
    """The default network, 300 simulated seconds (one collector file), through real nfcapd, once per session."""
    workdir = str(tmp_path_factory.mktemp('flow_paths'))
    return run_network(None, os.path.join(workdir, 'flows'), 300, keep_datagrams=True)
