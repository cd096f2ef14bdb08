"""Benchmark of the collector (issue 18): the highest sustained rate nfcapd stores without loss. Not a test.

Run by `make bench` (root: it creates network namespaces). nfcapd runs with the role's -B (the rule in
plugins/module_utils/flow_collector/buffers.py for a burst of 100,000 flows of the 32-byte record the
sender sends); the sender paces flows for DURATION seconds per trial. A bounded bisection over the rate
(at most STEPS trials) finds the highest rate with 0 flows lost (file count vs sent, sequence failures and
socket drops all 0). Each trial is counted once; the table is printed as it goes.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from loadbed import RmemMax, run_once  # noqa: E402
from sender import RECORD_BYTES  # noqa: E402

from ansible_collections.isplab.infra.plugins.module_utils.flow_collector.buffers import receive_buffer  # noqa: E402

BURST = 100000
DURATION = 3.0
LOW, HIGH = 50000, 4000000
STEPS = 8


def trial(rate, rcvbuf):
    result = run_once(int(rate * DURATION), rcvbuf=rcvbuf, rate=rate)
    achieved = result['sent']['flows'] / max(result['sent']['seconds'], 1e-9)
    ok = result['lost_flows'] == 0 and result['sequence_failures'] == 0 and result['socket_drops'] == 0
    print('%12d %12d %10d %10d %10d %9d %9d  %s' % (rate, achieved, result['sent']['flows'], result['stored_flows'],
                                                    result['lost_flows'], result['sequence_failures'],
                                                    result['socket_drops'], 'ok' if ok else 'LOSS'), flush=True)
    return ok, achieved


def main():
    if os.geteuid() != 0:
        sys.exit('bench.py creates network namespaces: run it as root')
    plan = receive_buffer(BURST, RECORD_BYTES, 1400)
    rcvbuf = plan['rcvbuf_bytes']
    with RmemMax(rcvbuf):
        burst_default = run_once(BURST, stalled=True)
        burst_rule = run_once(BURST, rcvbuf=rcvbuf, stalled=True)
        print('Burst of %d flows (%d datagrams of 1400 bytes, %d records of %d bytes each) into a stopped nfcapd:'
              % (BURST, plan['datagrams'], plan['records_per_datagram'], RECORD_BYTES))
        for name, result in (('Debian default (rmem_default 212992)', burst_default), ('rule -B %d' % rcvbuf, burst_rule)):
            print('  %-38s stored %6d flows, lost %6d, kernel drops %5d, queued %8d bytes = %d bytes per datagram'
                  % (name, result['stored_flows'], result['lost_flows'], result['socket_drops'], result['queued_bytes'],
                     result['queued_bytes'] // max(result['stored_datagrams'], 1)))
        print('\nSustained rate, nfcapd -B %d, %.0f s per trial (flows/s):' % (rcvbuf, DURATION))
        print('%12s %12s %10s %10s %10s %9s %9s' % ('target', 'achieved', 'sent', 'stored', 'lost', 'seq fail', 'drops'))
        low, high, best = LOW, HIGH, None
        for _step in range(STEPS):
            rate = (low + high) // 2 if best is not None or low != LOW else low
            ok, achieved = trial(rate, rcvbuf)
            if ok:
                best = max(best or 0, achieved)
                low = rate
            else:
                high = rate
            if high - low < LOW // 2:
                break
    print('\nHighest sustained rate without loss: %s flows/s' % ('%d' % best if best else 'none above %d' % LOW))


if __name__ == '__main__':
    main()
