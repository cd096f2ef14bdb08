# -*- coding: utf-8 -*-
# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The forwarding probe matrix: which frame a probe produces, where it was seen, and its colour.

Every port pings every target except itself; every port is captured.  A cell is
(source, target, capture point).  Colour rules (field notes, section 2), applied to seen frames:

* expected (blue): seen where it was sent, where it was meant to arrive, or anywhere when it is a
  broadcast (the ARP request for a target without ARP entry is meant for every port);
* discussable (yellow): seen on an uplink that is neither source nor target: a frame for an uplink
  on the other uplink, an unknown MAC on uplinks; uplinks always receive unknown unicast;
* unwanted (red): seen on a link port that is neither source nor target: unknown unicast leaked to
  another customer line.  Restrictive mode exists to make this impossible;
* absent: not seen.
A frame that should have reached its target port but was not seen there is reported as missing.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

VERDICTS = ('expected', 'discussable', 'unwanted', 'absent')
TARGET_KINDS = ('port', 'unknown_mac', 'no_arp')

_ETH_RE = re.compile(r'^\S+\s+(?P<src>[0-9a-f:]{17}) > (?P<dst>[0-9a-f:]{17}), ethertype (?P<etype>\S+) .*?: (?P<rest>.*)$')
_ICMP_RE = re.compile(r'^(?P<sip>[\d.]+) > (?P<dip>[\d.]+): ICMP echo request')
_ARP_RE = re.compile(r'^Request who-has (?P<dip>[\d.]+) tell (?P<sip>[\d.]+)')


def parse_capture(text):
    """``tcpdump -n -e -r file`` text -> list of probe frames (src_mac, dst_mac, src_ip, dst_ip).

    Only ICMP echo requests and ARP requests are probe frames; replies belong to the reverse cell.
    """
    frames = []
    for line in text.splitlines():
        match = _ETH_RE.match(line)
        if not match:
            continue
        rest = match.group('rest')
        probe = _ICMP_RE.match(rest) or _ARP_RE.match(rest)
        if probe:
            frames.append((match.group('src'), match.group('dst'), probe.group('sip'), probe.group('dip')))
    return frames


def observations(ports, targets, captures):
    """Map captured frames to seen cells.

    captures: {capture port name: [frames]}.  A frame belongs to (source, target) when its source MAC
    and IP are the source port's and its IP destination (or ARP target) is the target's address.
    """
    by_source = dict(((p['mac'].lower(), p['address']), p['name']) for p in ports)
    by_address = dict((t['address'], t['name']) for t in targets)
    seen = set()
    for capture, frames in captures.items():
        for src_mac, _dst_mac, src_ip, dst_ip in frames:
            source = by_source.get((src_mac.lower(), src_ip))
            target = by_address.get(dst_ip)
            if source is not None and target is not None:
                seen.add((source, target, capture))
    return seen


def classify(source, target, capture, seen, roles, target_kind):
    if not seen:
        return 'absent'
    if capture in (source, target) or target_kind == 'no_arp':
        return 'expected'
    if roles[capture] == 'uplink':
        return 'discussable'
    return 'unwanted'


def cells(ports, targets, seen):
    """Every (source, target != source, capture) cell with its verdict, in port/target order."""
    roles = dict((p['name'], p['role']) for p in ports)
    result = []
    for source in ports:
        for target in targets:
            if target['name'] == source['name']:
                continue
            for capture in ports:
                is_seen = (source['name'], target['name'], capture['name']) in seen
                result.append({'source': source['name'], 'target': target['name'], 'capture': capture['name'],
                               'seen': is_seen,
                               'verdict': classify(source['name'], target['name'], capture['name'], is_seen,
                                                   roles, target['kind'])})
    return result


def missing(cell_list, targets):
    """Cells where a frame for a port target never reached that port."""
    port_targets = set(t['name'] for t in targets if t['kind'] == 'port')
    return [c for c in cell_list if c['target'] in port_targets and c['capture'] == c['target'] and not c['seen']]


def summary(cell_list):
    counts = dict.fromkeys(VERDICTS, 0)
    for cell in cell_list:
        counts[cell['verdict']] += 1
    return counts


def input_problems(ports, targets):
    """What is wrong with the port and target lists, before anything is sent."""
    names = [p['name'] for p in ports]
    problems = []
    if len(set(names)) != len(names):
        problems.append('port names must be unique')
    for target in targets:
        if target['kind'] == 'port' and target['name'] not in names:
            problems.append('target %s has kind port but no port has that name' % target['name'])
    return problems


def capture_argv(workdir, ports, targets, learn_broadcast):
    """The ``sh -c CAPTURE_SCRIPT`` argv: every port captured, every link learned, every probe sent."""
    argv = ['sh', '-c', CAPTURE_SCRIPT, 'capture', workdir]
    argv += ['%s:%s:%s' % (p['name'], p['netns'], p['interface']) for p in ports] + ['--']
    if learn_broadcast:
        argv += ['%s:%s' % (p['netns'], learn_broadcast) for p in ports if p['role'] == 'link']
    argv += ['--']
    argv += ['%s:%s' % (s['netns'], t['address']) for s in ports for t in targets if t['name'] != s['name']]
    return argv


def failures(unwanted, missing_cells, restrictive):
    """Why the matrix fails: unwanted cells on a bridge that claims restrictive mode, or lost frames."""
    problems = []
    if unwanted and restrictive:
        problems.append('%d unwanted cells although the bridge claims restrictive mode, e.g. %s'
                        % (len(unwanted), unwanted[0]))
    if missing_cells:
        problems.append('%d frames never reached their target port, e.g. %s' % (len(missing_cells), missing_cells[0]))
    return problems


# Runs the captures and probes concurrently: CommandRunner runs one command at a time, so the shell
# keeps the tcpdumps in the background.  Arguments: DIR CAPTURE... -- LEARN... -- PROBE...
# CAPTURE = name:netns:ifname, LEARN = netns:broadcast address, PROBE = netns:address.
# Every wait is bounded; tcpdump gets SIGINT so the pcap is flushed.
CAPTURE_SCRIPT = r'''
set -u
dir=$1; shift
captures=""
while [ "$1" != "--" ]; do captures="$captures $1"; shift; done
shift
jobs_=""
while [ "$1" != "--" ]; do
  ip netns exec "${1%%:*}" ping -n -q -b -c 1 -W 1 "${1#*:}" >/dev/null 2>&1 &
  jobs_="$jobs_ $!"; shift
done
shift
[ -z "$jobs_" ] || wait $jobs_
pids=""; count=0
for c in $captures; do
  name=${c%%:*}; rest=${c#*:}; ns=${rest%%:*}; ifc=${rest#*:}
  ip netns exec "$ns" tcpdump -i "$ifc" -n -U -w "$dir/$name.pcap" 'arp or icmp' 2>"$dir/$name.err" &
  pids="$pids $!"; count=$((count + 1))
done
i=0
until [ "$(grep -l 'listening on' "$dir"/*.err 2>/dev/null | wc -l)" -ge "$count" ]; do
  i=$((i + 1))
  if [ $i -gt 100 ]; then kill -INT $pids; wait $pids; echo "tcpdump did not start within 10 s" >&2; exit 3; fi
  sleep 0.1
done
jobs_=""
for p in "$@"; do
  ip netns exec "${p%%:*}" ping -n -q -c 1 -W 1 "${p#*:}" >/dev/null 2>&1 &
  jobs_="$jobs_ $!"
done
[ -z "$jobs_" ] || wait $jobs_
sleep 0.3
kill -INT $pids
wait $pids
exit 0
'''
