# -*- coding: utf-8 -*-
# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Flow loss as nfcapd and the kernel record it (nfdump 1.7.1, Linux).

- NetFlow v9 numbers every export datagram per exporter and observation domain (RFC 3954). nfcapd counts
  a *sequence failure* each time a datagram's number is not the previous one + 1, per exporter, and stores
  the counts in each file: ``nfdump -E FILE`` prints one line per exporter, ``nfdump -I -r FILE`` only the
  file's total. A failure is one gap, not the number of datagrams missing (a drop of 308 datagrams in a
  row is 1 failure: tests/unit/fixtures/nfdump/exporters_kernel_drop.txt).
- The kernel drops a datagram that does not fit into the socket's receive buffer: per socket in
  ``ss -m`` (skmem ``d``, since the socket was opened) and host-wide in /proc/net/snmp (Udp RcvbufErrors,
  counted in InErrors too, since boot).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re
import time

from ansible_collections.isplab.infra.plugins.module_utils.common import nfdump_exporters
from ansible_collections.isplab.infra.plugins.module_utils.flow_collector.nfdump import NFDUMP_ENVIRONMENT, NfdumpError

SKMEM = re.compile(r'skmem:\(([^)]*)\)')


def parse_exporters(text):
    """Exporters of one file from ``nfdump -E`` (common/nfdump_exporters.py), errors as NfdumpError."""
    try:
        return nfdump_exporters.parse_exporters(text)
    except nfdump_exporters.ExportersError as exc:
        raise NfdumpError(str(exc))


failures_by_exporter = nfdump_exporters.failures_by_exporter


def sequence_failures(runner, path):
    """{exporter IP: sequence failures} stored in one nfcapd file (read-only, runs in check mode)."""
    result = runner.run(['nfdump', '-E', path], environ=NFDUMP_ENVIRONMENT)
    return failures_by_exporter(parse_exporters(result.stdout))


def losses(runner, files):
    """Per file with at least one failure: {file: {exporter IP: failures}} (files without loss left out)."""
    found = {}
    for path in files:
        failures = dict((ip, n) for ip, n in sequence_failures(runner, path).items() if n)
        if failures:
            found[path] = failures
    return found


def parse_skmem(text):
    """Socket memory of the first socket in ``ss -m`` output: {r, rb, t, tb, f, w, o, bl, d} as ints, or None."""
    match = SKMEM.search(text)
    if not match:
        return None
    values = {}
    for item in match.group(1).split(','):
        key = item.rstrip('0123456789')
        values[key] = int(item[len(key):])
    return values


def socket_memory(runner, port):
    """skmem of the UDP socket listening on ``port`` (rb = sk_rcvbuf, d = datagrams dropped), or None."""
    result = runner.run(['ss', '-u', '-l', '-n', '-m', '-H', 'sport = :%d' % port])
    return parse_skmem(result.stdout)


def parse_snmp_udp(text):
    """The Udp counters of /proc/net/snmp as {name: int} (InErrors, RcvbufErrors, ...); {} without them."""
    rows = [line.split()[1:] for line in text.splitlines() if line.startswith('Udp:')]
    if len(rows) < 2:
        return {}
    return dict(zip(rows[0], [int(v) for v in rows[1]]))


def file_slot(path, interval):
    """The slot of an nfcapd file from its name; nfcapd names files in its host's local time, as this runs."""
    stamp = os.path.basename(path).split('.', 1)[1]
    layout = '%Y%m%d%H%M%S' if len(stamp) == 14 else '%Y%m%d%H%M'
    return int(time.mktime(time.strptime(stamp, layout))) // interval * interval


def mark_loss(rates, file_losses, interval):
    """Add ``loss`` ({exporter IP: sequence failures}, empty without loss) to every slot of ``rates``.

    A slot that has loss but no flows is added with empty ``bps``: losing everything must not look like
    silence.
    """
    per_slot = {}
    for path, failures in file_losses.items():
        slot = per_slot.setdefault(file_slot(path, interval), {})
        for exporter, count in failures.items():
            slot[exporter] = slot.get(exporter, 0) + count
    by_slot = dict((entry['slot'], entry) for entry in rates)
    for slot in per_slot:
        if slot not in by_slot:
            by_slot[slot] = {'slot': slot, 'start': time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(slot)), 'bps': {}}
    marked = []
    for slot in sorted(by_slot):
        entry = dict(by_slot[slot])
        entry['loss'] = per_slot.get(slot, {})
        marked.append(entry)
    return marked
