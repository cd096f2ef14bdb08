# -*- coding: utf-8 -*-
# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Replacing a failed member: the converted mirror runs degraded and a new disk takes the dead one's place.

The conversion's phases already know how to copy a table, the boot partitions and the retype from the
disk that holds the data (disk 1) to the one that does not (disk 2).  ``normalise`` therefore turns a
replacement into exactly that shape - the survivor plays disk 1, the new disk disk 2 - whichever of the
two names the operator gave the new disk.  The swap is made in the params and the snapshot themselves,
so the executor acts on the same disks the plan names; ``state['replacement']`` keeps the operator's
names for the result.

Crash notes (every phase is recognised from the live state again on the rerun):
- table copied, no ``mdadm --add`` yet: the new disk is still outside the array, the replacement is
  recognised again and continues with whatever copy, retype, filter step is still missing, then the add;
- added, resync running: the new member is in the array, so this is no longer a replacement but the
  end of a conversion; ``StampReplacing`` dropped the bootloader stamp before the add, so the rerun
  redoes the boot code on both disks (the initramfs too while older than lvm.conf) and waits for the resync.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.isplab.infra.plugins.module_utils.common import blockdev, fstab
from ansible_collections.isplab.infra.plugins.module_utils.common.files import read_text
from ansible_collections.isplab.infra.plugins.module_utils.root_raid1 import gpt, mdraid
from ansible_collections.isplab.infra.plugins.module_utils.root_raid1.refusals import (
    ERR_REPLACE_BUSY, ERR_REPLACE_STALE_MD, Refusal, array_holding, disk2_is_ours, resolve_member)

# state.py's path (state.py imports this file, so it cannot be imported from here)
FSTAB = '/etc/fstab'
KEYS = ('disk1', 'disk2')


def _md_uuid(state):
    return ((state.get('md_detail') or {}).get('uuid') or '').lower() or None


def survivor_of(params, state):
    """``'disk1'`` or ``'disk2'``: the declared disk whose p3 is the one active member of the degraded
    array while the other declared disk has no member in it, after a finished conversion; else None.

    "Finished" is the bootloader stamp (or the replacement's own stamp) carrying the array's UUID: the
    middle of a conversion (md0 on disk 2 alone, disk 1 not added yet) looks the same otherwise, and
    its own last phases finish it.
    """
    md_name = params['md_device'].rsplit('/', 1)[-1]
    array = state['mdstat'].get(md_name)
    uuid = _md_uuid(state)
    stamp = state.get('stamp') or {}
    if not array or not uuid or uuid not in (str(stamp.get('bootloader')).lower(), str(stamp.get('replacing')).lower()):
        return None
    members = set(resolve_member(m['device']) for m in array['members'])
    active = [resolve_member(m['device']) for m in array['members'] if not (m['spare'] or m['faulty'])]
    p3 = dict((key, gpt.partition_path(params[key], 3)) for key in KEYS)
    for survivor, new in (KEYS, KEYS[::-1]):
        if active == [p3[survivor]] and p3[new] not in members:
            return survivor
    return None


def fstab_esp_uuid(text):
    """The volume ID /etc/fstab mounts /boot/efi by (``UUID=`` or /dev/disk/by-uuid/), else None."""
    found = fstab.entries_for(text, '/boot/efi')
    source = found[0]['source'] if len(found) == 1 else ''
    for prefix in ('UUID=', '/dev/disk/by-uuid/'):
        if source.startswith(prefix):
            return source[len(prefix):].upper()
    return None


def inspect(runner, params, state):
    """Snapshot keys a replacement needs beyond the conversion's (state.inspect reads some of them only
    for disk 2): the new disk's signatures, p3 blkid and md superblock when it is named disk1."""
    extra = {'fstab_esp_uuid': fstab_esp_uuid(read_text(FSTAB))}
    if survivor_of(params, state) != 'disk2':
        return extra
    new, parts = params['disk1'], state['disk1']['parts']
    state['disk1']['signatures'] = blockdev.parse_wipefs(runner.run(['wipefs', '--no-act', '--json', new]).stdout)
    p3 = gpt.partition_path(new, 3)
    extra['d1p3_blkid'], extra['d1p3_examine'] = {}, None
    if 3 in parts and os.path.exists(p3):
        # rc 2: nothing found, which is an answer, not an error
        blkid = runner.run(['blkid', '-p', '-o', 'export', p3], expected_rc=(0, 2)).stdout
        extra['d1p3_blkid'] = gpt.parse_blkid_export(blkid)
        examine = runner.run(['mdadm', '--examine', p3], expected_rc=None)
        extra['d1p3_examine'] = mdraid.parse_examine(examine.stdout) if examine.rc == 0 else None
    return extra


def normalise(params, state):
    """Make a replacement look like the conversion's disk 1 -> disk 2 (in place); returns the survivor key
    as the operator named it, or None when this is not a replacement."""
    survivor = survivor_of(params, state)
    if survivor is None:
        return None
    new = 'disk2' if survivor == 'disk1' else 'disk1'
    state['replacement'] = {'survivor': params[survivor], 'survivor_named': survivor,
                            'new_disk': params[new], 'new_disk_named': new}
    if survivor == 'disk2':
        params['disk1'], params['disk2'] = params['disk2'], params['disk1']
        state['disk1'], state['disk2'] = state['disk2'], state['disk1']
        state['d1p2_blkid'], state['d2p2_blkid'] = state.get('d2p2_blkid') or {}, state.get('d1p2_blkid') or {}
        state['d2p3_blkid'] = state.pop('d1p3_blkid', None) or {}
        state['d2p3_examine'] = state.pop('d1p3_examine', None)
    _refuse_stale_member(params, state)
    return survivor


def _refuse_stale_member(params, state):
    """The new disk's p3 must not bring another array along: refuse one that runs (only its owner may
    stop it); a same-layout disk whose p3 carries another array's superblock (a disk once used
    elsewhere) is wiped under the wipe opt-in like any other not-empty disk, else refused."""
    part = gpt.partition_path(params['disk2'], 3)
    elsewhere = array_holding(state, part, params['md_device'].rsplit('/', 1)[-1])
    if elsewhere:
        raise Refusal(ERR_REPLACE_BUSY.format(part=part, array='/dev/' + elsewhere))
    examine = state.get('d2p3_examine') or {}
    if not examine or (examine.get('uuid') or '').lower() == _md_uuid(state) or not disk2_is_ours(params, state):
        return
    if not params['allow_wipe_disk2']:
        raise Refusal(ERR_REPLACE_STALE_MD.format(part=part, uuid=examine.get('uuid'), md=params['md_device'],
                                                  md_uuid=_md_uuid(state)))
    # copy_table then zaps and re-copies the table and wipes p3 (its superblock goes with it)
    state['replacement']['stale_member'] = True
    state['d2p3_examine'] = None


def new_disk_is_ours(params, state):
    """disk2_is_ours, except that a stale superblock of another array makes the new disk foreign."""
    return disk2_is_ours(params, state) and not (state.get('replacement') or {}).get('stale_member')
