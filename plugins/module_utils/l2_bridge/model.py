# -*- coding: utf-8 -*-
# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one port model shared by the ng_bridge and Linux bridge backends.

A bridge has a name, a mode (restrictive or classic), a MAC hold time and
ports.  A port's name is the ng_bridge hook name (``link<N>``/``uplink<N>``);
the Linux backend uses the same names as labels, so one inventory describes
both.  The hook name rules are FreeBSD's ``ng_bridge_newhook()``: the number
must print back to the same text (``link01`` fails) and ``uplink0`` is refused.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

ROLES = ('uplink', 'link')
PORT_KINDS = ('ether', 'eiface')
# ng_bridge keeps host age/staleness in u_int16_t counters: a larger hold time never expires.
MAX_HOLD_TIME = 65535
# ng_bridge_newhook() parses the number into an unsigned 32-bit link number: link4294967296 is refused.
MAX_HOOK_NUMBER = 0xffffffff
_HOOK_RE = re.compile(r'^(uplink|link)(\d+)$')
# Valid as a netgraph node name and as a Linux interface name (IFNAMSIZ 16).
_BRIDGE_NAME_RE = re.compile(r'^[A-Za-z][A-Za-z0-9_-]{0,14}$')


def bridge_argument_spec(port_kinds, **extra):
    """Options of the bridge modules: the port model both backends share, plus the backend's own."""
    spec = dict(
        name=dict(type='str', required=True),
        state=dict(type='str', default='present', choices=['present', 'absent']),
        restrictive=dict(type='bool', default=True),
        mac_hold_time=dict(type='int', default=1500),
        ports=dict(type='list', elements='dict', default=[], options=dict(
            name=dict(type='str', required=True),
            interface=dict(type='str', required=True),
            role=dict(type='str', required=True, choices=list(ROLES)),
            kind=dict(type='str', default='ether', choices=list(port_kinds)),
        )),
    )
    spec.update(extra)
    return spec


def verify_argument_spec(**extra):
    """Options of the bridge verifiers: the expected bridge, stated in full, plus the backend's own."""
    spec = dict(
        name=dict(type='str', required=True),
        restrictive=dict(type='bool', required=True),
        mac_hold_time=dict(type='int', required=True),
        ports=dict(type='list', elements='dict', required=True),
        fail_on_error=dict(type='bool', default=True),
    )
    spec.update(extra)
    return spec


def mode_name(restrictive):
    return 'restrictive' if restrictive else 'classic'


def validate_params(module):
    """The module's bridge parameters validated, or fail_json listing every problem before any command."""
    params = module.params
    try:
        return validate(dict(name=params['name'], restrictive=params['restrictive'],
                             mac_hold_time=params['mac_hold_time'], ports=params['ports']))
    except BridgeModelError as exc:
        module.fail_json(msg='invalid bridge %s: %s' % (params['name'], exc), errors=exc.errors, commands=[])


class BridgeModelError(ValueError):
    """The bridge description is invalid; ``errors`` lists every problem found."""

    def __init__(self, errors):
        super(BridgeModelError, self).__init__('; '.join(errors))
        self.errors = errors


def parse_hook_name(name):
    """Return (role, number) for a valid ng_bridge hook name, else raise ValueError."""
    match = _HOOK_RE.match(name or '')
    if not match:
        raise ValueError("port name %r is not link<N> or uplink<N>" % (name,))
    prefix, digits = match.groups()
    number = int(digits)
    if str(number) != digits:
        raise ValueError("port name %r: the number must be canonical decimal (%s%d), ng_bridge "
                         "rejects it with EINVAL" % (name, prefix, number))
    if number > MAX_HOOK_NUMBER:
        raise ValueError("port name %r: ng_bridge hook numbers are unsigned 32-bit, at most %d"
                         % (name, MAX_HOOK_NUMBER))
    if prefix == 'uplink' and number == 0:
        raise ValueError("port name 'uplink0' is rejected by ng_bridge (EINVAL): uplinks start at uplink1")
    return prefix, number


def _is_positive_int(value):
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def validate(bridge):
    """Validate a bridge dict and return it normalised; raise BridgeModelError listing all problems.

    Normalised form: ``{name, restrictive, mac_hold_time, ports: [{name, interface, role, kind,
    number}]}`` with ports in their given order.
    """
    errors = []
    name = bridge.get('name')
    if not isinstance(name, str) or not _BRIDGE_NAME_RE.match(name):
        errors.append("bridge name %r must start with a letter and use at most 15 of A-Z a-z 0-9 _ -"
                      % (name,))
    restrictive = bridge.get('restrictive')
    if not isinstance(restrictive, bool):
        errors.append("restrictive must be true or false, got %r" % (restrictive,))
    hold = bridge.get('mac_hold_time')
    if not _is_positive_int(hold):
        errors.append("mac_hold_time must be a positive integer number of seconds, got %r" % (hold,))
    elif hold > MAX_HOLD_TIME:
        errors.append("mac_hold_time %d exceeds %d (ng_bridge counts staleness in 16 bits)"
                      % (hold, MAX_HOLD_TIME))
    ports = bridge.get('ports')
    if not isinstance(ports, list) or not ports:
        errors.append("ports must be a non-empty list")
        ports = []
    normalised = []
    seen_names = set()
    seen_interfaces = set()
    for index, port in enumerate(ports):
        where = 'ports[%d]' % index
        if not isinstance(port, dict):
            errors.append('%s must be a dict with name, interface and role' % where)
            continue
        pname = port.get('name')
        role = port.get('role')
        interface = port.get('interface')
        kind = port.get('kind', 'ether')
        number = None
        try:
            prefix, number = parse_hook_name(pname)
            if role not in ROLES:
                errors.append("%s (%s): role must be uplink or link, got %r" % (where, pname, role))
            elif prefix != role:
                errors.append("%s: port %s has role %s; ng_bridge derives the role from the name, "
                              "so name it %s<N>" % (where, pname, role, role))
        except ValueError as exc:
            errors.append('%s: %s' % (where, exc))
        if pname in seen_names:
            errors.append("%s: duplicate port name %s" % (where, pname))
        seen_names.add(pname)
        if not isinstance(interface, str) or not interface:
            errors.append("%s (%s): interface must be a non-empty string" % (where, pname))
        elif interface in seen_interfaces:
            errors.append("%s (%s): interface %s is already used by another port" % (where, pname, interface))
        else:
            seen_interfaces.add(interface)
        if kind not in PORT_KINDS:
            errors.append("%s (%s): kind must be one of %s, got %r" % (where, pname, ', '.join(PORT_KINDS), kind))
        normalised.append({'name': pname, 'interface': interface, 'role': role, 'kind': kind,
                           'number': number})
    roles = [p['role'] for p in normalised]
    if restrictive is True and normalised and 'uplink' not in roles:
        errors.append("restrictive mode needs at least one uplink port: ng_bridge only turns restrictive "
                      "when an uplink is the first hook")
    if restrictive is False and normalised and 'link' not in roles:
        errors.append("classic mode needs at least one link port connected first; with only uplinks the "
                      "bridge would become restrictive")
    if errors:
        raise BridgeModelError(errors)
    return {'name': name, 'restrictive': restrictive, 'mac_hold_time': hold, 'ports': normalised}


def connect_order(ports, restrictive):
    """Order in which a new bridge gets its ports: the mode is fixed by the first hook.

    Restrictive: uplinks first (the first uplink makes the node restrictive), then links.
    Classic: links first, so a later uplink cannot switch the mode.
    """
    first_role = 'uplink' if restrictive else 'link'
    first = [p for p in ports if p['role'] == first_role]
    rest = [p for p in ports if p['role'] != first_role]
    return sorted(first, key=lambda p: p['number']) + sorted(rest, key=lambda p: p['number'])


def arp_rule(mac_hold_time, arp_max_age, restrictive):
    """The MAC hold time must exceed the ARP lifetime, or quiet hosts behind links become unreachable.

    Returns (level, message): level is 'ok', 'warn' (classic: unknown unicast is still flooded to the
    host, so an aged-out MAC costs flooding, not reachability) or 'fail' (restrictive: links never get
    unknown unicast, so the host is unreachable until it speaks again).
    """
    if mac_hold_time > arp_max_age:
        return 'ok', 'mac_hold_time %d s exceeds the ARP lifetime %d s' % (mac_hold_time, arp_max_age)
    message = ('mac_hold_time %d s must exceed the ARP lifetime (net.link.ether.inet.max_age) %d s: '
               'a quiet host behind a link is forgotten by the bridge while peers still hold its ARP entry'
               % (mac_hold_time, arp_max_age))
    return ('fail' if restrictive else 'warn'), message
