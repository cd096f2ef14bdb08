# -*- coding: utf-8 -*-
# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""How large nfcapd's UDP receive buffer must be, and which values the kernel would cap silently.

The rule (docs/flow.md, "Receive buffer"): a router exports a burst of flows as NetFlow v9 datagrams of
about ``datagram_bytes``; each holds ``(datagram_bytes - 20 - 4) // record_bytes`` records (20-byte v9
header, 4-byte data flowset header). The whole burst must fit into the socket while nfcapd is busy, so

    datagrams = ceil(burst_flows / records_per_datagram)
    nfcapd -B = datagrams * datagram_bytes

The kernel charges every queued datagram with its skb truesize, not its payload: 2304 bytes for a
1400-byte datagram on loopback (1.65x, measured with /proc/net/udp rx_queue on kernel 6.18).
setsockopt(SO_RCVBUF, B) stores 2 * B for exactly that overhead, so B = payload bytes covers a truesize
up to 2x the payload.

Silent caps (net/core/sock.c __sock_set_rcvbuf): SO_RCVBUF is clamped to net.core.rmem_max and to
INT_MAX / 2; nfcapd only logs the value the kernel chose. Both are refused here, before anything changes.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

V9_HEADER_BYTES = 20
FLOWSET_HEADER_BYTES = 4
# setsockopt(SO_RCVBUF) stores twice the request as sk_rcvbuf (the skb overhead allowance).
KERNEL_RCVBUF_FACTOR = 2
# sock.c: "Ensure val * 2 fits into an int"; larger requests are clamped without an error.
SO_RCVBUF_LIMIT = (2 ** 31 - 1) // 2
# Largest UDP payload in one IPv4 datagram; a v9 export datagram cannot be larger.
MAX_DATAGRAM_BYTES = 65507
# Debian bookworm's kernel default for net.core.rmem_max and rmem_default (212992 = 208 KiB).
DEBIAN_RMEM_DEFAULT = 212992


class BufferError(ValueError):
    """Inputs of the rule that describe no possible export datagram."""


def records_per_datagram(datagram_bytes, record_bytes):
    """Data records of ``record_bytes`` that fit into one v9 datagram of ``datagram_bytes``."""
    if record_bytes < 1:
        raise BufferError('record_bytes must be at least 1, got %d' % record_bytes)
    if datagram_bytes > MAX_DATAGRAM_BYTES:
        raise BufferError('datagram_bytes %d is above the largest UDP payload (%d)' % (datagram_bytes, MAX_DATAGRAM_BYTES))
    count = (datagram_bytes - V9_HEADER_BYTES - FLOWSET_HEADER_BYTES) // record_bytes
    if count < 1:
        raise BufferError('a datagram of %d bytes holds no record of %d bytes (v9 header %d + flowset header %d): '
                          'raise datagram_bytes' % (datagram_bytes, record_bytes, V9_HEADER_BYTES, FLOWSET_HEADER_BYTES))
    return count


def receive_buffer(burst_flows, record_bytes, datagram_bytes):
    """nfcapd -B for a burst: {records_per_datagram, datagrams, rcvbuf_bytes, accounted_bytes}."""
    if burst_flows < 1:
        raise BufferError('burst_flows must be at least 1, got %d' % burst_flows)
    per = records_per_datagram(datagram_bytes, record_bytes)
    datagrams = -(-burst_flows // per)
    rcvbuf = datagrams * datagram_bytes
    return {'burst_flows': burst_flows, 'record_bytes': record_bytes, 'datagram_bytes': datagram_bytes,
            'records_per_datagram': per, 'datagrams': datagrams, 'rcvbuf_bytes': rcvbuf,
            'accounted_bytes': rcvbuf * KERNEL_RCVBUF_FACTOR}


def refusal(ident, rcvbuf, rmem_max):
    """The message for an nfcapd -B the kernel would cap without an error, or None when it is kept."""
    if rcvbuf > SO_RCVBUF_LIMIT:
        return ("instance '%s': nfcapd -B %d is above %d (INT_MAX / 2), which the kernel caps silently: "
                "lower flow_collector_burst_flows or flow_collector_rcvbuf_bytes" % (ident, rcvbuf, SO_RCVBUF_LIMIT))
    if rcvbuf > rmem_max:
        return ("instance '%s': nfcapd -B %d is above net.core.rmem_max %d; the kernel would silently cap the "
                "receive buffer at %d and drop bursts beyond it: set flow_collector_rmem_max to at least %d "
                "(or 0 for the largest -B) or lower the instance's burst_flows"
                % (ident, rcvbuf, rmem_max, rmem_max, rcvbuf))
    return None


def plan(exporters, burst_flows, record_bytes, datagram_bytes, rcvbuf_bytes=0):
    """-B per instance: {ident: plan}; an exporter's own burst_flows or rcvbuf_bytes win over the defaults."""
    plans = {}
    for exporter in exporters:
        entry = receive_buffer(int(exporter.get('burst_flows') or burst_flows), record_bytes, datagram_bytes)
        explicit = int(exporter.get('rcvbuf_bytes') or rcvbuf_bytes or 0)
        if explicit:
            entry['rcvbuf_bytes'] = explicit
            entry['accounted_bytes'] = explicit * KERNEL_RCVBUF_FACTOR
        plans[exporter['ident']] = entry
    return plans


def target_rmem_max(plans, requested, live):
    """net.core.rmem_max to set: ``requested`` when given, else the largest -B, never below ``live``."""
    if requested:
        return requested
    largest = max([p['rcvbuf_bytes'] for p in plans.values()] or [0])
    return max(largest, live or 0)


def refusals(plans, rmem_max):
    """Every instance whose -B the kernel would cap at ``rmem_max``, as messages (empty: all kept)."""
    found = [refusal(ident, plans[ident]['rcvbuf_bytes'], rmem_max) for ident in sorted(plans)]
    return [message for message in found if message]


RMEM_MAX_PROC = '/proc/sys/net/core/rmem_max'


def sysctl_text(rmem_max):
    """The sysctl.d file that keeps ``rmem_max`` across reboots."""
    return ('# Managed by isplab.infra.flow_collector: at least the largest nfcapd -B of this host (docs/flow.md).\n'
            '# SO_RCVBUF is capped at this value without an error.\n'
            'net.core.rmem_max = %d\n' % rmem_max)


def parse_proc_int(text, path):
    try:
        return int(text.strip())
    except ValueError:
        raise BufferError('%s does not hold an integer: %r' % (path, text[:40]))
