# -*- coding: utf-8 -*-
# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Parse ngctl(8) output and plan an ng_bridge graph as one ``ngctl -f -`` batch.

Output formats follow FreeBSD usr.sbin/ngctl (list.c, show.c, msg.c) and the
ng_parse(3)-style struct text ``{ name=value ... }`` in which fields equal to
their default (zero) are left out.  Hook order in ``ngctl show`` is newest
first: netgraph inserts hooks at the head of the node's hook list, so the
oldest hook (the one that fixed the bridge's mode) is listed last.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.isplab.infra.plugins.module_utils.l2_bridge.model import connect_order, mode_name

CONFIG_FIELDS = ('debugLevel', 'loopTimeout', 'maxStaleness', 'minStableAge')

_NODE_RE = re.compile(r'^\s*Name: (?P<name>\S+)\s+Type: (?P<type>\S+)\s+ID: (?P<id>[0-9a-f]+)\s+'
                      r'Num hooks: (?P<hooks>\d+)\s*$')
_HOOK_LINE_RE = re.compile(r'^\s+(?P<local>\S+)\s+(?P<peer_name>\S+)\s+(?P<peer_type>\S+)\s+'
                           r'(?P<peer_id>[0-9a-f]{8})\s+(?P<peer_hook>\S+)\s*$')
_ARGS_RE = re.compile(r'^Args:\t(?P<args>.*)$', re.M)
_FIELD_RE = re.compile(r'(\w+)=(\[[^\]]*\]|"(?:[^"\\]|\\.)*"|[^\s{}\[\]]+)')
UNNAMED = '<unnamed>'


def _node(match):
    name = match.group('name')
    return {'name': None if name == UNNAMED else name, 'type': match.group('type'),
            'id': match.group('id'), 'num_hooks': int(match.group('hooks'))}


def parse_list(text):
    """``ngctl list`` -> list of nodes {name, type, id, num_hooks}."""
    nodes = []
    for line in text.splitlines():
        match = _NODE_RE.match(line)
        if match:
            nodes.append(_node(match))
    return nodes


def parse_show(text):
    """``ngctl show <path>`` -> {node..., hooks: [{hook, peer_name, peer_type, peer_id, peer_hook}]}.

    Hooks stay in ngctl's order (newest first).
    """
    node = None
    hooks = []
    for line in text.splitlines():
        match = _NODE_RE.match(line)
        if match:
            node = _node(match)
            continue
        if line.strip().startswith(('Local hook', '----------')):
            continue
        match = _HOOK_LINE_RE.match(line)
        if match:
            peer_name = match.group('peer_name')
            hooks.append({'hook': match.group('local'),
                          'peer_name': None if peer_name == UNNAMED else peer_name,
                          'peer_type': match.group('peer_type'), 'peer_id': match.group('peer_id'),
                          'peer_hook': match.group('peer_hook')})
    if node is None:
        raise ValueError('no node header in ngctl show output: %r' % text[:200])
    node['hooks'] = hooks
    return node


def parse_struct(text):
    """Flat ng_parse struct text ``{ a=1 b="x" c=[ 1 2 ] }`` -> dict (ints where numeric)."""
    result = {}
    body = text.strip()
    if not (body.startswith('{') and body.endswith('}')):
        raise ValueError('not an ng_parse struct: %r' % text[:200])
    for key, value in _FIELD_RE.findall(body[1:-1]):
        if value.startswith('"'):
            result[key] = value[1:-1]
        elif re.match(r'^-?\d+$', value):
            result[key] = int(value)
        else:
            result[key] = value
    return result


def parse_msg_response(text):
    """``ngctl msg <path> <cmd>`` output -> the parsed ``Args:`` struct ({} for "No arguments")."""
    match = _ARGS_RE.search(text)
    if not match:
        if 'No arguments' in text:
            return {}
        raise ValueError('no Args: line in ngctl msg output: %r' % text[:200])
    return parse_struct(match.group('args'))


def parse_config(text):
    """``msg <bridge>: getconfig`` -> the four config values, zero where ngctl omitted the field."""
    values = parse_msg_response(text)
    return dict((field, int(values.get(field, 0))) for field in CONFIG_FIELDS)


def format_config(config):
    """Every field is written: ng_parse fills omitted fields with zero, not with the current value."""
    return '{ %s }' % ' '.join('%s=%d' % (field, config[field]) for field in CONFIG_FIELDS)


def ether_node_name(ifname):
    """ng_ether names its node after the interface with only '.' and ':' replaced by '_'
    (ng_ether.c ng_ether_sanitize_ifname()); '[' and ']' stay, and the node is then left unnamed."""
    return re.sub(r'[.:]', '_', ifname)


def observed_mode(hooks):
    """Mode inferred from the oldest connected hook (listed last by ngctl show)."""
    if not hooks:
        return None
    oldest = hooks[-1]['hook']
    return mode_name(oldest.startswith('uplink'))


def peer_of(port):
    """(node name, node hook) a port's bridge hook connects to."""
    if port['kind'] == 'eiface':
        return port['interface'], 'ether'
    return ether_node_name(port['interface']), 'lower'


def _attach_lines(bridge, port, existing_nodes, first):
    """ngctl lines that connect one port; ``first`` means the bridge node does not exist yet."""
    peer, peer_hook = peer_of(port)
    hook = port['name']
    lines = []
    if port['kind'] == 'eiface' and peer not in existing_nodes:
        if first:
            # An eiface cannot be created by a node that does not exist yet: create it on the ngctl
            # socket, name it, and let the socket's hook go (ng_eiface persists without hooks).
            lines += ['mkpeer . eiface tmp ether', 'name .:tmp %s' % peer, 'rmhook . tmp']
        else:
            lines += ['mkpeer %s: eiface %s ether' % (bridge, hook), 'name %s:%s %s' % (bridge, hook, peer)]
            return lines
    if first:
        lines += ['mkpeer %s: bridge %s %s' % (peer, peer_hook, hook), 'name %s:%s %s' % (peer, peer_hook, bridge)]
    else:
        lines.append('connect %s: %s: %s %s' % (bridge, peer, hook, peer_hook))
    if port['kind'] == 'ether':
        # As /usr/share/examples/netgraph/ether.bridge: the interface must accept frames for other
        # hosts and must not overwrite their source addresses.
        lines += ['msg %s: setpromisc 1' % peer, 'msg %s: setautosrc 0' % peer]
    return lines


def plan(model, observed, existing_nodes, config, observed_config=None, rebuild=False, belief=None):
    """Plan the ngctl batch.

    model: validated bridge model; observed: parse_show() result or None when the bridge node is
    absent; existing_nodes: set of node names; config: desired full config dict; observed_config:
    parse_config() of the live bridge; belief: (mode, source, first hook) of the live bridge
    (netgraph_host.bridge_mode()), inferred from the oldest hook when not given.
    Returns {lines, add, remove, replace, mode_before, rebuild, create_lines, problems}.
    ``problems`` is non-empty when the plan must not be applied (mode change without rebuild,
    missing interfaces).
    """
    bridge = model['name']
    desired_mode = mode_name(model['restrictive'])
    result = {'lines': [], 'add': [], 'remove': [], 'replace': [], 'mode_before': None,
              'rebuild': False, 'problems': []}
    for port in model['ports']:
        if port['kind'] == 'ether' and re.search(r'[\[\]]', port['interface']):
            result['problems'].append('port %s: interface %s: ng_ether cannot name its node (netgraph names '
                                      'must not contain [ or ]), so no hook can address it by name'
                                      % (port['name'], port['interface']))
        elif port['kind'] == 'ether' and ether_node_name(port['interface']) not in existing_nodes:
            result['problems'].append('port %s: interface %s has no ng_ether node %s: (not an Ethernet '
                                      'interface on this host?)' % (port['name'], port['interface'],
                                                                    ether_node_name(port['interface'])))
    result['create_lines'] = _create_lines(model, existing_nodes - set([bridge]), config)
    if observed is None:
        result['lines'] = list(result['create_lines'])
        result['add'] = [p['name'] for p in model['ports']]
        return result
    hooks = observed['hooks']
    mode, source, first = belief or (observed_mode(hooks), 'oldest hook', hooks[-1]['hook'] if hooks else None)
    result['mode_before'] = mode
    if not hooks or (result['mode_before'] != desired_mode):
        if hooks and not rebuild:
            result['problems'].append(
                'bridge %s is %s (%s %s) but %s is wanted: ng_bridge fixes the mode with the '
                'first hook, so this needs rebuild=true, which disconnects every port briefly'
                % (bridge, mode, 'its oldest hook is' if source == 'oldest hook' else 'recorded, first hook', first,
                   desired_mode))
            return result
        result['rebuild'] = bool(hooks)
        result['lines'] = ['shutdown %s:' % bridge] + list(result['create_lines'])
        result['add'] = [p['name'] for p in model['ports']]
        result['remove'] = [h['hook'] for h in hooks]
        return result
    wanted = dict((p['name'], p) for p in model['ports'])
    have = dict((h['hook'], h) for h in hooks)
    lines = []
    for hook in sorted(have, key=_hook_sort_key):
        if hook not in wanted:
            lines.extend(_detach_lines(bridge, have[hook]))
            result['remove'].append(hook)
    for port in connect_order(model['ports'], model['restrictive']):
        peer, peer_hook = peer_of(port)
        current = have.get(port['name'])
        if current is not None and current['peer_name'] == peer and current['peer_hook'] == peer_hook:
            continue
        if current is not None:
            lines.append('rmhook %s: %s' % (bridge, port['name']))
            result['replace'].append(port['name'])
        else:
            result['add'].append(port['name'])
        lines.extend(_attach_lines(bridge, port, existing_nodes, first=False))
    if observed_config != config:
        lines.append('msg %s: setconfig %s' % (bridge, format_config(config)))
    result['lines'] = lines
    return result


def absent_lines(name, observed):
    """Batch that removes the bridge and the eiface nodes that existed only for its ports."""
    return [line for hook in observed['hooks'] for line in _detach_lines(name, hook)
            if line.startswith('shutdown')] + ['shutdown %s:' % name]


def describe(observed, config):
    """Diff view of a live bridge: hooks oldest first with their peers, and its config."""
    if observed is None:
        return None
    return {'hooks': ['%s -> %s:%s' % (h['hook'], h['peer_name'] or '[%s]' % h['peer_id'], h['peer_hook'])
                      for h in reversed(observed['hooks'])], 'config': config}


def describe_model(model, config):
    """Diff view of the bridge the model asks for."""
    return {'hooks': ['%s -> %s:%s' % ((p['name'],) + peer_of(p)) for p in model['ports']],
            'config': config, 'mode': mode_name(model['restrictive'])}


def _detach_lines(bridge, hook):
    if hook['peer_type'] == 'eiface' and hook['peer_name']:
        # The eiface (and its ngethN interface) only existed for this port.
        return ['shutdown %s:' % hook['peer_name']]
    return ['rmhook %s: %s' % (bridge, hook['hook'])]


def _hook_sort_key(name):
    match = re.match(r'^(\D+)(\d+)$', name)
    return (match.group(1), int(match.group(2))) if match else (name, 0)


def _create_lines(model, existing_nodes, config):
    """The batch that builds the bridge on a host without it (also the rc.d boot file)."""
    bridge = model['name']
    lines = []
    for index, port in enumerate(connect_order(model['ports'], model['restrictive'])):
        lines.extend(_attach_lines(bridge, port, existing_nodes, first=(index == 0)))
        if index == 0:
            # Without it, removing the last port would destroy the node and its configuration.
            lines.append('msg %s: setpersistent' % bridge)
    lines.append('msg %s: setconfig %s' % (bridge, format_config(config)))
    return lines


def boot_lines(model, config):
    """Batch for the rc.d script: after a reboot no netgraph node of ours exists, eifaces included."""
    return _create_lines(model, set(), config)
