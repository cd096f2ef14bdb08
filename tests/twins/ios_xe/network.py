"""A network of IOS-XE twins for the traffic-engineering view (flow_paths): one description, what each twin needs.

A description (te_network.yml next to this file is the default; a JSON/YAML file or a dict) names routers,
their interfaces, local networks, remote ASes and end-to-end demands.  From it come:

- ``interface_table(net, router)``: the twin's interface table (name -> ifindex);
- ``traffic(net, router)``: the twin's traffic items: every demand expanded into what that router forwards
  (input and output interface), so te-in sees it on the ingress peer line and te-out on the egress one;
- ``startup_config(net, router, collector)``: records te-in/te-out, two monitors, an exporter, attachments on
  every peer interface, as config text the twin parses itself;
- ``router_state(net, router, collector)``: a configured RouterState;
- ``tables(net)``: the aggregator's flow_paths_routers / flow_paths_networks.

Test-only code.  Validation collects every problem and raises ValueError with all of them.
"""

import ipaddress
import json
import os

from .cli import RouterState
from .shell import load_config_text

DEFAULT_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'te_network.yml')
LOOPBACK = ('Loopback0', 100)  # every twin has one; exporters may name it as their source
TEMPLATE_TIMEOUT = 60  # bounds what a collector restart loses (field notes section 6)
ACTIVE_TIMEOUT = 60    # a short run exports every entry well inside one 5-minute collector file
INACTIVE_TIMEOUT = 15

_COMMON = ['match routing source as 4-octet', 'match routing destination as 4-octet']
_COLLECT = ['collect timestamp sys-uptime first', 'collect timestamp sys-uptime last', 'collect counter bytes long',
            'collect counter packets long']
RECORDS = {
    'te-in': ('TE inbound: per local destination address', _COMMON + [
        'match interface input', 'match ipv4 destination address'] + _COLLECT + ['collect interface output']),
    'te-out': ('TE outbound: per local source address', _COMMON + [
        'match interface output', 'match ipv4 source address'] + _COLLECT + ['collect interface input']),
}


def load(source=None):
    """A validated network: ``source`` is a dict, a .json/.yml/.yaml path, or None for the default."""
    if source is None:
        source = DEFAULT_PATH
    if isinstance(source, dict):
        raw = source
    else:
        with open(source) as handle:
            if str(source).endswith('.json'):
                raw = json.load(handle)
            else:
                import yaml
                raw = yaml.safe_load(handle)
    net = {'routers': [dict(r, interfaces=[dict(i) for i in r.get('interfaces', [])]) for r in raw.get('routers', [])],
           'networks': [dict(n) for n in raw.get('networks', [])],
           'external': dict((int(k), dict(v)) for k, v in (raw.get('external') or {}).items()),
           'demands': [dict(d) for d in raw.get('demands', [])]}
    problems = _validate(net)
    if problems:
        raise ValueError('network description: ' + '; '.join(problems))
    return net


def _router(net, name):
    for router in net['routers']:
        if router['name'] == name:
            return router
    return None


def _validate(net):
    problems = []
    names = [r.get('name') for r in net['routers']]
    if len(set(names)) != len(names) or not names:
        problems.append('router names must be unique and at least one router given, got %r' % names)
    for router in net['routers']:
        ifindexes = [i.get('ifindex') for i in router['interfaces']]
        if len(set(ifindexes)) != len(ifindexes):
            problems.append('router %s: ifindex values repeat (%r)' % (router.get('name'), ifindexes))
        try:
            if not ipaddress.ip_address(router.get('exporter', '')).is_loopback:
                problems.append('router %s: exporter %s is not in 127.0.0.0/8' % (router['name'], router['exporter']))
        except ValueError:
            problems.append('router %s: exporter %r is not an address' % (router.get('name'), router.get('exporter')))
        if len([i for i in router['interfaces'] if i.get('access')]) != 1:
            problems.append('router %s: give exactly one interface with access: true' % router.get('name'))
        for iface in router['interfaces']:
            kinds = [k for k in ('peer', 'link', 'access') if iface.get(k)]
            if len(kinds) != 1:
                problems.append('router %s interface %s: give exactly one of peer, link, access' % (
                    router.get('name'), iface.get('name')))
            if iface.get('link') and iface['link'] not in names:
                problems.append('router %s interface %s: link to unknown router %s' % (
                    router.get('name'), iface.get('name'), iface['link']))
    for network in net['networks']:
        try:
            network['prefix'] = str(ipaddress.IPv4Network(network['prefix']))
        except (KeyError, ValueError):
            problems.append('network %r: prefix is not an IPv4 network' % network)
        if network.get('router') not in names:
            problems.append('network %s: router %r is not in routers' % (network.get('prefix'), network.get('router')))
    for demand in net['demands']:
        try:
            path(net, demand)
        except ValueError as exc:
            problems.append('demand %s: %s' % (demand.get('name'), exc))
    return problems


def home(net, address):
    """The most specific local network holding ``address``, or None."""
    address = ipaddress.IPv4Address(address)
    best = None
    for network in net['networks']:
        prefix = ipaddress.IPv4Network(network['prefix'])
        if address in prefix and (best is None or prefix.prefixlen > ipaddress.IPv4Network(best['prefix']).prefixlen):
            best = network
    return best


def _interface(net, where):
    """'router:peer AS' or 'router:interface name' -> (router, interface dict) of a peer line."""
    rname, _sep, which = str(where).partition(':')
    router = _router(net, rname)
    if router is None:
        raise ValueError('%r names no router (write "router:peer AS" or "router:interface")' % where)
    found = [i for i in router['interfaces'] if i.get('peer') and (str(i['peer']) == which or i['name'] == which)]
    if len(found) != 1:
        raise ValueError('%r: router %s has %d peer interfaces matching %r' % (where, rname, len(found), which))
    return router, found[0]


def _access(router):
    return [i for i in router['interfaces'] if i.get('access')][0]


def _link(router, other):
    for iface in router['interfaces']:
        if iface.get('link') == other:
            return iface
    raise ValueError('router %s has no link to %s' % (router['name'], other))


def remote_address(net, asn):
    external = net['external'].get(int(asn))
    if external is None:
        raise ValueError('AS %s is not in external' % asn)
    return str(next(ipaddress.IPv4Network(external['prefix']).hosts()))


def scan_prefixes(net, demand):
    return [n['prefix'] for n in net['networks']] if demand['scan'] == 'all' else list(demand['scan'])


def path(net, demand):
    """End-to-end path of a demand: dict with src/dst AS and address, ingress and egress (router, interface)."""
    scan = demand.get('scan')
    if scan:
        if 'src_as' not in demand or 'bps_per_address' not in demand:
            raise ValueError('a scan needs src_as and bps_per_address')
        for prefix in scan_prefixes(net, demand):
            ipaddress.IPv4Network(prefix)
    elif 'mbps' not in demand:
        raise ValueError('give mbps')
    if 'src_as' not in demand and 'src_addr' not in demand:
        raise ValueError('give src_as (remote source) or src_addr (local source)')
    if not scan and 'dst_as' not in demand and 'dst_addr' not in demand:
        raise ValueError('give dst_as (remote destination) or dst_addr (local destination)')
    out = {'src_as': int(demand.get('src_as', 0)), 'dst_as': int(demand.get('dst_as', 0))}
    if out['src_as']:
        out['in_router'], out['in_if'] = _interface(net, demand.get('in'))
        out['src_addr'] = demand.get('src_addr') or remote_address(net, out['src_as'])
    else:
        local = home(net, demand['src_addr'])
        if local is None:
            raise ValueError('src_addr %s is in no local network' % demand['src_addr'])
        out['in_router'] = _router(net, local['router'])
        out['in_if'] = _access(out['in_router'])
        out['src_addr'] = demand['src_addr']
    if scan:
        out['out_router'] = out['in_router']
        out['out_if'] = _access(out['in_router'])
        out['dst_addr'] = None
        out['scan_prefixes'] = scan_prefixes(net, demand)
        for prefix in out['scan_prefixes']:
            local = home(net, ipaddress.IPv4Network(prefix).network_address)
            if local is None:
                raise ValueError('scanned prefix %s is in no local network' % prefix)
            if local['router'] != out['in_router']['name']:
                _link(out['in_router'], local['router'])
    elif out['dst_as']:
        out['out_router'], out['out_if'] = _interface(net, demand.get('out'))
        out['dst_addr'] = demand.get('dst_addr') or remote_address(net, out['dst_as'])
    else:
        local = home(net, demand['dst_addr'])
        if local is None:
            raise ValueError('dst_addr %s is in no local network' % demand['dst_addr'])
        out['out_router'] = _router(net, local['router'])
        out['out_if'] = _access(out['out_router'])
        out['dst_addr'] = demand['dst_addr']
    if not out['src_as'] and not out['dst_as']:
        raise ValueError('local to local traffic never crosses a peer line')
    if out['in_router'] is not out['out_router']:
        _link(out['in_router'], out['out_router']['name'])
    return out


def interface_table(net, router_name):
    table = dict((i['name'], int(i['ifindex'])) for i in _router(net, router_name)['interfaces'])
    table.setdefault(*LOOPBACK)
    return table


def traffic(net, router_name):
    """The twin's traffic items on ``router_name``: each demand as this router forwards it."""
    items = []
    for demand in net['demands']:
        hop = path(net, demand)
        if demand.get('scan'):
            items += _scan_items(net, demand, hop, router_name)
            continue
        ingress, egress = hop['in_router'], hop['out_router']
        if router_name == ingress['name']:
            output = hop['out_if'] if ingress is egress else _link(ingress, egress['name'])
            items.append(_item(demand, hop, hop['in_if'], output))
        if router_name == egress['name'] and ingress is not egress:
            items.append(_item(demand, hop, _link(egress, ingress['name']), hop['out_if']))
    return items


def _scan_items(net, demand, hop, router_name):
    """A scan per scanned prefix: each prefix leaves the entry router towards its own home router."""
    items = []
    ingress = hop['in_router']
    for prefix in hop['scan_prefixes']:
        owner = _router(net, home(net, ipaddress.IPv4Network(prefix).network_address)['router'])
        scan = {'prefixes': [prefix], 'bps_per_address': int(demand['bps_per_address'])}
        base = {'src_as': hop['src_as'], 'dst_as': 0, 'src_addr': hop['src_addr'], 'scan': scan,
                'packet_size': int(demand.get('packet_size', 60))}
        if router_name == ingress['name']:
            output = _access(ingress) if owner is ingress else _link(ingress, owner['name'])
            items.append(dict(base, input=hop['in_if']['name'], output=output['name']))
        elif router_name == owner['name']:
            items.append(dict(base, input=_link(owner, ingress['name'])['name'], output=_access(owner)['name']))
    return items


def _item(demand, hop, input_if, output_if):
    item = {'src_as': hop['src_as'], 'dst_as': hop['dst_as'], 'input': input_if['name'],
            'output': output_if['name'], 'src_addr': hop['src_addr'], 'dst_addr': hop['dst_addr'],
            'bps': int(round(float(demand['mbps']) * 10 ** 6))}
    if 'packet_size' in demand:
        item['packet_size'] = int(demand['packet_size'])
    return item


def peer_interfaces(net, router_name):
    return [i for i in _router(net, router_name)['interfaces'] if i.get('peer')]


def startup_config(net, router_name, collector=('127.0.0.1', 9995)):
    """Config text for one twin: te-in/te-out records and monitors, one exporter, attachments on peer lines."""
    lines = ['hostname %s' % router_name, '!']
    for name, (description, fields) in sorted(RECORDS.items()):
        lines += ['flow record %s' % name, ' description %s' % description] + [' ' + f for f in fields] + ['!']
    lines += ['flow exporter collector', ' destination %s' % collector[0], ' transport udp %d' % int(collector[1]),
              ' template data timeout %d' % TEMPLATE_TIMEOUT, '!']
    for name in sorted(RECORDS):
        lines += ['flow monitor %s' % name, ' exporter collector', ' cache timeout active %d' % ACTIVE_TIMEOUT,
                  ' cache timeout inactive %d' % INACTIVE_TIMEOUT, ' record %s' % name, '!']
    for iface in peer_interfaces(net, router_name):
        lines += ['interface %s' % iface['name'], ' description peer AS%s' % iface['peer'],
                  ' ip flow monitor te-in input', ' ip flow monitor te-out output', '!']
    return '\n'.join(lines + ['end']) + '\n'


def router_state(net, router_name, collector=('127.0.0.1', 9995)):
    """A twin router configured from the description; raises ValueError when the twin refuses a line."""
    state = RouterState(router_name, interface_table(net, router_name))
    refused = []
    load_config_text(state, startup_config(net, router_name, collector),
                     warn=lambda line, reply: refused.append('%s -> %s' % (line, reply)))
    if refused:
        raise ValueError('router %s refused its startup-config: %s' % (router_name, '; '.join(refused)))
    return state


def tables(net):
    """flow_paths_routers and flow_paths_networks of the contract (the aggregator's tables)."""
    routers = []
    for router in net['routers']:
        interfaces = []
        for iface in router['interfaces']:
            entry = {'ifindex': int(iface['ifindex']), 'name': iface['name']}
            if iface.get('peer'):
                entry.update(peer=str(iface['peer']), capacity_mbps=int(iface.get('capacity_mbps', 10000)))
            else:
                entry['internal'] = True  # links and access interfaces both carry own traffic
            interfaces.append(entry)
        routers.append({'name': router['name'], 'exporter': router['exporter'],
                        'capacity_mbps': int(router.get('capacity_mbps', 10000)), 'interfaces': interfaces})
    networks = [{'prefix': n['prefix'], 'object': n['object'], 'service': n['service']} for n in net['networks']]
    return {'flow_paths_routers': routers, 'flow_paths_networks': networks}
