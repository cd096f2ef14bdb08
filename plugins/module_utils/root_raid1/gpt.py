# -*- coding: utf-8 -*-
# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reads partition tables with ``sfdisk --json`` (every write is sgdisk's), parses blkid output, and holds
the GPT type GUIDs the layout uses (wipefs, lsblk: common.blockdev)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re

from ansible_collections.isplab.infra.plugins.module_utils.common.runner import CommandError

# Type GUIDs, never fdisk's numeric codes (they changed between util-linux versions).
BIOS_BOOT = '21686148-6449-6E6F-744E-656564454649'
EFI_SYSTEM = 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B'
LINUX_LVM = 'E6D6D379-F507-44C2-A23C-238F2A3DF928'
LINUX_RAID = 'A19D880F-05FC-4D3B-A006-743F0F84911E'
CEPH_OSD = '4FBD7E29-9D25-41B8-AFD0-062C0CEFF05D'

TYPE_NAMES = {BIOS_BOOT: 'BIOS boot', EFI_SYSTEM: 'EFI System', LINUX_LVM: 'Linux LVM',
              LINUX_RAID: 'Linux RAID', CEPH_OSD: 'Ceph OSD'}

NO_GPT_TYPE = '00000000-0000-0000-0000-000000000000'
_PARTNO = re.compile(r'(\d+)$')


def parse_sfdisk_json(text, rc=0):
    """``sfdisk --json <disk>`` (util-linux, read only): label, disk GUID, sector size and partition rows.

    No partition table: sfdisk exits 1 and prints nothing on stdout (util-linux 2.38.1, captured in
    tests/unit/fixtures/gpt/sfdisk_empty.json.rc); that is decided from the status and the empty output,
    never from the message.  A table of another label (``dos``) has ``has_table`` True, ``label`` 'dos'
    and no ``parts``: its types are not GPT type GUIDs.  Partition numbers come from the ``node`` names,
    which libfdisk builds as the device path plus separator plus number (libfdisk/src/utils.c,
    fdisk_partname()), and which sfdisk lists only for used entries."""
    result = {'has_table': False, 'label': None, 'disk_guid': None, 'logical_sector_size': None,
              'first_usable': None, 'last_usable': None, 'partitions': [], 'parts': {}}
    if rc != 0 and not text.strip():
        return result
    try:
        table = json.loads(text)['partitiontable']
    except (ValueError, KeyError, TypeError):
        raise ValueError('sfdisk --json printed no partition table JSON (exit status %d)' % rc)
    label = table.get('label')
    result.update(has_table=True, label=label, logical_sector_size=table.get('sectorsize'),
                  first_usable=table.get('firstlba'), last_usable=table.get('lastlba'))
    if label == 'gpt':
        result['disk_guid'] = (table.get('id') or '').upper() or None
    for entry in table.get('partitions', []):
        number = _PARTNO.search(entry['node'])
        row = {'number': int(number.group(1)), 'start': int(entry['start']),
               'end': int(entry['start']) + int(entry['size']) - 1, 'size': int(entry['size']),
               'name': entry.get('name', '')}
        result['partitions'].append(row)
        if label == 'gpt' and (entry.get('type') or NO_GPT_TYPE).upper() != NO_GPT_TYPE:
            info = dict(row, type_guid=entry['type'].upper(), unique_guid=(entry.get('uuid') or '').upper())
            del info['number'], info['size']
            result['parts'][row['number']] = info
    return result


def read_table(runner, disk):
    """One ``sfdisk --json`` read of ``disk``: ``(result, table)`` (parse_sfdisk_json); ``blockdev --getss``
    only when sfdisk did not print the sector size (its JSON has ``sectorsize`` in util-linux 2.38, bookworm)."""
    result = runner.run(['sfdisk', '--json', disk], expected_rc=None)
    try:
        table = parse_sfdisk_json(result.stdout, result.rc)
    except ValueError as exc:
        raise CommandError(result, '%s: %s' % (disk, exc))
    if table['has_table'] and not table['logical_sector_size']:
        table['logical_sector_size'] = int(runner.run(['blockdev', '--getss', disk]).stdout.strip())
    return result, table


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
    """True when both tables are GPTs with partitions ``numbers`` at the same sectors."""
    if table_a.get('label') != 'gpt' or table_b.get('label') != 'gpt':
        return False
    rows_a = dict((p['number'], (p['start'], p['end'])) for p in table_a.get('partitions', []))
    rows_b = dict((p['number'], (p['start'], p['end'])) for p in table_b.get('partitions', []))
    return all(n in rows_a and rows_a.get(n) == rows_b.get(n) for n in numbers)
