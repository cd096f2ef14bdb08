# -*- coding: utf-8 -*-
# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Flexible NetFlow data model for IOS-XE: field catalogue, normalisation, rendering (lints: lint.py).

The model is plain dicts so parsers, the planner and tests share one shape::

    {'exporters': {name: {description, destination, vrf, source, transport_port, version, template_timeout}},
     'records':   {name: {description, fields: [ 'match ...' | 'collect ...' ], allow_peer_as (desired only)}},
     'monitors':  {name: {description, record, exporters: [..], active_timeout,
                          inactive_timeout, update_timeout, cache_entries}},
     'interfaces': {ifname: [{'family', 'monitor', 'direction'}]}}
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# IOS-XE defaults: a value equal to these is not shown in the running config.
IOS_DEFAULTS = {
    'transport_port': 9995,
    'version': '9',
    'template_timeout': 600,
    'active_timeout': 1800,
    'inactive_timeout': 15,
    'update_timeout': 1800,
}
# export-protocol keyword per model version ('9' is the default and not shown in the running config)
EXPORT_PROTOCOLS = {'5': 'netflow-v5', '9': 'netflow-v9', 'ipfix': 'ipfix'}
# Template refresh this collection configures: nfcapd keeps templates in memory only, so after a collector
# restart a router's data is undecodable until the next refresh (field notes section 6); 60 s bounds that loss.
DEFAULT_TEMPLATE_TIMEOUT = 60

# What this collection configures when the user says nothing: the field fix (field notes section 3).
DEFAULT_RECORD_FIELDS = [
    'match routing source as 4-octet',
    'match routing destination as 4-octet',
    'collect counter bytes long',
    'collect counter packets long',
    'collect timestamp sys-uptime first',
    'collect timestamp sys-uptime last',
]
DEFAULT_MONITOR = {'active_timeout': 100, 'inactive_timeout': 15, 'update_timeout': 150}
DEFAULT_COLLECTOR_INTERVAL = 300

# Argument spec of interface attachments, shared by the push and the verifier
# (documented by the isplab.infra.ios_connection.attachments doc fragment).
ATTACHMENT_ARGS = dict(type='list', elements='dict', default=[], options=dict(
    name=dict(type='str', required=True),
    monitors=dict(type='list', elements='dict', default=[], options=dict(
        monitor=dict(type='str', required=True),
        family=dict(type='str', default='ipv4', choices=['ipv4', 'ipv6']),
        direction=dict(type='str', default='input', choices=['input', 'output'])))))

# keyword (after match/collect) -> (NetFlow v9 field type, size in bytes, kind)
FIELDS = {
    'routing source as': (16, 2, 'as'),
    'routing source as 4-octet': (16, 4, 'as'),
    'routing destination as': (17, 2, 'as'),
    'routing destination as 4-octet': (17, 4, 'as'),
    'routing source as peer': (129, 2, 'as'),
    'routing source as peer 4-octet': (129, 4, 'as'),
    'routing destination as peer': (128, 2, 'as'),
    'routing destination as peer 4-octet': (128, 4, 'as'),
    'routing next-hop address ipv4': (15, 4, 'other'),
    'interface input': (10, 4, 'interface'),
    'interface output': (14, 4, 'interface'),
    'flow direction': (61, 1, 'other'),
    'flow sampler': (48, 4, 'other'),  # 4 bytes: netflow-original adds up to 53 (field notes section 6)
    'counter bytes': (1, 4, 'counter'),
    'counter bytes long': (1, 8, 'counter'),
    'counter packets': (2, 4, 'counter'),
    'counter packets long': (2, 8, 'counter'),
    'timestamp sys-uptime first': (22, 4, 'time'),
    'timestamp sys-uptime last': (21, 4, 'time'),
    'ipv4 source address': (8, 4, 'address'),
    'ipv4 destination address': (12, 4, 'address'),
    'ipv6 source address': (27, 16, 'address'),
    'ipv6 destination address': (28, 16, 'address'),
    'transport source-port': (7, 2, 'port'),
    'transport destination-port': (11, 2, 'port'),
    'ipv4 protocol': (4, 1, 'other'),
    'ipv6 protocol': (4, 1, 'other'),
    'ipv4 tos': (5, 1, 'other'),
    'ipv4 source mask': (9, 1, 'other'),
    'ipv4 destination mask': (13, 1, 'other'),
    'transport tcp flags': (6, 1, 'other'),
}

# Predefined records a monitor may name without defining them (IOS-XE `show flow record`).
PREDEFINED_RECORDS = {
    'netflow-original': [
        'match ipv4 tos', 'match ipv4 protocol', 'match ipv4 source address', 'match ipv4 destination address',
        'match transport source-port', 'match transport destination-port', 'match interface input',
        'match flow sampler', 'collect routing source as', 'collect routing destination as',
        'collect routing next-hop address ipv4', 'collect ipv4 source mask', 'collect ipv4 destination mask',
        'collect transport tcp flags', 'collect interface output', 'collect counter bytes',
        'collect counter packets', 'collect timestamp sys-uptime first', 'collect timestamp sys-uptime last'],
    'netflow ipv4 as': [
        'match routing source as', 'match routing destination as', 'match interface input',
        'match interface output', 'match flow direction', 'collect counter bytes',
        'collect counter packets', 'collect timestamp sys-uptime first', 'collect timestamp sys-uptime last'],
    'netflow ipv4 as peer': [
        'match routing source as peer', 'match routing destination as peer', 'match interface input',
        'match interface output', 'match flow direction', 'collect counter bytes',
        'collect counter packets', 'collect timestamp sys-uptime first', 'collect timestamp sys-uptime last'],
}


class FlowModelError(ValueError):
    """Input that does not describe a valid flow configuration."""


def split_field(line):
    """'match routing source as 4-octet' -> ('match', 'routing source as 4-octet'); None if unknown."""
    words = ' '.join(line.split())
    verb, _sep, keyword = words.partition(' ')
    if verb not in ('match', 'collect') or keyword not in FIELDS:
        return None
    return verb, keyword


def _text(value):
    return None if value is None or value == '' else str(value)


def _int(value, default):
    # 0 is a value (refused by validate), not "unset"
    return default if value is None or value == '' else int(value)


def normalize(exporters=None, records=None, monitors=None, interfaces=None):
    """Module/role input (lists of dicts) -> model dicts with defaults applied."""
    model = {'exporters': {}, 'records': {}, 'monitors': {}, 'interfaces': {}}
    for item in exporters or []:
        version = str(item.get('version') or '9').lower()
        model['exporters'][item['name']] = {
            'description': _text(item.get('description')),
            'destination': _text(item.get('destination')),
            'vrf': _text(item.get('vrf')),
            'source': _text(item.get('source')),
            'transport_port': _int(item.get('transport_port'), IOS_DEFAULTS['transport_port']),
            'version': 'ipfix' if version in ('ipfix', '10') else version,
            'template_timeout': _int(item.get('template_timeout'), DEFAULT_TEMPLATE_TIMEOUT),
        }
    for item in records or []:
        fields = item.get('fields')
        model['records'][item['name']] = {
            'description': _text(item.get('description')),
            'fields': [' '.join(f.split()) for f in (DEFAULT_RECORD_FIELDS if fields is None else fields)],
            # not router state: it only lets lint.py accept 'routing ... as peer' fields in this record
            'allow_peer_as': bool(item.get('allow_peer_as')),
        }
    for item in monitors or []:
        entry = {'description': _text(item.get('description')), 'record': item.get('record'),
                 'exporters': sorted(set(item.get('exporters') or []))}
        for key, default in DEFAULT_MONITOR.items():
            value = item.get(key)
            entry[key] = default if value is None else int(value)
        entry['cache_entries'] = None if item.get('cache_entries') is None else int(item['cache_entries'])
        model['monitors'][item['name']] = entry
    for item in interfaces or []:
        attachments = model['interfaces'].setdefault(item['name'], [])
        for mon in item.get('monitors') or []:
            attachment = {'family': mon.get('family') or 'ipv4', 'monitor': mon['monitor'],
                          'direction': mon.get('direction') or 'input'}
            if attachment not in attachments:
                attachments.append(attachment)
    return model


def record_fields(model, name):
    """Fields of a defined or predefined record, or None."""
    if name in model['records']:
        return model['records'][name]['fields']
    return PREDEFINED_RECORDS.get(name)


def attachment_line(att):
    return '%s flow monitor %s %s' % ('ipv6' if att['family'] == 'ipv6' else 'ip', att['monitor'], att['direction'])


def destination_line(exp):
    return 'destination %s%s' % (exp['destination'], ' vrf %s' % exp['vrf'] if exp.get('vrf') else '')


def exporter_lines(exp):
    lines = []
    if exp.get('description'):
        lines.append('description %s' % exp['description'])
    if exp.get('destination'):
        lines.append(destination_line(exp))
    if exp.get('source'):
        lines.append('source %s' % exp['source'])
    # Always explicit: the collector's port must not depend on a platform default.
    lines.append('transport udp %d' % exp['transport_port'])
    if exp['version'] != IOS_DEFAULTS['version']:
        lines.append('export-protocol %s' % EXPORT_PROTOCOLS[exp['version']])
    if exp['template_timeout'] != IOS_DEFAULTS['template_timeout']:
        lines.append('template data timeout %d' % exp['template_timeout'])
    return lines


def monitor_lines(mon):
    lines = []
    if mon.get('description'):
        lines.append('description %s' % mon['description'])
    for exporter in sorted(mon['exporters']):
        lines.append('exporter %s' % exporter)
    for key, word in (('active_timeout', 'active'), ('inactive_timeout', 'inactive'), ('update_timeout', 'update')):
        if mon[key] != IOS_DEFAULTS[key]:
            lines.append('cache timeout %s %d' % (word, mon[key]))
    if mon.get('cache_entries'):
        lines.append('cache entries %d' % mon['cache_entries'])
    if mon.get('record'):
        lines.append('record %s' % mon['record'])
    return lines


def render(model):
    """Canonical text of the flow sections (for diffs; order-insensitive where IOS is)."""
    out = []
    for name, rec in sorted(model['records'].items()):
        out.append('flow record %s' % name)
        if rec.get('description'):
            out.append(' description %s' % rec['description'])
        out.extend(' ' + f for f in sorted(rec['fields']))
    for name, exp in sorted(model['exporters'].items()):
        out.append('flow exporter %s' % name)
        out.extend(' ' + line for line in exporter_lines(exp))
    for name, mon in sorted(model['monitors'].items()):
        out.append('flow monitor %s' % name)
        out.extend(' ' + line for line in monitor_lines(mon))
    for ifname, attachments in sorted(model['interfaces'].items()):
        if attachments:
            out.append('interface %s' % ifname)
            out.extend(' ' + attachment_line(a) for a in sorted(attachments, key=attachment_line))
    return '\n'.join(out) + '\n'
