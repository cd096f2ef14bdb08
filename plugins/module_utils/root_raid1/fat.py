# -*- coding: utf-8 -*-
# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""FAT boot sectors and the /boot/efi line of fstab, for copying an ESP to the second disk.

A byte copy of the ESP carries the source's volume ID, which is what ``blkid`` reports as the
UUID and what the installer's fstab mounts /boot/efi by.  Two partitions with one UUID make
/dev/disk/by-uuid point at either, and the mount unit follows that link; the one lab failure
("/boot/efi doesn't look like an EFI partition") is suspected but not proven to come from it.
The copy gets a new ID.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import struct

FAT32_ID_OFFSET = 0x43
FAT16_ID_OFFSET = 0x27


def _u16(data, offset):
    return struct.unpack_from('<H', data, offset)[0]


def volume_id_offsets(head):
    """Where the volume ID sits: the boot sector, and for FAT32 also its backup copy."""
    if len(head) < 512 or head[510:512] != b'\x55\xaa':
        raise ValueError('not a FAT boot sector (no 55AA signature at offset 510)')
    bytes_per_sector = _u16(head, 11)
    if _u16(head, 22) != 0:
        return [FAT16_ID_OFFSET]
    offsets = [FAT32_ID_OFFSET]
    backup_sector = _u16(head, 0x32)
    if backup_sector not in (0, 0xFFFF):
        backup = backup_sector * bytes_per_sector + FAT32_ID_OFFSET
        if backup + 4 <= len(head):
            offsets.append(backup)
    return offsets


def format_volume_id(raw):
    """The 4 stored bytes as blkid prints the UUID of a FAT filesystem (XXXX-XXXX)."""
    value = struct.unpack('<I', raw)[0]
    return '%04X-%04X' % (value >> 16, value & 0xFFFF)


def volume_id(head):
    offset = volume_id_offsets(head)[0]
    return format_volume_id(head[offset:offset + 4])


def with_volume_id(head, raw):
    """``head`` with every copy of the volume ID replaced by the 4 bytes ``raw``."""
    data = bytearray(head)
    for offset in volume_id_offsets(head):
        data[offset:offset + 4] = raw
    return bytes(data)


def fstab_lines(text, mountpoint='/boot/efi'):
    """The active fstab lines that mount ``mountpoint``."""
    return [line for line in text.splitlines()
            if not line.lstrip().startswith('#') and line.split()[1:2] == [mountpoint]]


def esp_fstab_nofail(text, mountpoint='/boot/efi'):
    """fstab with ``nofail`` on the ``mountpoint`` line, so a node booted from the other disk alone
    (whose ESP has another UUID) does not stop in emergency mode; None when no line mounts it."""
    lines = text.splitlines(True)
    found = False
    for index, line in enumerate(lines):
        fields = line.split()
        if len(fields) < 4 or fields[0].startswith('#') or fields[1] != mountpoint:
            continue
        found = True
        if 'nofail' not in fields[3].split(','):
            fields[3] += ',nofail'
            lines[index] = ' '.join(fields) + ('\n' if line.endswith('\n') else '')
    return ''.join(lines) if found else None
