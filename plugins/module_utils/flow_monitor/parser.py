# -*- coding: utf-8 -*-
# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Parsers for IOS-XE Flexible NetFlow output.

- ``show running-config | section flow``: flow record/exporter/monitor
  blocks and every interface block that carries an ``ip|ipv6 flow monitor``
  line (``section`` prints the whole parent section when a child matches).
- ``show flow record``, ``show flow exporter templates``, ``show flow monitor``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.isplab.infra.plugins.module_utils.flow_monitor.model import EXPORT_PROTOCOLS, IOS_DEFAULTS

_PROTOCOL_VERSIONS = dict((keyword, version) for version, keyword in EXPORT_PROTOCOLS.items())
_ATTACH = re.compile(r'^(ip|ipv6) flow monitor (\S+)(?: sampler \S+)? (input|output)$')


def _blocks(text):
    """Top-level lines with their indented children; '!' and blank lines separate nothing."""
    blocks = []
    for raw in text.splitlines():
        line = raw.rstrip()
        if not line.strip() or line.strip() == '!' or line.startswith('Building configuration'):
            continue
        if line[0] != ' ':
            blocks.append((line, []))
        elif blocks:
            blocks[-1][1].append(line.strip())
    return blocks


def parse_running_config(text):
    """Model dicts (see flow_monitor.model) from ``show running-config | section flow``."""
    model = {'exporters': {}, 'records': {}, 'monitors': {}, 'interfaces': {}}
    for head, children in _blocks(text):
        if head.startswith('flow record '):
            rec = {'description': None, 'fields': []}
            for line in children:
                if line.startswith('description '):
                    rec['description'] = line[len('description '):]
                elif line.startswith(('match ', 'collect ')):
                    rec['fields'].append(line)
            model['records'][head[len('flow record '):]] = rec
        elif head.startswith('flow exporter '):
            exp = {'description': None, 'destination': None, 'vrf': None, 'source': None,
                   'transport_port': IOS_DEFAULTS['transport_port'], 'version': IOS_DEFAULTS['version'],
                   'template_timeout': IOS_DEFAULTS['template_timeout']}
            for line in children:
                words = line.split()
                if words[0] == 'description':
                    exp['description'] = line[len('description '):]
                elif words[0] == 'destination':
                    # 'destination A.B.C.D [vrf NAME]'
                    exp['destination'] = words[1]
                    exp['vrf'] = words[3] if words[2:3] == ['vrf'] and len(words) > 3 else None
                elif words[0] == 'source':
                    exp['source'] = words[1]
                elif words[:2] == ['transport', 'udp']:
                    exp['transport_port'] = int(words[2])
                elif words[0] == 'export-protocol':
                    exp['version'] = _PROTOCOL_VERSIONS.get(words[1], words[1])
                elif words[:3] == ['template', 'data', 'timeout']:
                    exp['template_timeout'] = int(words[3])
            model['exporters'][head[len('flow exporter '):]] = exp
        elif head.startswith('flow monitor '):
            mon = {'description': None, 'record': None, 'exporters': [],
                   'active_timeout': IOS_DEFAULTS['active_timeout'],
                   'inactive_timeout': IOS_DEFAULTS['inactive_timeout'],
                   'update_timeout': IOS_DEFAULTS['update_timeout'], 'cache_entries': None}
            for line in children:
                words = line.split()
                if words[0] == 'description':
                    mon['description'] = line[len('description '):]
                elif words[0] == 'record':
                    mon['record'] = line[len('record '):]
                elif words[0] == 'exporter':
                    mon['exporters'].append(words[1])
                elif words[:2] == ['cache', 'timeout'] and words[2] in ('active', 'inactive', 'update'):
                    mon['%s_timeout' % words[2]] = int(words[3])
                elif words[:2] == ['cache', 'entries']:
                    mon['cache_entries'] = int(words[2])
            mon['exporters'] = sorted(set(mon['exporters']))
            model['monitors'][head[len('flow monitor '):]] = mon
        elif head.startswith('interface '):
            attachments = []
            for line in children:
                match = _ATTACH.match(line)
                if match:
                    attachments.append({'family': 'ipv6' if match.group(1) == 'ipv6' else 'ipv4',
                                        'monitor': match.group(2), 'direction': match.group(3)})
            if attachments:
                model['interfaces'][head[len('interface '):]] = attachments
    return model


def _sections(lines, header):
    """[(name, body)] per section of ``show`` output whose first line matches ``header`` (group 1 = name).

    Body lines are stripped, blank ones dropped; lines before the first header belong to no section.
    """
    sections = []
    for raw in lines:
        line = raw.strip()
        match = re.match(header, line)
        if match:
            sections.append((match.group(1), []))
        elif sections and line:
            sections[-1][1].append(line)
    return sections


def parse_show_flow_record(text):
    """``show flow record`` -> {name: {description, users, field_space, fields}}."""
    records = {}
    for name, body in _sections(text.splitlines(), r'^flow record (.+):$'):
        current = records[name] = {'description': None, 'users': 0, 'field_space': None, 'fields': []}
        in_fields = False
        for line in body:
            if line.startswith('Description:'):
                current['description'] = line.split(':', 1)[1].strip()
            elif line.startswith('No. of users:'):
                current['users'] = int(line.split(':', 1)[1])
            elif line.startswith('Total field space:'):
                current['field_space'] = int(line.split(':', 1)[1].split()[0])
            elif line == 'Fields:':
                in_fields = True
            elif in_fields and line.startswith(('match ', 'collect ')):
                current['fields'].append(line)
    return records


_TEMPLATE_KEYS = {'Exporter Format': 'format', 'Template ID': 'template_id', 'Source ID': 'source_id',
                  'Record Name': 'record'}


def parse_show_flow_exporter_templates(text):
    """``show flow exporter templates`` -> list of templates.

    Each: {exporter, monitor, format, template_id, source_id, record, fields: [{name, type, offset, size}]}.
    """
    templates = []
    for exporter, exporter_body in _sections(text.splitlines(), r'^Flow Exporter (.+):$'):
        for monitor, body in _sections(exporter_body, r'^Client: Flow Monitor (.+)$'):
            current = {'exporter': exporter, 'monitor': monitor, 'format': None, 'template_id': None,
                       'source_id': None, 'record': None, 'fields': []}
            templates.append(current)
            for line in body:
                match = re.match(r'^(Exporter Format|Template ID|Source ID|Record Name)\s*:\s*(.*)$', line)
                if match:
                    key = _TEMPLATE_KEYS[match.group(1)]
                    value = match.group(2).strip()
                    current[key] = int(value) if key in ('template_id', 'source_id') else value
                    continue
                match = re.match(r'^\|\s*(.+?)\s*\|\s*(\d+)\s*\|\s*(\d+)\s*\|\s*(\d+)\s*\|$', line)
                if match:
                    current['fields'].append({'name': match.group(1), 'type': int(match.group(2)),
                                              'offset': int(match.group(3)), 'size': int(match.group(4))})
    return templates


def parse_show_flow_monitor(text):
    """``show flow monitor`` -> {name: {description, record, exporters, cache: {...}}} (timeouts in seconds)."""
    monitors = {}
    for name, body in _sections(text.splitlines(), r'^Flow Monitor (.+):$'):
        current = monitors[name] = {'description': None, 'record': None, 'exporters': [], 'cache': {}}
        last_key = None
        for line in body:
            key, sep, value = line.partition(':')
            value = value.strip()
            if not sep:
                # continuation line of a multi-value key (several exporters)
                if last_key == 'Flow Exporter':
                    current['exporters'].append(line)
                continue
            last_key = key
            if key == 'Description':
                current['description'] = value
            elif key == 'Flow Record':
                current['record'] = value
            elif key == 'Flow Exporter':
                current['exporters'].extend(v.strip() for v in value.split(',') if v.strip())
            elif key in ('Type', 'Status'):
                current['cache'][key.lower()] = value
            elif key == 'Size':
                current['cache']['entries'] = int(value.split()[0])
            elif key.endswith('Timeout'):
                current['cache'][key.split()[0].lower() + '_timeout'] = int(value.split()[0])
    return monitors
