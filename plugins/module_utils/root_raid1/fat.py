# -*- coding: utf-8 -*-
# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""FAT volume IDs of the two ESPs, read and written with dosfstools' ``fatlabel -i``.

A byte copy of the ESP carries the source's volume ID, which is what ``blkid`` reports as the
UUID and what the installer's fstab mounts /boot/efi by.  Two partitions with one UUID make
/dev/disk/by-uuid point at either, and the mount unit follows that link; the one lab failure
("/boot/efi doesn't look like an EFI partition") is suspected but not proven to come from it.
The copy gets a new ID; fatlabel writes it into the boot sector and the FAT32 backup boot sector.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import binascii
import contextlib
import os
import re
import tempfile

_SERIAL = re.compile(r'^\s*([0-9a-fA-F]{8})\s*$')


def parse_volume_id(text):
    """``fatlabel -i DEV`` prints the serial as 8 hex digits; returned as blkid prints it (XXXX-XXXX)."""
    for line in text.splitlines():
        match = _SERIAL.match(line)
        if match:
            value = match.group(1).upper()
            return '%s-%s' % (value[:4], value[4:])
    return None


def new_volume_id(avoid, random_bytes=os.urandom):
    """A random serial in the form ``fatlabel -i DEV NEW`` takes (8 hex digits), never ``avoid`` (XXXX-XXXX)."""
    taken = (avoid or '').replace('-', '').upper()
    while True:
        value = binascii.hexlify(random_bytes(4)).decode('ascii').upper()
        if value != taken:
            return value


@contextlib.contextmanager
def looked_at(runner, esp, mounted_at=None):
    """The directory holding the files of ``esp``: ``mounted_at`` when it is mounted there, else a private
    read-only mount made for the look and undone after it."""
    if mounted_at:
        yield mounted_at
        return
    directory = tempfile.mkdtemp(prefix='isplab-esp-')
    try:
        runner.run(['mount', '-o', 'ro', esp, directory])
        try:
            yield directory
        finally:
            runner.run(['umount', directory])
    finally:
        os.rmdir(directory)
