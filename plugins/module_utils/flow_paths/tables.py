# -*- coding: utf-8 -*-
# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The hand-kept tables of the TE view (routers, their interfaces, local networks) and the limits.

Everything is validated at once and every problem is reported, named by the role variable and the entry,
before any file is written. Standard library only: the collector runs this without Ansible.
The config JSON may use the role's names (``flow_paths_routers``) or the short ones (``routers``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress

DEFAULTS = {
    'slot_seconds': 300,
    'transit_threshold_mbps': 1.0,
    'scan_min_flows': 1000,
    'scan_max_kbps_per_flow': 64,
    'lifetime_days': 30,
    'flow_dirs': [],
    'out_dir': '',
    'title': 'Traffic paths',
    'remote_as_top': 25,
}
ROUTER_KEYS = ('name', 'exporter', 'ident', 'capacity_mbps', 'interfaces')
INTERFACE_KEYS = ('ifindex', 'name', 'peer', 'internal', 'capacity_mbps')
NETWORK_KEYS = ('prefix', 'object', 'service')
# Rows name local networks by their /26 (the nfdump aggregation); a longer prefix cannot be told apart there.
ROW_PREFIX_LENGTH = 26


class TableError(ValueError):
    """The tables are inconsistent; the message lists every problem, joined by '; '."""


class Interface:
    def __init__(self, ifindex, name, peer, internal, capacity_mbps):
        self.ifindex = ifindex
        self.name = name
        self.peer = peer
        self.internal = internal
        self.capacity_mbps = capacity_mbps


class Router:
    def __init__(self, name, exporter, ident, capacity_mbps, interfaces):
        self.name = name
        self.exporter = exporter
        self.ident = ident
        self.capacity_mbps = capacity_mbps
        self.interfaces = interfaces  # ifindex -> Interface


class Config:
    """Validated tables; build it with ``load_config``."""

    def __init__(self, routers, networks, values):
        self.routers = routers
        self.networks = networks  # [{prefix, object, service}] as given, prefixes normalised
        for key in DEFAULTS:
            setattr(self, key, values[key])
        self.by_exporter = dict((r.exporter, r) for r in routers if r.exporter)
        self.by_ident = dict((r.ident, r) for r in routers if r.ident)
        self._by_length = {}
        for entry in networks:
            net = ipaddress.IPv4Network(entry['prefix'])
            self._by_length.setdefault(net.prefixlen, {})[int(net.network_address)] = entry
        self._lengths = sorted((n for n in self._by_length if n <= ROW_PREFIX_LENGTH), reverse=True)
        self._network_cache = {}

    def router_for(self, exporter, ident):
        """The router of a row: by exporter address, else by the flow directory's ident, else None."""
        router = self.by_exporter.get(exporter)
        if router is None and ident:
            router = self.by_ident.get(ident)
        return router

    def network_for(self, address):
        """The most specific table network containing the row's /26 ``address``, or None."""
        if address in self._network_cache:
            return self._network_cache[address]
        found = None
        try:
            value = int(ipaddress.IPv4Address(address))
        except ValueError:
            value = None
        if value is not None:
            for length in self._lengths:
                mask = (0xFFFFFFFF << (32 - length)) & 0xFFFFFFFF
                found = self._by_length[length].get(value & mask)
                if found is not None:
                    break
        self._network_cache[address] = found
        return found

    def page_layout(self):
        """Routers and (router, peer) lines with their capacities, in table order, for the page."""
        peers = []
        seen = {}
        for router in self.routers:
            for ifindex in sorted(router.interfaces):
                interface = router.interfaces[ifindex]
                if interface.peer is None:
                    continue
                key = (router.name, interface.peer)
                if key in seen:
                    # two lines to the same peer are one box, as wide as both
                    seen[key]['capacity_mbps'] += interface.capacity_mbps
                    continue
                seen[key] = {'router': router.name, 'peer': interface.peer, 'capacity_mbps': interface.capacity_mbps}
                peers.append(seen[key])
        return {'routers': [{'name': r.name, 'capacity_mbps': r.capacity_mbps} for r in self.routers],
                'peers': peers}


def _number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _word(value):
    """A non-empty string without whitespace (lines are space-separated); ints become strings."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value or value.split() != [value]:
        return None
    return value


def _unknown_keys(where, entry, allowed, errors):
    for key in sorted(set(entry) - set(allowed)):
        errors.append('%s: unknown key %r (allowed: %s)' % (where, key, ', '.join(allowed)))


def _interface(where, item, errors):
    if not isinstance(item, dict):
        errors.append('%s: must be a mapping with ifindex and peer or internal' % where)
        return None
    _unknown_keys(where, item, INTERFACE_KEYS, errors)
    ifindex = item.get('ifindex')
    if not isinstance(ifindex, int) or isinstance(ifindex, bool) or ifindex < 1:
        errors.append('%s: ifindex must be an integer >= 1 (the SNMP ifIndex the router exports)' % where)
        return None
    peer = item.get('peer')
    internal = item.get('internal', False) is True
    if peer is not None and internal:
        errors.append('%s: interface ifindex %d is either a peer line or internal, not both: remove peer or internal'
                      % (where, ifindex))
    elif peer is None and not internal:
        errors.append('%s: interface ifindex %d needs peer (an upstream/peer line) or internal: true' % (where, ifindex))
    capacity = item.get('capacity_mbps')
    if peer is not None:
        peer = _word(peer)
        if peer is None:
            errors.append('%s: interface ifindex %d: peer must be a name or AS number without spaces' % (where, ifindex))
        if capacity is None:
            errors.append('%s: peer interface ifindex %d needs capacity_mbps (the line\'s bandwidth)' % (where, ifindex))
    if capacity is not None and (not _number(capacity) or capacity <= 0):
        errors.append('%s: interface ifindex %d: capacity_mbps must be a number > 0' % (where, ifindex))
    name = item.get('name', 'if%d' % ifindex)
    if not isinstance(name, str) or not name:
        errors.append('%s: interface ifindex %d: name must be a non-empty string' % (where, ifindex))
    return Interface(ifindex, name, peer, internal, capacity)


def _router(index, item, errors, seen):
    where = 'flow_paths_routers[%d]' % index
    if not isinstance(item, dict):
        errors.append('%s: must be a mapping with name, exporter or ident, capacity_mbps, interfaces' % where)
        return None
    name = _word(item.get('name'))
    if name is None:
        errors.append('%s: name must be a non-empty string without spaces' % where)
        name = '?'
    where = '%s (%s)' % (where, name)
    _unknown_keys(where, item, ROUTER_KEYS, errors)
    if name in seen['name']:
        errors.append('%s: name %s is already used by %s, router names must be unique' % (where, name, seen['name'][name]))
    seen['name'][name] = 'flow_paths_routers[%d]' % index
    exporter, ident = item.get('exporter'), item.get('ident')
    if not exporter and not ident:
        errors.append('%s: needs exporter (the address nfcapd stores for it) or ident (its nfcapd instance)' % where)
    for key, value in (('exporter', exporter), ('ident', ident)):
        if not value:
            continue
        if key == 'exporter':
            try:
                value = str(ipaddress.ip_address(value))
            except ValueError:
                errors.append('%s: exporter %s is not an IP address' % (where, value))
        if value in seen[key]:
            errors.append('%s: %s %s is also given for %s, each must name one router' % (where, key, value, seen[key][value]))
        seen[key][value] = name
        if key == 'exporter':
            exporter = value
    capacity = item.get('capacity_mbps')
    if not _number(capacity) or capacity <= 0:
        errors.append('%s: capacity_mbps must be a number > 0' % where)
    interfaces = {}
    items = item.get('interfaces', [])
    if not isinstance(items, list):
        errors.append('%s: interfaces must be a list' % where)
        items = []
    for number, entry in enumerate(items):
        interface = _interface('%s interfaces[%d]' % (where, number), entry, errors)
        if interface is None:
            continue
        if interface.ifindex in interfaces:
            errors.append('%s: interface ifindex %d is listed twice' % (where, interface.ifindex))
        interfaces[interface.ifindex] = interface
    return Router(name, exporter or None, ident or None, capacity, interfaces)


def _network(index, item, errors, seen):
    where = 'flow_paths_networks[%d]' % index
    if not isinstance(item, dict):
        errors.append('%s: must be a mapping with prefix, object, service' % where)
        return None
    _unknown_keys(where, item, NETWORK_KEYS, errors)
    prefix = item.get('prefix')
    try:
        net = ipaddress.IPv4Network(str(prefix))
    except ValueError as exc:
        if 'host bits set' in str(exc):
            errors.append('%s: prefix %s has host bits set, use %s'
                          % (where, prefix, ipaddress.IPv4Network(str(prefix), strict=False)))
        else:
            errors.append('%s: prefix %s is not an IPv4 prefix like 198.18.0.0/26' % (where, prefix))
        return None
    prefix = str(net)
    if prefix in seen:
        errors.append('%s: prefix %s is already listed as %s' % (where, prefix, seen[prefix]))
    seen[prefix] = where
    entry = {'prefix': prefix}
    for key in ('object', 'service'):
        value = _word(item.get(key))
        if value is None:
            errors.append('%s: %s must be a non-empty string without spaces' % (where, key))
        entry[key] = value
    return entry


def _limits(config, errors):
    values = {}
    for key, default in DEFAULTS.items():
        values[key] = config.get(key, config.get('flow_paths_' + key, default))
    seconds = values['slot_seconds']
    if not isinstance(seconds, int) or isinstance(seconds, bool) or not 60 <= seconds <= 3600:
        errors.append('flow_paths_slot_seconds: %r must be an integer from 60 to 3600 (nfcapd -t)' % (seconds,))
    for key in ('transit_threshold_mbps', 'scan_min_flows', 'scan_max_kbps_per_flow'):
        if not _number(values[key]) or values[key] < 0:
            errors.append('flow_paths_%s: %r must be a number >= 0' % (key, values[key]))
    days = values['lifetime_days']
    if not isinstance(days, int) or isinstance(days, bool) or days < 1:
        errors.append('flow_paths_lifetime_days: %r must be an integer >= 1' % (days,))
    top = values['remote_as_top']
    if not isinstance(top, int) or isinstance(top, bool) or top < 0:
        errors.append('flow_paths_remote_as_top: %r must be an integer >= 0 (0 keeps every remote AS)' % (top,))
    dirs = values['flow_dirs']
    if not isinstance(dirs, list):
        errors.append('flow_paths_flow_dirs: must be a list of {ident, dir}')
        dirs = []
    for index, entry in enumerate(dirs):
        if not isinstance(entry, dict) or not isinstance(entry.get('dir'), str) or not entry.get('dir'):
            errors.append('flow_paths_flow_dirs[%d]: needs dir (an nfcapd -w directory) and optionally ident' % index)
    values['flow_dirs'] = [{'ident': e.get('ident') or None, 'dir': e['dir']} for e in dirs
                           if isinstance(e, dict) and e.get('dir')]
    for key in ('out_dir', 'title'):
        if not isinstance(values[key], str):
            errors.append('flow_paths_%s: must be a string' % key)
    return values


def _listed(config, key, errors):
    value = config.get(key, config.get('flow_paths_' + key, []))
    if not isinstance(value, list):
        errors.append('flow_paths_%s: must be a list' % key)
        return []
    return value


def load_config(config):
    """A Config from the tables dict, or TableError naming every problem and its fix."""
    if not isinstance(config, dict):
        raise TableError('the flow_paths configuration must be a mapping')
    errors = []
    seen = {'name': {}, 'exporter': {}, 'ident': {}}
    routers = [_router(i, item, errors, seen) for i, item in enumerate(_listed(config, 'routers', errors))]
    if not routers:
        errors.append('flow_paths_routers: list at least one router')
    seen = {}
    networks = [_network(i, item, errors, seen) for i, item in enumerate(_listed(config, 'networks', errors))]
    values = _limits(config, errors)
    if errors:
        raise TableError('; '.join(errors))
    return Config([r for r in routers if r], [n for n in networks if n], values)
