# -*- coding: utf-8 -*-
# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Parsers for Linux md RAID output: /proc/mdstat, mdadm --detail, --examine, --detail --brief."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

_MDSTAT_HEAD = re.compile(r'^(?P<name>md\w+)\s*:\s*(?P<state>\S+)\s+(?:\((?P<ro>[^)]*)\)\s+)?(?P<rest>.*)$')
_MDSTAT_MEMBER = re.compile(r'^(?P<dev>[^\s\[]+)\[(?P<slot>\d+)\](?P<flags>(?:\([A-Z]\))*)$')
_MDSTAT_BLOCKS = re.compile(r'^\s*(?P<blocks>\d+) blocks(?: super (?P<super>\S+))?.*?'
                            r'(?:\[(?P<raid>\d+)/(?P<working>\d+)\] \[(?P<map>[U_]+)\])?\s*$')
_MDSTAT_PROGRESS = re.compile(r'(?P<action>recovery|resync|reshape|check|repair)\s*=\s*(?P<percent>[\d.]+)%'
                              r'(?:\s*\((?P<done>\d+)/(?P<total>\d+)\))?'
                              r'(?:\s*finish=(?P<finish>\S+))?(?:\s*speed=(?P<speed>\d+)K/sec)?')
_MDSTAT_DELAYED = re.compile(r'(?P<action>recovery|resync)\s*=\s*(?P<what>DELAYED|PENDING)')


def parse_mdstat(text):
    """Arrays of /proc/mdstat keyed by name (``md0``), with members, map and any running sync."""
    arrays = {}
    current = None
    for line in text.splitlines():
        head = _MDSTAT_HEAD.match(line)
        if head and not line.startswith(' '):
            words = head.group('rest').split()
            level = words[0] if words and not _MDSTAT_MEMBER.match(words[0]) else None
            members = []
            for word in words[1 if level else 0:]:
                member = _MDSTAT_MEMBER.match(word)
                if member:
                    flags = re.findall(r'\(([A-Z])\)', member.group('flags'))
                    members.append({'device': member.group('dev'), 'slot': int(member.group('slot')),
                                    'spare': 'S' in flags, 'faulty': 'F' in flags})
            current = {'name': head.group('name'), 'state': head.group('state'), 'level': level,
                       'read_only': head.group('ro'), 'members': members, 'blocks': None,
                       'metadata': None, 'raid_disks': None, 'working_disks': None, 'map': None,
                       'sync': None}
            arrays[current['name']] = current
            continue
        if current is None:
            continue
        if not line.strip():
            current = None
            continue
        blocks = _MDSTAT_BLOCKS.match(line)
        if blocks and current['blocks'] is None:
            current['blocks'] = int(blocks.group('blocks'))
            current['metadata'] = blocks.group('super') or '0.90'
            if blocks.group('raid'):
                current['raid_disks'] = int(blocks.group('raid'))
                current['working_disks'] = int(blocks.group('working'))
                current['map'] = blocks.group('map')
            continue
        progress = _MDSTAT_PROGRESS.search(line)
        if progress:
            current['sync'] = {
                'action': progress.group('action'), 'percent': float(progress.group('percent')),
                'done_blocks': int(progress.group('done')) if progress.group('done') else None,
                'total_blocks': int(progress.group('total')) if progress.group('total') else None,
                'finish': progress.group('finish'),
                'speed_kib': int(progress.group('speed')) if progress.group('speed') else None}
            continue
        delayed = _MDSTAT_DELAYED.search(line)
        if delayed:
            current['sync'] = {'action': delayed.group('action'), 'percent': 0.0, 'done_blocks': None,
                               'total_blocks': None, 'finish': None, 'speed_kib': None,
                               'pending': delayed.group('what')}
    return arrays


def _key_values(text):
    values = {}
    for line in text.splitlines():
        if ' : ' not in line:
            continue
        key, value = line.split(' : ', 1)
        key = key.strip()
        if key and not key.startswith(('this', 'Number')):
            values[key.lower().replace(' ', '_')] = value.strip()
    return values


def _leading_int(value):
    match = re.match(r'\s*(\d+)', value or '')
    return int(match.group(1)) if match else None


_DETAIL_MEMBER = re.compile(r'^\s+(?P<number>\d+|-)\s+(?P<major>\d+)\s+(?P<minor>\d+)\s+(?P<raid>\d+|-)\s+'
                            r'(?P<state>.*?)\s*(?P<device>/dev/\S+)?\s*$')


def parse_detail(text):
    """``mdadm --detail <md>``: version, level, sizes, state words, UUID and the member table."""
    values = _key_values(text)
    members = []
    in_table = False
    for line in text.splitlines():
        if re.match(r'^\s+Number\s+Major\s+Minor\s+RaidDevice\s+State', line):
            in_table = True
            continue
        if in_table:
            member = _DETAIL_MEMBER.match(line)
            if member:
                state = member.group('state').split()
                members.append({'number': None if member.group('number') == '-' else int(member.group('number')),
                                'raid_device': None if member.group('raid') == '-' else int(member.group('raid')),
                                'state': state, 'device': member.group('device')})
    uuid = values.get('uuid', '').split(' ')[0] or None
    return {
        'version': values.get('version'),
        'level': values.get('raid_level'),
        'array_size_kib': _leading_int(values.get('array_size')),
        'used_dev_size_kib': _leading_int(values.get('used_dev_size')),
        'raid_devices': _leading_int(values.get('raid_devices')),
        'total_devices': _leading_int(values.get('total_devices')),
        'active_devices': _leading_int(values.get('active_devices')),
        'working_devices': _leading_int(values.get('working_devices')),
        'failed_devices': _leading_int(values.get('failed_devices')),
        'spare_devices': _leading_int(values.get('spare_devices')),
        'state': [word.strip() for word in values.get('state', '').split(',') if word.strip()],
        'rebuild_percent': _leading_int(values.get('rebuild_status')),
        'resync_percent': _leading_int(values.get('resync_status')),
        'uuid': uuid,
        'members': [m for m in members if m['device']],
    }


def parse_examine(text):
    """``mdadm --examine <member>``: the superblock as seen on one member (None when there is none)."""
    values = _key_values(text)
    if 'magic' not in values and 'version' not in values:
        return None
    return {
        'magic': values.get('magic'),
        'version': values.get('version'),
        'uuid': (values.get('uuid') or '').split(' ')[0] or None,
        'level': values.get('raid_level'),
        'raid_devices': _leading_int(values.get('raid_devices')),
        'preferred_minor': _leading_int(values.get('preferred_minor')),
        'used_dev_size_kib': _leading_int(values.get('used_dev_size')),
    }


def parse_brief(text):
    """The ARRAY line of ``mdadm --detail --brief``, without ``spares=`` (a rebuilding member counts
    as a spare there; written to mdadm.conf it would make the healthy array look short of a spare)."""
    for line in text.splitlines():
        if line.startswith('ARRAY '):
            words = [w for w in line.split() if not w.startswith('spares=')]
            return ' '.join(words)
    return None


def array_uuid_of_line(line):
    match = re.search(r'\bUUID=([0-9a-fA-F:]+)', line or '')
    return match.group(1).lower() if match else None


def conf_array_lines(text):
    """ARRAY lines of an mdadm.conf (continuation lines joined)."""
    lines = []
    for raw in text.splitlines():
        if raw.startswith((' ', '\t')) and lines and raw.strip() and not raw.strip().startswith('#'):
            lines[-1] += ' ' + raw.strip()
        elif raw.startswith('ARRAY'):
            lines.append(raw.strip())
    return lines


def member_data_bytes_090(partition_bytes):
    """Bytes a 0.90 member exposes to the array: its size rounded down to 64 KiB, minus the
    64 KiB reserved for the superblock at the end (md_p.h: MD_NEW_SIZE_SECTORS)."""
    reserved = 64 * 1024
    return (partition_bytes // reserved) * reserved - reserved
