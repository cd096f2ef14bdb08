# -*- coding: utf-8 -*-
# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Parsers for LVM JSON reports (``--reportformat json --units b``) and the managed lvm.conf filter."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re

PVS_FIELDS = 'pv_name,vg_name,pv_size,pe_start,pv_pe_count,pv_pe_alloc_count,pv_uuid'
VGS_FIELDS = 'vg_name,vg_uuid,vg_extent_size,vg_extent_count,vg_free_count,pv_count,lv_count'
LVS_FIELDS = 'lv_name,vg_name,lv_attr,lv_size,copy_percent,move_pv'

FILTER_BEGIN = '# BEGIN isplab.infra root_raid1'
FILTER_END = '# END isplab.infra root_raid1'


def _number(value):
    """LVM prints sizes as '1234B' with --units b and counts as plain numbers; '' stays None."""
    if value is None:
        return None
    value = str(value).strip()
    if value == '':
        return None
    match = re.match(r'^(\d+(?:\.\d+)?)B?$', value)
    if not match:
        return value
    number = match.group(1)
    return float(number) if '.' in number else int(number)


def _rows(text, key):
    data = json.loads(text) if text.strip() else {'report': []}
    rows = []
    for report in data.get('report', []):
        rows.extend(report.get(key, []))
    return rows


def parse_pvs(text):
    return [dict((k, v if k in ('pv_name', 'vg_name', 'pv_uuid') else _number(v)) for k, v in row.items())
            for row in _rows(text, 'pv')]


def parse_vgs(text):
    return [dict((k, v if k in ('vg_name', 'vg_uuid') else _number(v)) for k, v in row.items())
            for row in _rows(text, 'vg')]


def parse_lvs(text):
    rows = []
    for row in _rows(text, 'lv'):
        entry = dict(row)
        entry['lv_size'] = _number(row.get('lv_size'))
        entry['copy_percent'] = _number(row.get('copy_percent'))
        rows.append(entry)
    return rows


def pvmove_lvs(lvs):
    """The hidden pvmove LVs (attr starts with 'p'): present while a move runs or was interrupted."""
    return [lv for lv in lvs if (lv.get('lv_attr') or '').startswith('p')]


def extents_available(member_bytes, pe_start, extent_size):
    """Extents a PV of ``member_bytes`` would offer with the given data start and extent size."""
    if member_bytes <= pe_start:
        return 0
    return (member_bytes - pe_start) // extent_size


def managed_filter_block(reject_paths):
    """The lvm.conf ``devices`` lines this collection manages: raw RAID members are rejected by a
    stable alias (a by-partuuid link; LVM rejects a device when every name that matches a pattern
    matches a reject pattern), and md component detection reads the member's end, where 0.90 keeps
    its superblock."""
    for path in reject_paths:
        if not re.match(r'^[A-Za-z0-9/_.:-]+$', path):
            raise ValueError('refusing to put %r into an LVM filter pattern' % path)
    patterns = ', '.join('"r|^%s$|"' % path for path in reject_paths)
    return '\n'.join([
        '\t' + FILTER_BEGIN,
        '\tglobal_filter = [ %s ]' % patterns,
        '\tmd_component_detection = 1',
        '\tmd_component_checks = "full"',
        '\t' + FILTER_END,
    ])


def current_managed_block(conf_text):
    match = re.search(r'^[ \t]*' + re.escape(FILTER_BEGIN) + r'\n.*?^[ \t]*' + re.escape(FILTER_END) + r'$',
                      conf_text, re.M | re.S)
    return match.group(0) if match else None


def foreign_global_filter(conf_text):
    """An active global_filter outside the managed block: two would silently override each other."""
    block = current_managed_block(conf_text)
    rest = conf_text.replace(block, '') if block else conf_text
    return bool(re.search(r'^\s*global_filter\s*=', rest, re.M))


def with_managed_block(conf_text, block):
    """lvm.conf text with the managed block replaced, or inserted at the top of ``devices {``."""
    existing = current_managed_block(conf_text)
    if existing:
        return conf_text.replace(existing, block)
    match = re.search(r'^devices\s*\{[^\n]*\n', conf_text, re.M)
    if not match:
        return conf_text.rstrip('\n') + '\ndevices {\n' + block + '\n}\n'
    return conf_text[:match.end()] + block + '\n' + conf_text[match.end():]


def managed_rejects(conf_text):
    block = current_managed_block(conf_text)
    if not block:
        return []
    return re.findall(r'"r\|\^(.*?)\$\|"', block)
