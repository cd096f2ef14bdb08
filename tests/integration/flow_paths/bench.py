"""Benchmark of the traffic-engineering view (issue 17): figures for docs/flow_paths.md, not a test.

Run by `make bench`. Everything is measured side by side in one run on this machine:
1. one 5-minute nfcapd file of 1,000,000 flows written by real nfcapd: wall time of a bare `nfdump -A` of the
   aggregation next to the whole aggregator (the same nfdump run + parsing + path building), as a ratio;
2. the page for a day of 288 slots with 3 routers, 10 peers and 40 networks: HTML bytes;
3. the redraw time on a slot change, measured in headless chromium by the page itself.
"""

import ipaddress
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
# conftest links this tree as ansible_collections/isplab/infra and puts that root on sys.path
import conftest  # noqa: E402  pylint: disable=unused-import

from ansible_collections.isplab.infra.plugins.module_utils.flow_collector import netflow_v9 as nf  # noqa: E402
from ansible_collections.isplab.infra.plugins.module_utils.flow_paths import aggregate, rows, tables  # noqa: E402
from tests.integration.local_nfcapd import LocalNfcapd  # noqa: E402

FLOWS = 1000000
ROUTERS = 3
PEERS = 10
NETWORKS = 40
SLOTS = 288
TE_IN = nf.Template(256, [(16, 4), (17, 4), (10, 4), (12, 4), (22, 4), (21, 4), (1, 8), (2, 8), (14, 4)])
TE_OUT = nf.Template(257, [(16, 4), (17, 4), (14, 4), (8, 4), (22, 4), (21, 4), (1, 8), (2, 8), (10, 4)])
REMOTE_AS = [174, 1299, 2906, 3320, 6939, 8220, 13335, 15169, 196714, 201011] + list(range(64600, 65100))


def bench_config():
    """3 routers, 10 peer lines, 40 local /26 networks (the sizes the issue names)."""
    routers = []
    for r in range(ROUTERS):
        peers = [p for p in range(PEERS) if p % ROUTERS == r]
        interfaces = [{'ifindex': 1 + i, 'name': 'Gi0/0/%d' % i, 'peer': str(REMOTE_AS[p]), 'capacity_mbps': 10000}
                      for i, p in enumerate(peers)]
        interfaces.append({'ifindex': 100, 'name': 'Te0/1/0', 'internal': True})
        routers.append({'name': 'r%d' % (r + 1), 'exporter': '127.0.0.%d' % (21 + r), 'capacity_mbps': 40000,
                        'interfaces': interfaces})
    networks = [{'prefix': '198.18.%d.%d/26' % (n // 4, (n % 4) * 64), 'object': 'net%02d' % n,
                 'service': ('DHCP', 'NAT', 'hosting', 'business', 'mail')[n % 5]} for n in range(NETWORKS)]
    return {'routers': routers, 'networks': networks, 'slot_seconds': 300}


def _records(rng, config, count):
    """te-in/te-out records spread over routers, peers, local addresses and remote ASes."""
    up = 3600000
    for index in range(count):
        router = config['routers'][index % ROUTERS]
        peer_ifs = [i['ifindex'] for i in router['interfaces'] if 'peer' in i]
        net = ipaddress.ip_network(config['networks'][rng.randrange(NETWORKS)]['prefix'])
        address = int(net.network_address) + rng.randrange(1, 63)
        remote = rng.choice(REMOTE_AS)
        size = rng.randrange(100, 2000000)
        if index % 2:
            record = {16: remote, 17: 0, 10: rng.choice(peer_ifs), 12: address, 14: 100}
            template = TE_IN
        else:
            record = {16: 0, 17: remote, 14: rng.choice(peer_ifs), 8: address, 10: 100}
            template = TE_OUT
        record.update({22: up - 290000, 21: up - 1000, 1: size, 2: max(1, size // 800)})
        yield router['exporter'], template, record


def write_flow_file(workdir, config):
    """Send FLOWS records to a real nfcapd on 127.0.0.1 and return the one file it wrote."""
    nfcapd = LocalNfcapd(os.path.join(workdir, 'flows'), ident='bench', rotation=3600, extra=['-B', '8388608'])
    try:
        rng = random.Random(17)
        batches = {}
        for exporter, template, record in _records(rng, config, FLOWS):
            batches.setdefault((exporter, template.template_id), (template, []))[1].append(record)
        sent = 0
        now = int(time.time())
        for (exporter, _tid), (template, records) in sorted(batches.items()):
            out = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            out.bind((exporter, 0))
            packets, _seq = nf.build_packets(template, records, 3600000, now, 0, max_records=30)
            for index, packet in enumerate(packets):
                out.sendto(packet, ('127.0.0.1', nfcapd.port))
                if index % 200 == 199:
                    time.sleep(0.01)  # paced: this measures the aggregator, not the socket buffer (issue 18 does that)
            sent += len(records)
            out.close()
        return nfcapd.close()[-1], sent
    finally:
        nfcapd.kill()


def _timed(func, repeat=3):
    best = None
    for _run in range(repeat):
        start = time.perf_counter()
        value = func()
        elapsed = time.perf_counter() - start
        best = elapsed if best is None else min(best, elapsed)
    return best, value


def bench_aggregation(path, config_dict):
    config = tables.load_config(config_dict)
    argv = rows.nfdump_argv(path)
    env = dict(os.environ, LC_ALL='C', **rows.NFDUMP_ENVIRONMENT)

    def bare():
        return subprocess.run(argv, env=env, check=True, capture_output=True, text=True).stdout

    def whole():
        text = bare()
        return aggregate.aggregate_slot(rows.parse_rows(text, 'bench'), config, os.path.basename(path).split('.')[1])

    bare_s, text = _timed(bare)
    whole_s, slot = _timed(whole)
    records = subprocess.run(['nfdump', '-r', path, '-q', '-N', '-o', 'fmt:%fl'], env=env, check=True,
                             capture_output=True, text=True).stdout.split()
    return {'flows_in_file': sum(int(v) for v in records), 'nfdump_rows': len(text.splitlines()),
            'paths': len(slot['paths']), 'bare_nfdump_s': bare_s, 'aggregator_s': whole_s,
            'ratio': whole_s / bare_s}


def day_of_slots(config_dict):
    """288 synthetic slots over the bench tables (shape of aggregate_slot output, built through it)."""
    config = tables.load_config(config_dict)
    rng = random.Random(5)
    slots = []
    start = 1764720000
    for index in range(SLOTS):
        stamp = time.strftime('%Y%m%d%H%M', time.gmtime(start + index * 300))
        rows_text = []
        for router in config_dict['routers']:
            peer_ifs = [i['ifindex'] for i in router['interfaces'] if 'peer' in i]
            for net in config_dict['networks']:
                for direction in (0, 1):
                    remote = rng.choice(REMOTE_AS[:30])
                    volume = rng.randrange(10 ** 6, 10 ** 9)
                    if direction:
                        rows_text.append('%s %d 100 %d 0 0.0.0.0 %s %d %d %d' % (
                            router['exporter'], rng.choice(peer_ifs), remote, net['prefix'].split('/')[0], volume,
                            volume // 900, rng.randrange(1, 60)))
                    else:
                        rows_text.append('%s 100 %d 0 %d %s 0.0.0.0 %d %d %d' % (
                            router['exporter'], rng.choice(peer_ifs), remote, net['prefix'].split('/')[0], volume,
                            volume // 900, rng.randrange(1, 60)))
        slots.append(aggregate.aggregate_slot(rows.parse_rows('\n'.join(rows_text), 'bench'), config, stamp))
    return config, slots


def main():
    config_dict = bench_config()
    figures = {}
    with tempfile.TemporaryDirectory(prefix='isplab-te-bench-') as workdir:
        print('writing %d flows through real nfcapd ...' % FLOWS, flush=True)
        path, sent = write_flow_file(workdir, config_dict)
        figures['aggregation'] = dict(bench_aggregation(path, config_dict), sent=sent)
        print('aggregation: %(flows_in_file)d flows in the file (%(sent)d sent), %(nfdump_rows)d nfdump rows, '
              '%(paths)d paths; bare nfdump -A %(bare_nfdump_s).2f s, aggregator %(aggregator_s).2f s, '
              'ratio %(ratio).2f' % figures['aggregation'], flush=True)
        from ansible_collections.isplab.infra.plugins.module_utils.flow_paths import page
        import page_bench
        config, slots = day_of_slots(config_dict)
        html_path = os.path.join(workdir, 'index.html')
        with open(html_path, 'w') as handle:
            handle.write(page.render_page(slots, config.page_layout(), 'bench'))
        figures['page'] = page_bench.measure(html_path)
        figures['page']['slots'] = len(slots)
        print('page: %(slots)d slots, %(html_bytes)d bytes of HTML, redraw on a slot change %(redraw_ms_median).1f ms '
              '(median, headless chromium)' % figures['page'], flush=True)
    out = os.path.join(REPO, 'build', 'bench')
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, 'flow_paths.json'), 'w') as handle:
        json.dump(figures, handle, indent=2, sort_keys=True)
    print('figures written to build/bench/flow_paths.json')


if __name__ == '__main__':
    main()
