# -*- coding: utf-8 -*-
# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the conversion refuses, before anything changes, and the extent arithmetic behind one refusal."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.isplab.infra.plugins.module_utils.root_raid1 import gpt, lvm, mdraid, move_boot

# Smallest partition 4 worth creating. When the installer's p3 fills the disk only alignment slack
# (under 1 MiB) is left behind it; a gap left on purpose with hdsize is gigabytes. 512 MiB separates the
# two by far and stays below the p4 of the lab's small test disks. Whether p4 is large enough for an OSD
# is ceph-volume's decision (it refuses data devices below 5 GB with its own message).
MIN_P4_BYTES = 512 * 1024 * 1024

ERR_SAME_DISK = 'disk1 and disk2 are the same device ({path}); give two different disks'
ERR_DISK1_LAYOUT = ('disk1 {disk} does not have the Proxmox installer layout (p1 BIOS boot, p2 EFI System, '
                    'p3 Linux LVM or Linux RAID): {found}')
ERR_DISK1_NOT_GPT = ('disk1 {disk} has a {label} partition table, not a GPT; the conversion copies the '
                     'Proxmox installer GPT (p1 BIOS boot, p2 EFI System, p3 Linux LVM)')
ERR_DISK2_NOT_EMPTY = ('disk2 {disk} is not empty ({found}); set allow_wipe_disk2=true '
                       '(role: root_raid1_wipe_disk2) to overwrite it')
ERR_DISK2_TOO_SMALL = ('disk2 {disk} is too small: {have} bytes, needs at least {need} bytes '
                       'to hold partitions 1-3 of disk1')
ERR_VG_MISMATCH = 'volume group {vg} is not as declared: expected PVs {expected}, found {found}'
ERR_MD_FOREIGN = '{md} already exists with other members ({found}); expected only members of {allowed}'
ERR_MD_METADATA = '{what} carries md metadata {version}, not 0.90; GRUB and LVM need the superblock at the end'
ERR_EXTENTS = ('used extents would not fit: volume group {vg} uses {used} extents, the md member offers '
               'only {available}')
ERR_SECTOR_SIZE = ('disk1 {disk1} has {size1}-byte logical sectors, disk2 {disk2} has {size2}-byte sectors; the copied '
                   'partition table counts in sectors and would put every partition elsewhere on disk2: '
                   'use a disk2 with {size1}-byte logical sectors')
ERR_NO_ROOM_FOR_P4 = ('no room for partition 4 (Ceph OSD) on {disk}: {free} bytes behind partition 3 up to the last '
                      'usable sector, at least {need} needed; reinstall with a smaller hdsize (Proxmox installer '
                      'option) to leave space behind p3, or set osd_partition=false (role: root_raid1_osd_partition) '
                      'to convert without p4')
ERR_LVM_FILTER = ('/etc/lvm/lvm.conf already sets devices/global_filter outside the block this module manages; '
                  'remove it or merge it by hand')
ERR_MD_OTHER_NAME = ('{part} runs in {array}, not {md}: the array came up under another name (a power cut before '
                     'mdadm.conf and the initramfs named it), and {holders} use it; stop what uses it, run '
                     'mdadm --stop {array} and rerun')
# replacing a failed member (replacement.py): the new disk's p3 must not bring another array along
ERR_REPLACE_BUSY = ('{part} of the new disk is a member of the running array {array}; check that nothing needs it, '
                    'stop it (mdadm --stop {array}) and rerun')
ERR_REPLACE_STALE_MD = ('{part} of the new disk carries the md superblock of another array (UUID {uuid}, not {md} '
                        'UUID {md_uuid}); set allow_wipe_disk2=true (role: root_raid1_wipe_disk2) to wipe the new disk')


class Refusal(Exception):
    """The node is not in a state this conversion may touch; nothing was changed."""


def by_path(entries, key):
    return dict((e.get(key), e) for e in entries)


def type_of(disk_state, number):
    info = disk_state.get('parts', {}).get(number)
    return info.get('type_guid') if info else None


def resolve_member(name):
    return name if name.startswith('/dev/') else '/dev/' + name


def array_holding(state, part, md_name):
    """Name of a running array other than ``md_name`` that has ``part`` as a member, or None."""
    for name, array in sorted(state['mdstat'].items()):
        if name != md_name and part in [resolve_member(m['device']) for m in array['members']]:
            return name
    return None


def needs_retype(disk_state, osd):
    if type_of(disk_state, 3) != gpt.LINUX_RAID:
        return True
    return bool(osd) and type_of(disk_state, 4) != gpt.CEPH_OSD


def refusals(params, state):
    """Raise ``Refusal`` with the exact message when the node is not what was declared."""
    d1, d2, vg, md = params['disk1'], params['disk2'], params['vg'], params['md_device']
    s1, s2 = state['disk1'], state['disk2']
    d1p3, d2p3 = gpt.partition_path(d1, 3), gpt.partition_path(d2, 3)
    if d1 == d2:
        raise Refusal(ERR_SAME_DISK.format(path=d1))

    if s1['table'].get('label') not in (None, 'gpt'):
        raise Refusal(ERR_DISK1_NOT_GPT.format(disk=d1, label=s1['table']['label']))
    types = [type_of(s1, n) for n in (1, 2, 3)]
    if types[:2] != [gpt.BIOS_BOOT, gpt.EFI_SYSTEM] or types[2] not in (gpt.LINUX_LVM, gpt.LINUX_RAID):
        found = ', '.join('p%d %s' % (n, gpt.TYPE_NAMES.get(t, t or 'missing')) for n, t in zip((1, 2, 3), types))
        raise Refusal(ERR_DISK1_LAYOUT.format(disk=d1, found=found))

    pvs = by_path(state['pvs'], 'pv_name')
    vg_pvs = sorted(name for name, pv in pvs.items() if pv.get('vg_name') == vg)
    vg_known = any(v.get('vg_name') == vg for v in state['vgs'])
    allowed_pvs = {d1p3, md}
    if not vg_known or not vg_pvs or not set(vg_pvs) <= allowed_pvs or (
            d1p3 not in vg_pvs and md not in vg_pvs):
        found = ', '.join(vg_pvs) if vg_known else 'no such volume group'
        raise Refusal(ERR_VG_MISMATCH.format(vg=vg, expected='%s (or %s once moved)' % (d1p3, md),
                                             found=found or 'no PVs'))

    md_name = md.rsplit('/', 1)[-1]
    array = state['mdstat'].get(md_name)
    if array:
        members = sorted(resolve_member(m['device']) for m in array['members'])
        if not set(members) <= {d1p3, d2p3}:
            raise Refusal(ERR_MD_FOREIGN.format(md=md, found=', '.join(members) or 'none',
                                                allowed='%s and %s' % (d1p3, d2p3)))
        if array.get('metadata') not in ('0.90', None):
            raise Refusal(ERR_MD_METADATA.format(what=md, version=array['metadata']))

    elsewhere = array_holding(state, d2p3, md_name)
    holders = (state.get('md_holders') or {}).get(elsewhere)
    if elsewhere and holders:
        raise Refusal(ERR_MD_OTHER_NAME.format(part=d2p3, array='/dev/' + elsewhere, md=md, holders=', '.join(holders)))

    if state['lvm_conf_foreign_filter']:
        raise Refusal(ERR_LVM_FILTER)

    _check_sector_sizes(params, state)

    if not disk2_is_ours(params, state):
        found = []
        if s2['table'].get('has_table') and s2['table'].get('partitions'):
            found.append('partition table with %d partitions' % len(s2['table']['partitions']))
        signatures = sorted(set(s['type'] for s in s2.get('signatures', [])))
        if signatures:
            found.append('signatures: %s' % ', '.join(signatures))
        if found and not params['allow_wipe_disk2']:
            raise Refusal(ERR_DISK2_NOT_EMPTY.format(disk=d2, found='; '.join(found)))
        sector = s1['table']['logical_sector_size'] or 512
        need = (s1['parts'][3]['end'] + 1 + 33) * sector
        if s2['size_bytes'] < need:
            raise Refusal(ERR_DISK2_TOO_SMALL.format(disk=d2, have=s2['size_bytes'], need=need))
    elif state.get('d2p3_examine') and not (state['d2p3_examine'].get('version') or '').startswith('0.90'):
        raise Refusal(ERR_MD_METADATA.format(what=d2p3, version=state['d2p3_examine']['version']))

    _check_fit(params, state)
    if params['osd_partition']:
        _check_room_for_p4(params, state)
    if extents_to_move(params, state):
        problem = move_boot.refusal(state['move_boot'], gpt.partition_path(d1, 2))
        if problem:
            raise Refusal(problem)


def extents_to_move(params, state):
    """Extents of the VG still on disk 1's p3, or a pvmove running or interrupted."""
    if lvm.pvmove_lvs(state.get('lvs', [])):
        return True
    pv = by_path(state['pvs'], 'pv_name').get(gpt.partition_path(params['disk1'], 3))
    return bool(pv and pv.get('vg_name') == params['vg'] and (pv.get('pv_pe_alloc_count') or 0) > 0)


def _check_sector_sizes(params, state):
    size1 = state['disk1']['table'].get('logical_sector_size') or state['disk1'].get('logical_sector_size')
    size2 = state['disk2'].get('logical_sector_size') or state['disk2']['table'].get('logical_sector_size')
    if size1 and size2 and size1 != size2:
        raise Refusal(ERR_SECTOR_SIZE.format(disk1=params['disk1'], size1=size1, disk2=params['disk2'], size2=size2))


def p4_room_bytes(disk_state, sector):
    """Bytes between the end of p3 and the last usable GPT sector: the table's own when it has one,
    else where a copy of disk 1's table will put it (33 sectors of backup table and 1 of header at the end)."""
    last = disk_state['table'].get('last_usable')
    if last is None or not disk_state['table'].get('has_table'):
        last = disk_state['size_bytes'] // sector - 34
    return max(0, last - disk_state['parts'][3]['end']) * sector


def _check_room_for_p4(params, state):
    """Last of all refusals: the negative tests on tiny disks expect the older messages first."""
    s1, s2 = state['disk1'], state['disk2']
    sector = s1['table']['logical_sector_size'] or 512
    checks = [(params['disk1'], s1)]
    # disk 2 gets disk 1's p1-p3, so its room is measured against disk 1's p3 until it has a table of its own
    copied = dict((n, part) for n, part in s1['parts'].items() if n in (1, 2, 3))
    s2_view = s2 if disk2_is_ours(params, state) else dict(s2, table={'has_table': False}, parts=copied)
    checks.append((params['disk2'], s2_view))
    for disk, disk_state in checks:
        if 4 in disk_state.get('parts', {}):
            continue
        free = p4_room_bytes(disk_state, sector)
        if free < MIN_P4_BYTES:
            raise Refusal(ERR_NO_ROOM_FOR_P4.format(disk=disk, free=free, need=MIN_P4_BYTES))


def member_extents(params, state):
    """Extents the md PV has (once created) or will have (estimated from the 0.90 layout)."""
    md = params['md_device']
    pvs = by_path(state['pvs'], 'pv_name')
    vg = by_path(state['vgs'], 'vg_name').get(params['vg'], {})
    extent = vg.get('vg_extent_size') or 4 * 1024 * 1024
    if md in pvs:
        if pvs[md].get('vg_name') == params['vg']:
            return pvs[md]['pv_pe_count']
        # an orphan PV reports pv_pe_count 0; its extents are known once it joins the VG
        return lvm.extents_available(pvs[md]['pv_size'], pvs[md]['pe_start'], extent)
    d1p3 = gpt.partition_path(params['disk1'], 3)
    part = state['disk1']['parts'][3]
    sector = state['disk1']['table']['logical_sector_size'] or 512
    member = mdraid.member_data_bytes_090((part['end'] - part['start'] + 1) * sector)
    pe_start = pvs.get(d1p3, {}).get('pe_start') or 1024 * 1024
    return lvm.extents_available(member, pe_start, extent)


def used_extents(params, state):
    return sum(pv.get('pv_pe_alloc_count') or 0 for pv in state['pvs'] if pv.get('vg_name') == params['vg'])


def _check_fit(params, state):
    d1p3 = gpt.partition_path(params['disk1'], 3)
    d1p3_pv = by_path(state['pvs'], 'pv_name').get(d1p3)
    if not d1p3_pv or d1p3_pv.get('vg_name') != params['vg']:
        return
    if lvm.pvmove_lvs(state.get('lvs', [])):
        # a running or interrupted move has its destination extents allocated already (and counted
        # twice in the PV allocations): LVM itself proved they fit when the move started
        return
    used, available = used_extents(params, state), member_extents(params, state)
    if used > available:
        raise Refusal(ERR_EXTENTS.format(vg=params['vg'], used=used, available=available))


def disk2_is_ours(params, state):
    """Disk 2 holds a copy of disk 1's table made by this conversion (same p1-p3 sectors), and its
    partition 3 is empty or a 0.90 member, never a foreign PV."""
    s1, s2 = state['disk1'], state['disk2']
    if not s2['table'].get('has_table') or not gpt.same_layout(s1['table'], s2['table']):
        return False
    p3_type = state.get('d2p3_blkid', {}).get('TYPE')
    return p3_type in (None, 'linux_raid_member') or bool(state.get('d2p3_examine'))


def randomized(state):
    """Disk 2 has its own disk and partition GUIDs, not the copies --replicate made."""
    s1, s2 = state['disk1'], state['disk2']
    if s1['table'].get('disk_guid') == s2['table'].get('disk_guid'):
        return False
    guids1 = set(p.get('unique_guid') for p in s1['parts'].values())
    return not any(p.get('unique_guid') in guids1 for p in s2['parts'].values())
