# -*- coding: utf-8 -*-
# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Parsers for sgdisk and blkid output, and the GPT type GUIDs the layout uses (wipefs, lsblk: common.blockdev)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

# Type GUIDs, never fdisk's numeric codes (they changed between util-linux versions).
BIOS_BOOT = '21686148-6449-6E6F-744E-656564454649'
EFI_SYSTEM = 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B'
LINUX_LVM = 'E6D6D379-F507-44C2-A23C-238F2A3DF928'
LINUX_RAID = 'A19D880F-05FC-4D3B-A006-743F0F84911E'
CEPH_OSD = '4FBD7E29-9D25-41B8-AFD0-062C0CEFF05D'

TYPE_NAMES = {BIOS_BOOT: 'BIOS boot', EFI_SYSTEM: 'EFI System', LINUX_LVM: 'Linux LVM',
              LINUX_RAID: 'Linux RAID', CEPH_OSD: 'Ceph OSD'}

_DISK = re.compile(r'^Disk (?P<path>\S+): (?P<sectors>\d+) sectors')
_ROW = re.compile(r'^\s+(?P<number>\d+)\s+(?P<start>\d+)\s+(?P<end>\d+)\s+\S+ \S+\s+(?P<code>[0-9A-F]{4})\s*(?P<name>.*)$')


def parse_sgdisk_print(text):
    """``sgdisk -p <disk>``: geometry, disk GUID and partition rows. ``has_table`` is False when
    sgdisk found no GPT (it then says it is creating new entries in memory)."""
    result = {'has_table': 'Creating new GPT entries' not in text and 'converting MBR to GPT' not in text,
              'sectors': None, 'logical_sector_size': None, 'disk_guid': None, 'last_usable': None,
              'partitions': []}
    for line in text.splitlines():
        disk = _DISK.match(line)
        if disk:
            result['sectors'] = int(disk.group('sectors'))
            continue
        match = re.match(r'^Sector size \(logical(?:/physical)?\): (\d+)', line)
        if match:
            result['logical_sector_size'] = int(match.group(1))
            continue
        match = re.match(r'^Disk identifier \(GUID\): (\S+)', line)
        if match:
            result['disk_guid'] = match.group(1).upper()
            continue
        match = re.match(r'^First usable sector is (\d+), last usable sector is (\d+)', line)
        if match:
            result['last_usable'] = int(match.group(2))
            continue
        row = _ROW.match(line)
        if row:
            result['partitions'].append({'number': int(row.group('number')), 'start': int(row.group('start')),
                                         'end': int(row.group('end')), 'code': row.group('code'),
                                         'name': row.group('name').strip()})
    if not result['partitions'] and result['disk_guid'] is None:
        result['has_table'] = False
    return result


def parse_sgdisk_info(text):
    """``sgdisk -i N <disk>``: type GUID, unique GUID, first/last sector and name of one partition."""
    info = {}
    for line in text.splitlines():
        match = re.match(r'^Partition GUID code: (\S+)', line)
        if match:
            info['type_guid'] = match.group(1).upper()
        match = re.match(r'^Partition unique GUID: (\S+)', line)
        if match:
            info['unique_guid'] = match.group(1).upper()
        match = re.match(r'^First sector: (\d+)', line)
        if match:
            info['start'] = int(match.group(1))
        match = re.match(r'^Last sector: (\d+)', line)
        if match:
            info['end'] = int(match.group(1))
        match = re.match(r"^Partition name: '(.*)'$", line)
        if match:
            info['name'] = match.group(1)
    if 'type_guid' not in info or info['type_guid'] == '00000000-0000-0000-0000-000000000000':
        return None
    return info


def parse_blkid_export(text):
    """``blkid -p -o export <dev>``: KEY=value pairs (empty when nothing was found)."""
    values = {}
    for line in text.splitlines():
        if '=' in line:
            key, value = line.split('=', 1)
            values[key] = value
    return values


def partition_path(disk, number):
    """Kernel naming: a disk ending in a digit (nvme0n1, md0) gets a 'p' before the number."""
    return '%s%s%d' % (disk, 'p' if disk[-1].isdigit() else '', number)


def same_layout(table_a, table_b, numbers=(1, 2, 3)):
    """True when both tables have partitions ``numbers`` at the same sectors."""
    rows_a = dict((p['number'], (p['start'], p['end'])) for p in table_a.get('partitions', []))
    rows_b = dict((p['number'], (p['start'], p['end'])) for p in table_b.get('partitions', []))
    return all(n in rows_a and rows_a.get(n) == rows_b.get(n) for n in numbers)
