# -*- coding: utf-8 -*-
# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read nfcapd files through nfdump 1.7 and aggregate them per AS and time slot.

nfdump is always run through the collection's CommandRunner.  Its JSON
output (``-o json``) is the parsed format: it names every field; a filter that
matches nothing prints nothing at all, and a file without flows prints
``No matching flows`` between the brackets.  nfdump prints timestamps in the
local time of its own process, which is ambiguous for an hour when daylight
saving time ends; it therefore runs with TZ=UTC and the stamps are converted
with UTC arithmetic, independent of the host's and the controller's zone.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import calendar
import json
import os
import re
import time

# nfcapd.YYYYMMDDhhmm, or with seconds when the rotation interval is below 60 s.
# nfcapd.current.<pid> is the file being written and is never read.
FILE_NAME = re.compile(r'^nfcapd\.(\d{12}|\d{14})$')

# UTC has no daylight saving time: every stamp nfdump prints names exactly one instant.
NFDUMP_ENVIRONMENT = {'TZ': 'UTC'}


class NfdumpError(ValueError):
    """nfdump output that cannot be understood."""


def _epoch(stamp):
    """Milliseconds since the epoch of a stamp nfdump printed under NFDUMP_ENVIRONMENT (UTC)."""
    # "2026-11-21T06:04:12.000" (json) or "2026-11-21 06:04:12.000" (fmt %ts)
    stamp = stamp.strip().replace('T', ' ')
    whole, _dot, frac = stamp.partition('.')
    try:
        seconds = calendar.timegm(time.strptime(whole, '%Y-%m-%d %H:%M:%S'))
    except ValueError:
        raise NfdumpError('unexpected nfdump timestamp %r' % stamp)
    return int(seconds) * 1000 + int((frac or '0')[:3].ljust(3, '0'))


def parse_json(text):
    """Flows from ``nfdump -o json``: a list of dicts with the fields the verifiers compare."""
    # An empty file prints "[", "No matching flows", "]": not JSON, and no flows.
    text = '\n'.join(line for line in text.splitlines() if line.strip() != 'No matching flows').strip()
    if not text or text.replace('[', '').replace(']', '').strip() == '':
        return []
    try:
        raw = json.loads(text)
    except ValueError as exc:
        raise NfdumpError('nfdump -o json printed something that is not JSON: %s' % exc)
    flows = []
    for entry in raw:
        if entry.get('type') != 'FLOW':
            continue
        flows.append({
            'first_ms': _epoch(entry['first']),
            'last_ms': _epoch(entry['last']),
            'bytes': int(entry.get('in_bytes', 0)),
            'packets': int(entry.get('in_packets', 0)),
            'src_as': int(entry.get('src_as', 0)),
            'dst_as': int(entry.get('dst_as', 0)),
            'input_snmp': int(entry.get('input_snmp', 0)),
            'output_snmp': int(entry.get('output_snmp', 0)),
            'direction': int(entry.get('direction', 0)),
            'router': entry.get('ip4_router') or entry.get('ip6_router') or '',
        })
    return flows


def flow_files(directory):
    """Completed nfcapd files below ``directory`` (any -S layout), oldest first."""
    found = []
    for root, _dirs, files in os.walk(directory):
        for name in files:
            if FILE_NAME.match(name):
                found.append(os.path.join(root, name))
    return sorted(found, key=os.path.basename)


def read_flows(runner, files, nfdump_filter=None):
    """Run nfdump on each file (read-only, so also in check mode) and return all flows."""
    flows = []
    for path in files:
        argv = ['nfdump', '-r', path, '-o', 'json']
        if nfdump_filter:
            argv.append(nfdump_filter)
        result = runner.run(argv, environ=NFDUMP_ENVIRONMENT)
        flows.extend(parse_json(result.stdout))
    return flows


def slot_series(flows, interval, key='src_as'):
    """Bytes per ``interval``-second slot and AS, by flow end time.

    A flow is exported when it ends (active timeout or idle), so its end
    time decides which nfcapd file it lands in when exports arrive promptly.
    Returns a sorted list of {slot, as_bytes: {asn: bytes}}.
    """
    slots = {}
    for flow in flows:
        slot = (flow['last_ms'] // 1000) // interval * interval
        per_as = slots.setdefault(slot, {})
        per_as[flow[key]] = per_as.get(flow[key], 0) + flow['bytes']
    return [{'slot': slot, 'as_bytes': slots[slot]} for slot in sorted(slots)]


def bit_rates(series, interval):
    """Per-slot bit rates: bytes * 8 / interval, per AS (like ``nfdump -A srcas -O bps`` over one file)."""
    rates = []
    for entry in series:
        rates.append({
            'slot': entry['slot'],
            'start': time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(entry['slot'])),
            'bps': dict((str(asn), int(b) * 8 // interval) for asn, b in sorted(entry['as_bytes'].items())),
        })
    return rates
