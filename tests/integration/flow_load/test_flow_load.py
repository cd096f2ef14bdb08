"""A burst of 100,000 flows into a real nfcapd: the role's receive buffer loses nothing, Debian's default does.

Counts only (flows sent vs `nfdump -I` of the file, nfcapd's sequence failures, the kernel's drops at the
socket and in the namespace's /proc/net/snmp), no timing assertions. The -B comes from the role's rule
(plugins/module_utils/flow_collector/buffers.py) for the record the sender sends.
"""

import pytest

from loadbed import RmemMax, run_once
from sender import RECORD_BYTES

from ansible_collections.isplab.infra.plugins.module_utils.flow_collector.buffers import receive_buffer

pytestmark = pytest.mark.flow_load

BURST = 100000
# Bound on the search for a burst Debian's default loses: 100k, 200k, 400k flows.
MAX_DOUBLINGS = 2


@pytest.fixture(scope='module')
def default_run():
    """Debian's package runs nfcapd without -B: the socket gets rmem_default (212992 bytes)."""
    burst = BURST
    for _attempt in range(MAX_DOUBLINGS + 1):
        result = run_once(burst)
        if result['lost_flows'] > 0:
            return burst, result
        burst *= 2
    pytest.fail('Debian defaults lost nothing up to a burst of %d flows: %r' % (burst // 2, result))


def test_debian_defaults_lose_flows_and_every_loss_is_counted(default_run):
    burst, result = default_run
    sent = result['sent']
    assert result['rb'] == 212992
    assert result['lost_flows'] > 0
    # the kernel's count and nfcapd's agree with what is missing from the file
    assert result['socket_drops'] == result['rcvbuf_errors'] > 0
    assert result['stored_datagrams'] + result['socket_drops'] == result['datagrams_sent']
    # gaps anywhere in the burst, the last one seen when the exporter's next datagram arrives
    assert result['sequence_failures'] >= 1
    assert sent['flows'] == burst


def test_the_rules_buffer_loses_nothing_of_the_same_burst(default_run):
    burst, _defaults = default_run
    plan = receive_buffer(burst, RECORD_BYTES, 1400)
    with RmemMax(plan['rcvbuf_bytes']):
        result = run_once(burst, rcvbuf=plan['rcvbuf_bytes'])
    assert result['sent']['datagram_bytes'] == 1400 and result['sent']['data_datagrams'] == plan['datagrams']
    assert result['rb'] == plan['accounted_bytes']  # not capped: the kernel kept 2 x -B
    assert (result['stored_flows'], result['sequence_failures'], result['socket_drops'], result['rcvbuf_errors']) == (
        burst, 0, 0, 0)


def test_the_rules_buffer_holds_the_whole_burst_while_nfcapd_is_stopped(default_run):
    """Worst case, independent of nfcapd's speed: nothing reads the socket during the burst."""
    burst, _defaults = default_run
    plan = receive_buffer(burst, RECORD_BYTES, 1400)
    with RmemMax(plan['rcvbuf_bytes']):
        result = run_once(burst, rcvbuf=plan['rcvbuf_bytes'], stalled=True)
    assert (result['stored_flows'], result['sequence_failures'], result['socket_drops']) == (burst, 0, 0)
    # every datagram was queued at once; the kernel charged each at most 2 x its payload (truesize)
    assert result['queued_bytes'] <= plan['accounted_bytes']
    assert result['queued_bytes'] <= result['sent']['datagrams'] * 2 * 1400


def test_debian_defaults_hold_only_what_fits_while_nfcapd_is_stopped():
    result = run_once(BURST, stalled=True)
    assert result['socket_drops'] > 0 and result['lost_flows'] > 0
    assert result['stored_datagrams'] + result['socket_drops'] == result['datagrams_sent']
    # the full socket dropped the burst's tail in one run: one gap, counted when the next export arrives
    assert result['sequence_failures'] == 1
    assert result['queued_bytes'] <= 212992 + 2 * 1400  # the last datagram may overshoot the limit once
