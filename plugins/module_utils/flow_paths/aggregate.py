# -*- coding: utf-8 -*-
# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One time slot of nfdump rows -> paths (inbound, outbound, transit) and problems.

The peer of a flow comes from the interface table, never from the router's "as peer" fields (field
notes 3 and 5). Transit legs seen on different routers are joined per (src AS, dst AS) with the
minimum-split rule. Everything is counted in bytes (integers) so the same rows give the same slot,
byte for byte; Mbit/s are derived at the end. Standard library only.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import calendar
import time

SLOT_VERSION = 1
PATH_FIELDS = ('src_as', 'dst_as', 'in_peer', 'in_router', 'out_router', 'out_peer')
TRANSIT_LINE = ('src_as', 'in_peer', 'in_router', 'out_router', 'out_peer', 'dst_as')
# the one remote node of a slot's small remote ASes (Config.remote_as_top), as the field's lines print it
OTHER_AS = 'other'


def half_up(value):
    return int(value + 0.5) if value >= 0 else -int(-value + 0.5)


def stamp_start(stamp):
    """Epoch seconds of a 12-digit nfcapd stamp read as UTC; ValueError for anything else."""
    if len(stamp) != 12 or not stamp.isdigit():
        raise ValueError('slot stamp %r is not YYYYMMDDhhmm' % (stamp,))
    return calendar.timegm(time.strptime(stamp, '%Y%m%d%H%M'))


def format_mbps(mbps):
    """Whole Mbit/s (round half up) from 1 on; two decimals below, so small paths do not read as 0."""
    if mbps >= 1:
        return str(half_up(mbps))
    return '%.2f' % mbps


def format_line(path):
    """The path as one line, read left to right; an unknown side of a transit path is '?'."""
    def word(value):
        return '?' if value is None else str(value)
    if path['kind'] == 'inbound':
        parts = (path['src_as'], path['in_peer'], path['in_router'], path['local']['service'])
    elif path['kind'] == 'outbound':
        parts = (path['local']['service'], path['out_router'], path['out_peer'], path['dst_as'])
    else:
        parts = tuple(path[key] for key in TRANSIT_LINE)
    return ' '.join(word(part) for part in parts) + ' ' + format_mbps(path['mbps'])


class _Leg:
    """One router's share of a transit (src AS, dst AS) pair that the other side must complete."""

    def __init__(self, router, peer, counters):
        self.router = router
        self.peer = peer
        self.bytes, self.packets, self.flows = counters
        self.left = self.bytes

    def key(self):
        return (-self.left, self.router, self.peer)

    def share(self, amount):
        """(packets, flows) of ``amount`` bytes of this leg; a path has at least one flow."""
        return half_up(self.packets * amount / self.bytes), max(1, half_up(self.flows * amount / self.bytes))


class _Slot:
    def __init__(self, config):
        self.config = config
        self.paths = {}
        self.locals = {}
        self.problems = {}
        self.legs = {'in': {}, 'out': {}}

    def mbps(self, nbytes):
        return nbytes * 8.0 / self.config.slot_seconds / 1e6

    def add_path(self, kind, fields, local, counters):
        key = (kind, fields, local['prefix'] if local else None)
        if local:
            self.locals[key] = local
        total = self.paths.setdefault(key, [0, 0, 0])
        for index in range(3):
            total[index] += counters[index]

    def problem(self, kind, key, fields, row):
        entry = self.problems.get((kind, key))
        if entry is None:
            entry = self.problems[(kind, key)] = dict(fields, kind=kind, bytes=0, flows=0)
        entry['bytes'] += row['bytes']
        entry['flows'] += row['flows']

    def peer(self, router, name, ifindex, row):
        """The peer of a matched interface, or a '?router:ifindex' node reported as a problem."""
        interface = router.interfaces.get(ifindex) if router else None
        if interface is not None and interface.peer is not None:
            return interface.peer
        if router is not None:
            listed = 'lists as internal, not as a peer line' if interface else 'does not list'
            self.problem('unknown_interface', (name, ifindex), {
                'router': name, 'ifindex': ifindex,
                'text': '%s exported flows on ifindex %d, which flow_paths_routers %s' % (name, ifindex, listed)}, row)
        return '?%s:%d' % (name.lstrip('?'), ifindex)

    def local(self, net, row):
        entry = self.config.network_for(net)
        if entry is not None:
            return entry
        prefix = '%s/26' % net
        self.problem('unknown_network', prefix, {
            'prefix': prefix, 'text': 'flows for %s match no prefix in flow_paths_networks' % prefix}, row)
        return {'prefix': prefix, 'object': '?' + prefix, 'service': '?' + prefix}

    def add_row(self, row):
        router = self.config.router_for(row['exporter'], row['ident'])
        name = router.name if router else '?' + row['exporter']
        if router is None:
            self.problem('unknown_router', row['exporter'], {
                'exporter': row['exporter'], 'ident': row['ident'],
                'text': '%s exported flows, but no router in flow_paths_routers has this exporter%s'
                        % (row['exporter'], ' or the ident %s' % row['ident'] if row['ident'] else '')}, row)
        src_as, dst_as, record = row['src_as'], row['dst_as'], row['record']
        counters = (row['bytes'], row['packets'], row['flows'])
        if record is None or (src_as == 0 and dst_as == 0):
            self.problem('unclassified', name, {
                'router': name, 'text': '%s exported flows with source and destination AS 0 or without the te_paths '
                                        'addresses; they are counted here and not drawn' % name}, row)
        elif record == 'in' and src_as != 0:
            # A te-in row with source AS 0 is local traffic entering from a peer; te-out counts it.
            peer = self.peer(router, name, row['inif'], row)
            out = router.interfaces.get(row['outif']) if router else None
            if dst_as == 0:
                self.add_path('inbound', (src_as, None, peer, name, None, None), self.local(row['dst_net'], row), counters)
            elif out is not None and out.peer is not None:
                self.add_path('transit', (src_as, dst_as, peer, name, name, out.peer), None, counters)
            else:
                # internal outif, and also an unlisted one (a customer AS behind a LAN port): a leg, so what
                # nothing completes shows up as unmatched_transit instead of vanishing
                self.add_leg('in', (src_as, dst_as), name, peer, counters)
        elif record == 'out' and dst_as != 0:
            inner = router.interfaces.get(row['inif']) if router else None
            if src_as != 0 and inner is not None and inner.peer is not None:
                return  # the te-in row of this router already made it a complete transit path
            peer = self.peer(router, name, row['outif'], row)
            if src_as == 0:
                self.add_path('outbound', (None, dst_as, None, None, name, peer), self.local(row['src_net'], row), counters)
            else:
                self.add_leg('out', (src_as, dst_as), name, peer, counters)

    def add_leg(self, side, pair, router, peer, counters):
        legs = self.legs[side].setdefault(pair, {})
        total = legs.setdefault((router, peer), [0, 0, 0])
        for index in range(3):
            total[index] += counters[index]

    def join(self):
        """Minimum-split: largest inbound leg with the largest outbound leg of another router, until none pair."""
        threshold = self.config.transit_threshold_mbps * 1e6 * self.config.slot_seconds / 8.0
        for pair in sorted(set(self.legs['in']) | set(self.legs['out'])):
            ins = [_Leg(r, p, c) for (r, p), c in self.legs['in'].get(pair, {}).items() if c[0] > 0]
            outs = [_Leg(r, p, c) for (r, p), c in self.legs['out'].get(pair, {}).items() if c[0] > 0]
            while True:
                match = self._largest_pair(ins, outs)
                if match is None:
                    break
                leg_in, leg_out = match
                amount = min(leg_in.left, leg_out.left)
                packets, flows = leg_in.share(amount)
                self.add_path('transit', (pair[0], pair[1], leg_in.peer, leg_in.router, leg_out.router, leg_out.peer),
                              None, (amount, packets, flows))
                for leg in match:
                    leg.left -= amount
                ins = [leg for leg in ins if leg.left > 0 and leg.left >= threshold]
                outs = [leg for leg in outs if leg.left > 0 and leg.left >= threshold]
            for leg in ins + outs:
                if leg.left >= threshold:
                    self.unmatched(pair, leg, leg in ins)

    @staticmethod
    def _largest_pair(ins, outs):
        outs = sorted(outs, key=_Leg.key)
        for leg_in in sorted(ins, key=_Leg.key):
            for leg_out in outs:
                if leg_out.router != leg_in.router:
                    return leg_in, leg_out
        return None

    def unmatched(self, pair, leg, inbound):
        packets, flows = leg.share(leg.left)
        if inbound:
            fields = (pair[0], pair[1], leg.peer, leg.router, None, None)
            where = 'entering %s from %s' % (leg.router, leg.peer)
            missing = 'outbound'
        else:
            fields = (pair[0], pair[1], None, None, leg.router, leg.peer)
            where = 'leaving %s to %s' % (leg.router, leg.peer)
            missing = 'inbound'
        self.add_path('transit', fields, None, (leg.left, packets, flows))
        key = (pair, leg.router, leg.peer, missing)
        self.problems[('unmatched_transit', key)] = {
            'kind': 'unmatched_transit', 'src_as': pair[0], 'dst_as': pair[1], 'router': leg.router,
            'peer': leg.peer, 'missing': missing, 'bytes': leg.left, 'flows': flows,
            'text': 'transit %d -> %d %s: %.1f Mbit/s have no %s leg on another router (threshold %s Mbit/s)'
                    % (pair[0], pair[1], where, self.mbps(leg.left), missing, self.config.transit_threshold_mbps)}

    def merged(self):
        """(paths, locals) with the remote ASes outside the slot's top remote_as_top by bytes merged into 'other'.

        Runs after join(): transit legs pair by their real AS pair, only the drawn paths are merged.
        """
        volume = {}
        for (_kind, fields, _prefix), counters in self.paths.items():
            for value in set(fields[:2]):
                if value is not None:
                    volume[value] = volume.get(value, 0) + counters[0]
        top = self.config.remote_as_top
        if not top or len(volume) <= top:
            return self.paths, self.locals
        keep = set(sorted(volume, key=lambda value: (-volume[value], value))[:top])
        paths, locals_ = {}, {}
        for key, counters in self.paths.items():
            kind, fields, prefix = key
            ases = tuple(OTHER_AS if value is not None and value not in keep else value for value in fields[:2])
            merged = (kind, ases + fields[2:], prefix)
            if key in self.locals:
                locals_[merged] = self.locals[key]
            total = paths.setdefault(merged, [0, 0, 0])
            for index in range(3):
                total[index] += counters[index]
        return paths, locals_

    def result(self, stamp):
        config = self.config
        paths = []
        totals = {'inbound': 0, 'outbound': 0, 'transit': 0}
        flows_total = 0
        merged, locals_ = self.merged()
        for key, (nbytes, packets, flows) in merged.items():
            kind, fields, _prefix = key
            mbps = self.mbps(nbytes)
            path = dict(zip(PATH_FIELDS, fields))
            path.update(kind=kind, local=locals_.get(key), mbps=round(mbps, 3), bytes=nbytes, packets=packets,
                        flows=flows, scan=bool(flows and flows >= config.scan_min_flows
                                               and mbps * 1000.0 / flows <= config.scan_max_kbps_per_flow))
            path['line'] = format_line(path)
            paths.append(path)
            totals[kind] += nbytes
            flows_total += flows
        paths.sort(key=lambda p: (-p['mbps'], p['line']))
        problems = []
        for entry in self.problems.values():
            problem = dict(entry)
            problem['mbps'] = round(self.mbps(problem.pop('bytes')), 3)
            problems.append(problem)
        problems.sort(key=lambda p: (-p['mbps'], p['kind'], p['text']))
        return {
            'version': SLOT_VERSION, 'slot': stamp, 'start': stamp_start(stamp), 'seconds': config.slot_seconds,
            'paths': paths, 'problems': problems,
            'totals': dict([('%s_mbps' % kind, round(self.mbps(value), 3)) for kind, value in totals.items()]
                           + [('flows', flows_total)]),
        }


def aggregate_slot(rows, config, stamp):
    """The slot dict (contract schema) of all rows (any iterable) of one stamp, from every flow directory."""
    slot = _Slot(config)
    for row in rows:
        slot.add_row(row)
    slot.join()
    return slot.result(stamp)
