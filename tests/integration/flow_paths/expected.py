"""What the aggregator must report for a twin network, computed DIRECTLY from the end-to-end demands.

Independent of plugins/module_utils/flow_paths (the code under test) and of the twin's expansion of demands
into per-router traffic (tests/twins/ios_xe/network.py ``traffic``): only the description's parsing
(``network.load`` and ``network.path``, which resolves "router:peer" names) is shared.  The rules are the
shared contract's: line formats, Mbit/s = bytes * 8 / slot seconds / 1e6, integer (round half up) at or
above 1 else two decimals, sorted by Mbit/s then line; flows = router cache entries exported.
"""

import ipaddress
from decimal import ROUND_HALF_UP, Decimal

from tests.twins.ios_xe import network as twin_network

SLOT_SECONDS = 300
SCAN_MIN_FLOWS = 1000
SCAN_MAX_KBPS_PER_FLOW = 64


def format_mbps(mbps):
    value = Decimal(repr(mbps))
    if value >= 1:
        return str(value.quantize(Decimal('1'), rounding=ROUND_HALF_UP))
    return str(value.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP))


def _exports(seconds):
    """Exports of one steady cache entry in ``seconds``: one per active timeout, the rest at the final flush."""
    return -(-seconds // twin_network.ACTIVE_TIMEOUT)


def _bytes(bps, seconds):
    return bps * seconds // 8


def _peer(interface):
    return str(interface['peer'])


def _service(net, address):
    local = twin_network.home(net, address)
    return local['service'] if local else '?%s' % ipaddress.IPv4Network('%s/26' % address, strict=False)


def _demand_flows(net, seconds):
    """Per demand: (path, bytes, the cache keys it creates): te-in key on the entry line, te-out on the exit."""
    out = []
    for demand in net['demands']:
        hop = twin_network.path(net, demand)
        if demand.get('scan'):
            for prefix in hop['scan_prefixes']:
                for address in ipaddress.IPv4Network(prefix):
                    out.append((hop, str(address), _bytes(int(demand['bps_per_address']), seconds)))
        else:
            out.append((hop, hop['dst_addr'], _bytes(int(round(float(demand['mbps']) * 10 ** 6)), seconds)))
    return out


def expected_paths(network, seconds, slot_seconds=SLOT_SECONDS):
    """Paths as the contract's slot JSON lists them: kind, line, mbps, bytes, flows, scan (sorted like lines)."""
    net = twin_network.load(network)
    exports = _exports(seconds)
    paths = {}
    te_in_keys = {}   # path id -> set of te-in keys (a joined transit's flows come from its inbound leg)
    legs_in, legs_out = {}, {}
    for hop, dst_addr, nbytes in _demand_flows(net, seconds):
        rin, rout = hop['in_router']['name'], hop['out_router']['name']
        te_in = (hop['src_as'], hop['dst_as'], rin, hop['in_if']['ifindex'], dst_addr)
        if hop['src_as'] and not hop['dst_as']:
            ident = ('inbound', '%d %s %s %s' % (hop['src_as'], _peer(hop['in_if']), rin, _service(net, dst_addr)))
            keys = {te_in}
        elif hop['dst_as'] and not hop['src_as']:
            ident = ('outbound', '%s %s %s %d' % (_service(net, hop['src_addr']), rout, _peer(hop['out_if']),
                                                  hop['dst_as']))
            keys = {(hop['src_as'], hop['dst_as'], rout, hop['out_if']['ifindex'], hop['src_addr'])}
        elif rin == rout:
            ident = ('transit', '%d %s %s %s %s %d' % (hop['src_as'], _peer(hop['in_if']), rin, rout,
                                                       _peer(hop['out_if']), hop['dst_as']))
            keys = {te_in}
        else:
            pair = (hop['src_as'], hop['dst_as'])
            leg_in = (rin, _peer(hop['in_if']))
            leg_out = (rout, _peer(hop['out_if']))
            legs_in.setdefault(pair, {}).setdefault(leg_in, set()).add(te_in)
            legs_out.setdefault(pair, set()).add(leg_out)
            ident = ('transit', '%d %s %s %s %s %d' % (pair[0], leg_in[1], rin, rout, leg_out[1], pair[1]))
            keys = None  # filled below from the inbound leg
        entry = paths.setdefault(ident, {'kind': ident[0], 'bytes': 0, 'leg': None})
        entry['bytes'] += nbytes
        if keys is None:
            entry['leg'] = (hop['src_as'], hop['dst_as'], rin, _peer(hop['in_if']))
        else:
            te_in_keys.setdefault(ident, set()).update(keys)
    for pair, ins in legs_in.items():
        if len(ins) > 1 and len(legs_out[pair]) > 1:
            raise ValueError('AS pair %s enters at %d lines and leaves at %d: the minimum-split rule need not give '
                             'back the demands; give one side a single line' % (pair, len(ins), len(legs_out[pair])))
    leg_bytes = {}
    for ident, entry in paths.items():
        if entry['leg']:
            leg_bytes[entry['leg']] = leg_bytes.get(entry['leg'], 0) + entry['bytes']
    out = []
    for ident, entry in paths.items():
        mbps = entry['bytes'] * 8.0 / slot_seconds / 1e6
        if entry['leg']:
            src_as, dst_as, rin, peer = entry['leg']
            leg_flows = len(legs_in[(src_as, dst_as)][(rin, peer)]) * exports
            share = entry['bytes'] / float(leg_bytes[entry['leg']])
            flows = max(1, int(leg_flows * share + 0.5))
        else:
            flows = len(te_in_keys[ident]) * exports
        scan = flows >= SCAN_MIN_FLOWS and mbps * 1000 / flows <= SCAN_MAX_KBPS_PER_FLOW
        out.append({'kind': ident[0], 'line': '%s %s' % (ident[1], format_mbps(mbps)), 'mbps': mbps,
                    'bytes': entry['bytes'], 'flows': flows, 'scan': scan})
    out.sort(key=lambda p: (-p['mbps'], p['line']))
    return out


def expected_lines(network, seconds=SLOT_SECONDS, slot_seconds=SLOT_SECONDS):
    """The path lines of one slot, in the contract's order."""
    return [p['line'] for p in expected_paths(network, seconds, slot_seconds)]


def expected_interface_bytes(network, seconds):
    """{(router, 'te-in'|'te-out', ifindex): bytes}: what each monitor on each peer line must have exported."""
    net = twin_network.load(network)
    out = {}
    for hop, _dst, nbytes in _demand_flows(net, seconds):
        if hop['src_as']:
            key = (hop['in_router']['exporter'], 'te-in', hop['in_if']['ifindex'])
            out[key] = out.get(key, 0) + nbytes
        if hop['dst_as']:
            key = (hop['out_router']['exporter'], 'te-out', hop['out_if']['ifindex'])
            out[key] = out.get(key, 0) + nbytes
    return out


def expected_interface_flows(network, seconds):
    """{(router address, 'te-in'|'te-out', ifindex): records}: distinct cache keys times exports per key."""
    net = twin_network.load(network)
    keys = {}
    for hop, dst_addr, _nbytes in _demand_flows(net, seconds):
        if hop['src_as']:
            where = (hop['in_router']['exporter'], 'te-in', hop['in_if']['ifindex'])
            keys.setdefault(where, set()).add((hop['src_as'], hop['dst_as'], dst_addr))
        if hop['dst_as']:
            where = (hop['out_router']['exporter'], 'te-out', hop['out_if']['ifindex'])
            keys.setdefault(where, set()).add((hop['src_as'], hop['dst_as'], hop['src_addr']))
    return dict((where, len(found) * _exports(seconds)) for where, found in keys.items())
