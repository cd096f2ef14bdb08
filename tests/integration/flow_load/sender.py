"""NetFlow v9 sender for the load bed; runs inside the bed's network namespace (ip netns exec).

One exporter, one template: the template goes alone in the first datagram, every later datagram holds
records_per_datagram data records, so each is exactly --datagram-bytes long when the record fills it.
Prints one JSON line: flows and datagrams sent, the next sequence number, the seconds the sending took.
With --flows 0 it sends the template datagram alone, numbered --sequence: the exporter's next export.
"""

import argparse
import json
import os
import socket
import sys
import time

if 'ISPLAB_COLLECTIONS' in os.environ:  # run by loadbed.Bed.send; imported by the tests, loadbed set the path
    sys.path.insert(0, os.environ['ISPLAB_COLLECTIONS'])

from ansible_collections.isplab.infra.plugins.module_utils.flow_collector import netflow_v9 as nf  # noqa: E402
from ansible_collections.isplab.infra.plugins.module_utils.flow_collector.buffers import records_per_datagram  # noqa: E402

# The flow_monitor role's default record (4-byte ASNs, long counters, first/last): 32 bytes.
TEMPLATE = nf.Template(256, [(nf.SRC_AS, 4), (nf.DST_AS, 4), (nf.IN_BYTES, 8), (nf.IN_PKTS, 8),
                             (nf.FIRST_SWITCHED, 4), (nf.LAST_SWITCHED, 4)])
RECORD_BYTES = sum(length for _t, length in TEMPLATE.fields)
UPTIME_MS = 3600000


def _records(count):
    return [{nf.SRC_AS: 64512 + i, nf.DST_AS: 3320, nf.IN_BYTES: 1500 * (1 + i), nf.IN_PKTS: 1 + i,
             nf.FIRST_SWITCHED: UPTIME_MS - 60000, nf.LAST_SWITCHED: UPTIME_MS - 1000} for i in range(count)]


def datagrams(flows, datagram_bytes, sequence):
    """The template datagram, then full data datagrams (one flowset encoded once, headers renumbered)."""
    per = records_per_datagram(datagram_bytes, RECORD_BYTES)
    now = int(time.time())
    out = [nf.encode_packet([nf.encode_template_flowset([TEMPLATE])], UPTIME_MS, now, sequence, record_count=1)]
    sequence += 1
    full = nf.encode_data_flowset(TEMPLATE, _records(per))
    for start in range(0, flows, per):
        count = min(per, flows - start)
        body = full if count == per else nf.encode_data_flowset(TEMPLATE, _records(count))
        out.append(nf.encode_packet([body], UPTIME_MS, now, sequence, record_count=count))
        sequence += 1
    return out, sequence


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--port', type=int, required=True)
    parser.add_argument('--flows', type=int, required=True)
    parser.add_argument('--datagram-bytes', type=int, default=1400)
    parser.add_argument('--rate', type=float, default=0, help='flows/s; 0 sends the burst as fast as possible')
    parser.add_argument('--sequence', type=int, default=0, help='export sequence number of the first datagram')
    args = parser.parse_args()
    packets, sequence = datagrams(args.flows, args.datagram_bytes, args.sequence)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 * 1024 * 1024)
    target = ('127.0.0.1', args.port)
    per = records_per_datagram(args.datagram_bytes, RECORD_BYTES)
    started = time.monotonic()
    for index, packet in enumerate(packets):
        if args.rate and index % 16 == 0:
            # paced: never ahead of the schedule; checked every 16 datagrams to keep the loop cheap
            due = started + index * per / args.rate
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        sock.sendto(packet, target)
    elapsed = time.monotonic() - started
    sock.close()
    print(json.dumps({'flows': args.flows, 'datagrams': len(packets), 'data_datagrams': len(packets) - 1,
                      'next_sequence': sequence, 'seconds': elapsed, 'record_bytes': RECORD_BYTES,
                      'records_per_datagram': per, 'datagram_bytes': len(packets[1]) if len(packets) > 1 else 0}))


if __name__ == '__main__':
    main()
