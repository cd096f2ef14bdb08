# -*- coding: utf-8 -*-
# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Named sets of records, monitors and attachments that the modules merge into the user's own.

The preset data lives only here: ``flow_monitor`` merges it before linting and planning, so check mode and
diff show the preset's commands like any other, and ``flow_monitor_verify`` expands the same presets into the
monitors and attachments it must find.

``te_paths`` (the router side of isplab.infra.flow_paths, field notes section 5): one record per direction on
every upstream/peer interface, keeping only local addresses, so unknown external addresses are aggregated on
the router. Both interfaces are always carried (one matched, one collected) and the peer is taken from the
interface through the collector's interface->peer table, never from a 'routing ... as peer' field.
IPv4 only in this release.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from ansible_collections.isplab.infra.plugins.module_utils.flow_monitor.model import DEFAULT_MONITOR

# Shared by flow_monitor and flow_monitor_verify (documented by the isplab.infra.ios_connection.presets fragment).
PRESET_ARGS = dict(
    presets=dict(type='list', elements='str', default=[], choices=['te_paths']),
    preset_interfaces=dict(type='list', elements='str', default=[]),
)

_TE_COLLECT = [
    'collect timestamp sys-uptime first',
    'collect timestamp sys-uptime last',
    'collect counter bytes long',
    'collect counter packets long',
]
TE_IN_FIELDS = [
    'match routing source as 4-octet',
    'match routing destination as 4-octet',
    'match interface input',
    'match ipv4 destination address',
] + _TE_COLLECT + ['collect interface output']
TE_OUT_FIELDS = [
    'match routing source as 4-octet',
    'match routing destination as 4-octet',
    'match interface output',
    'match ipv4 source address',
] + _TE_COLLECT + ['collect interface input']

# records: module input shape; monitors: without exporters (given per call); attachments: on every
# interface of preset_interfaces.
PRESETS = {
    'te_paths': {
        'records': [
            {'name': 'te-in', 'description': 'TE paths inbound: AS pair, input interface, local destination',
             'fields': TE_IN_FIELDS},
            {'name': 'te-out', 'description': 'TE paths outbound: AS pair, output interface, local source',
             'fields': TE_OUT_FIELDS},
        ],
        'monitors': [
            dict(DEFAULT_MONITOR, name='te-in', record='te-in', description='TE paths inbound (preset te_paths)'),
            dict(DEFAULT_MONITOR, name='te-out', record='te-out', description='TE paths outbound (preset te_paths)'),
        ],
        'attachments': [
            {'monitor': 'te-in', 'family': 'ipv4', 'direction': 'input'},
            {'monitor': 'te-out', 'family': 'ipv4', 'direction': 'output'},
        ],
    },
}


def _unique(names):
    seen = []
    for name in names or []:
        if name not in seen:
            seen.append(name)
    return seen


def _clashes(kind, preset, own, added):
    mine = set(item['name'] for item in own)
    return ["%s '%s' is defined both in %ss and by preset %s; rename your %s or leave the preset off"
            % (kind, item['name'], kind, preset, kind) for item in added if item['name'] in mine]


def merge_presets(presets, preset_interfaces, exporters, records=(), monitors=(), interfaces=()):
    """The user's records, monitors and interfaces (module input shape) with the presets' merged in.

    ``exporters``: exporter names the preset monitors export to. Returns ``{'records', 'monitors',
    'interfaces', 'problems'}``; the inputs are not modified. Preset attachments join the user's own on the
    same interface; a record or monitor name both define is a problem naming both.
    """
    merged = {'records': copy.deepcopy(list(records or [])), 'monitors': copy.deepcopy(list(monitors or [])),
              'interfaces': copy.deepcopy(list(interfaces or [])), 'problems': []}
    presets = _unique(presets)
    targets = _unique(preset_interfaces)
    if targets and not presets:
        merged['problems'].append('preset_interfaces lists %s but presets is empty: name the preset (te_paths) or '
                                  'leave preset_interfaces empty' % ', '.join(targets))
    for name in presets:
        preset = PRESETS[name]
        if not targets:
            lines = ', '.join("'ip flow monitor %s %s'" % (att['monitor'], att['direction']) for att in preset['attachments'])
            merged['problems'].append('preset %s needs preset_interfaces (role: flow_monitor_%s_interfaces): the '
                                      'upstream/peer interfaces that get %s' % (name, name, lines))
        merged['problems'] += _clashes('record', name, merged['records'], preset['records'])
        merged['problems'] += _clashes('monitor', name, merged['monitors'], preset['monitors'])
        merged['records'] += copy.deepcopy(preset['records'])
        merged['monitors'] += [dict(mon, exporters=list(exporters or [])) for mon in preset['monitors']]
        for ifname in targets:
            entry = next((item for item in merged['interfaces'] if item['name'] == ifname), None)
            if entry is None:
                entry = {'name': ifname, 'monitors': []}
                merged['interfaces'].append(entry)
            entry['monitors'] = list(entry.get('monitors') or [])
            entry['monitors'] += [dict(att) for att in preset['attachments'] if att not in entry['monitors']]
    return merged
