# -*- coding: utf-8 -*-
# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The bridge port model on a Linux bridge: iproute2 JSON parsing and planning.

Uplink port: ``learning off`` (its MACs are never learned) and ``flood on`` (it gets unknown
unicast).  Link port: ``learning on``; ``flood off`` in restrictive mode, ``flood on`` in classic
mode.  Broadcast and multicast flooding stay on everywhere, as on ng_bridge.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.isplab.infra.plugins.module_utils.l2_bridge.model import mode_name

FLAG_NAMES = ('learning', 'flood', 'mcast_flood', 'bcast_flood')
# Port flag -> ifupdown2 attribute; bcast_flood has none (the kernel default, on, is what we want).
IFUPDOWN2_ATTRIBUTES = (('learning', 'bridge-learning'), ('flood', 'bridge-unicast-flood'),
                        ('mcast_flood', 'bridge-multicast-flood'))
# The kernel keeps ageing_time in centiseconds (ip -d shows e.g. 30000 for 300 s).
CENTISECONDS = 100


def desired_flags(role, restrictive):
    if role == 'uplink':
        return {'learning': False, 'flood': True, 'mcast_flood': True, 'bcast_flood': True}
    return {'learning': True, 'flood': not restrictive, 'mcast_flood': True, 'bcast_flood': True}


def parse_ip_links(text):
    """``ip -j -d link show`` -> {ifname: {master, kind, up, ageing_time (s, bridges only)}}."""
    links = {}
    for entry in json.loads(text or '[]'):
        info = entry.get('linkinfo', {})
        data = info.get('info_data', {})
        links[entry['ifname']] = {
            'master': entry.get('master'), 'kind': info.get('info_kind'),
            'up': 'UP' in entry.get('flags', []), 'address': entry.get('address'),
            'ageing_time': (data['ageing_time'] // CENTISECONDS) if 'ageing_time' in data else None,
        }
    return links


def parse_bridge_links(text):
    """``bridge -d -j link show`` -> {ifname: {master, learning, flood, mcast_flood, bcast_flood}}."""
    ports = {}
    for entry in json.loads(text or '[]'):
        ports[entry['ifname']] = dict((flag, entry.get(flag)) for flag in FLAG_NAMES)
        ports[entry['ifname']]['master'] = entry.get('master')
    return ports


def port_mode(model_ports, bridge_ports):
    """'restrictive', 'classic' or 'mixed' from the live flags of the model's ports."""
    link_flood = set()
    for port in model_ports:
        flags = bridge_ports.get(port['interface'])
        if flags is None:
            return 'mixed'
        if port['role'] == 'uplink':
            if flags['learning'] or not flags['flood']:
                return 'mixed'
        else:
            link_flood.add(bool(flags['flood']))
    if link_flood == set([False]):
        return 'restrictive'
    if link_flood == set([True]):
        return 'classic'
    return 'mixed'


def _onoff(value):
    return 'on' if value else 'off'


def port_flags(model):
    """Every port of the validated model with the flags it must have: what the role persists and reports."""
    return [dict(name=port['name'], interface=port['interface'], role=port['role'],
                 **desired_flags(port['role'], model['restrictive'])) for port in model['ports']]


def ifupdown2_stanza(model):
    """The ifupdown2 stanza (lines) that rebuilds the bridge with the same flags at boot."""
    name = model['name']
    ports = port_flags(model)
    lines = ['# Bridge %s: %s (isplab.infra.l2_bridge).' % (name, mode_name(model['restrictive'])),
             '# Broadcast flooding has no ifupdown2 attribute; the kernel default (on) is kept.',
             'auto %s' % name, 'iface %s inet manual' % name,
             '    bridge-ports %s' % ' '.join(p['interface'] for p in ports),
             '    bridge-stp off', '    bridge-fd 0', '    bridge-ageing %d' % model['mac_hold_time']]
    for flag, attribute in IFUPDOWN2_ATTRIBUTES:
        lines.append('    %s %s' % (attribute, ' '.join('%s=%s' % (p['interface'], _onoff(p[flag])) for p in ports)))
    return lines


def plan(model, links, bridge_ports):
    """Return (commands, problems, changes). Commands are argv lists for ``ip``/``bridge``."""
    name = model['name']
    hold = model['mac_hold_time']
    commands = []
    problems = []
    changes = {}
    for port in model['ports']:
        if port['interface'] not in links:
            problems.append('port %s: interface %s does not exist' % (port['name'], port['interface']))
        elif port['interface'] == name:
            problems.append('port %s: a bridge cannot be its own port' % port['name'])
    current = links.get(name)
    if current is not None and current['kind'] != 'bridge':
        problems.append('%s exists and is a %s interface, not a bridge' % (name, current['kind']))
    if problems:
        return [], problems, changes
    if current is None:
        commands.append(['ip', 'link', 'add', 'name', name, 'type', 'bridge',
                         'ageing_time', str(hold * CENTISECONDS), 'stp_state', '0'])
        changes['bridge'] = (None, 'created')
    elif current['ageing_time'] != hold:
        commands.append(['ip', 'link', 'set', 'dev', name, 'type', 'bridge', 'ageing_time', str(hold * CENTISECONDS)])
        changes['mac_hold_time'] = (current['ageing_time'], hold)
    if current is None or not current['up']:
        commands.append(['ip', 'link', 'set', 'dev', name, 'up'])
    wanted = set(p['interface'] for p in model['ports'])
    for ifname in sorted(links):
        if links[ifname]['master'] == name and ifname not in wanted:
            commands.append(['ip', 'link', 'set', 'dev', ifname, 'nomaster'])
            changes['port %s' % ifname] = ('enslaved', None)
    for port in model['ports']:
        ifname = port['interface']
        want = desired_flags(port['role'], model['restrictive'])
        link = links[ifname]
        have = bridge_ports.get(ifname) if link['master'] == name else None
        if link['master'] != name:
            commands.append(['ip', 'link', 'set', 'dev', ifname, 'master', name])
        if not link['up']:
            commands.append(['ip', 'link', 'set', 'dev', ifname, 'up'])
        have_flags = dict((f, have[f]) for f in FLAG_NAMES) if have else None
        if have_flags != want:
            commands.append(['bridge', 'link', 'set', 'dev', ifname] +
                            [item for flag in FLAG_NAMES for item in (flag, _onoff(want[flag]))])
            changes['port %s (%s)' % (port['name'], ifname)] = (have_flags, want)
    return commands, problems, changes
