# -*- coding: utf-8 -*-
# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The loss checks of flow_collector_verify: is nfcapd's receive buffer what it asked for, did the kernel
drop datagrams at its socket, and did any exporter lose export datagrams in the newest files."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re

from ansible_collections.isplab.infra.plugins.module_utils.common.files import read_text
from ansible_collections.isplab.infra.plugins.module_utils.flow_collector.buffers import KERNEL_RCVBUF_FACTOR
from ansible_collections.isplab.infra.plugins.module_utils.flow_collector.loss import losses, parse_skmem

SS_PID = re.compile(r'pid=(\d+)')


def requested_rcvbuf(argv):
    """The -B of an nfcapd command line (list of arguments), or None when it has none."""
    for index, arg in enumerate(argv):
        if arg == '-B' and index + 1 < len(argv):
            return int(argv[index + 1])
        if arg.startswith('-B') and arg[2:].isdigit():
            return int(arg[2:])
    return None


def socket_state(runner, port):
    """{skmem, pid, requested} of the UDP socket on ``port`` (read before a restart resets its counters)."""
    text = runner.run(['ss', '-u', '-l', '-n', '-m', '-p', '-H', 'sport = :%d' % port]).stdout
    state = {'skmem': parse_skmem(text), 'pid': None, 'requested': None}
    match = SS_PID.search(text)
    if match:
        state['pid'] = int(match.group(1))
        cmdline = read_text('/proc/%d/cmdline' % state['pid'])
        state['requested'] = requested_rcvbuf([a for a in cmdline.split('\0') if a])
    return state


def check_socket(checks, state, port):
    """The kernel kept nfcapd's -B (2 x -B) and dropped nothing at its socket since it was opened."""
    skmem = state['skmem']
    if not checks.expect('UDP socket on port %d' % port, skmem is not None,
                         'no UDP socket listens on port %d: is the nfcapd instance running?' % port):
        return
    requested = state['requested']
    if requested:
        want = requested * KERNEL_RCVBUF_FACTOR
        checks.expect('receive buffer on port %d is the -B nfcapd asked for' % port, skmem['rb'] >= want,
                      'nfcapd asked for -B %d but the socket holds %d bytes (the kernel keeps 2 x -B, so %d): '
                      'net.core.rmem_max capped it; raise it to at least %d and restart the instance'
                      % (requested, skmem['rb'], want, requested), rb=skmem['rb'], requested=requested)
    checks.expect('kernel dropped no datagram at the socket on port %d' % port, skmem['d'] == 0,
                  'the kernel dropped %d datagrams at nfcapd\'s socket since it was opened (receive buffer of %d '
                  'bytes full): size -B for the real burst (flow_collector_burst_flows)' % (skmem['d'], skmem['rb']),
                  drops=skmem['d'], rb=skmem['rb'])


def check_loss(checks, runner, files, count):
    """Sequence failures per exporter in the newest ``count`` files; returns {file: {exporter: failures}}."""
    newest = files[-count:] if count > 0 else []
    found = losses(runner, newest)
    per_exporter = {}
    for path in sorted(found):
        for exporter, failures in found[path].items():
            entry = per_exporter.setdefault(exporter, {'failures': 0, 'files': []})
            entry['failures'] += failures
            entry['files'].append(os.path.basename(path))
    problem = '; '.join('exporter %s: %d sequence failures (lost export datagrams) in %d of the last %d files (%s)'
                        % (ip, e['failures'], len(e['files']), len(newest), ', '.join(e['files']))
                        for ip, e in sorted(per_exporter.items()))
    checks.expect('flows lost in the last %d files' % count, not per_exporter, problem,
                  files=len(newest), exporters=per_exporter)
    return found
