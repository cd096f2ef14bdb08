# -*- coding: utf-8 -*-
# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure planning for the root LVM -> md RAID1 (0.90) conversion.

``plan(params, state)`` looks at one snapshot of the node (built by raid1_host.inspect) and
returns the phases still to do, in the field-notes order, or raises ``Refusal`` before anything
changes.  Every phase is recognised from the live state, so a rerun after a crash at any point
continues where it stopped.  An op is a tuple: ('run', argv) or a named action the executor
resolves at run time (values such as the new partition GUID only exist once earlier ops ran).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.isplab.infra.plugins.module_utils.root_raid1 import gpt, lvm, mdraid

STAMP_PATH = '/var/lib/isplab/root_raid1.json'
ESP_MOUNT_DIR = '/run/isplab-root-raid1'
GRUB_MODULES = 'part_gpt lvm mdraid09 ext2'

ERR_SAME_DISK = 'disk1 and disk2 are the same device ({path}); give two different disks'
ERR_DISK1_LAYOUT = ('disk1 {disk} does not have the Proxmox installer layout (p1 BIOS boot, p2 EFI System, '
                    'p3 Linux LVM or Linux RAID): {found}')
ERR_DISK2_NOT_EMPTY = ('disk2 {disk} is not empty ({found}); set allow_wipe_disk2=true '
                       '(role: root_raid1_wipe_disk2) to overwrite it')
ERR_DISK2_TOO_SMALL = ('disk2 {disk} is too small: {have} bytes, needs at least {need} bytes '
                       'to hold partitions 1-3 of disk1')
ERR_VG_MISMATCH = 'volume group {vg} is not as declared: expected PVs {expected}, found {found}'
ERR_MD_FOREIGN = '{md} already exists with other members ({found}); expected only members of {allowed}'
ERR_MD_METADATA = '{what} carries md metadata {version}, not 0.90; GRUB and LVM need the superblock at the end'
ERR_EXTENTS = ('used extents would not fit: volume group {vg} uses {used} extents, the md member offers '
               'only {available}')
ERR_LVM_FILTER = ('/etc/lvm/lvm.conf already sets devices/global_filter outside the block this module manages; '
                  'remove it or merge it by hand')


class Refusal(Exception):
    """The node is not in a state this conversion may touch; nothing was changed."""


def raid1_argument_spec(**extra):
    """The node as root_raid1 and raid1_verify both describe it, plus the module's own options."""
    spec = dict(
        disk1=dict(type='path', required=True),
        disk2=dict(type='path', required=True),
        vg=dict(type='str', default='pve'),
        md_device=dict(type='path', default='/dev/md0'),
        osd_partition=dict(type='bool', default=True),
    )
    spec.update(extra)
    return spec


def describe(op):
    """One line per op for the plan shown in check mode and in ``plan``."""
    kind = op[0]
    if kind == 'run':
        return ' '.join(str(a) for a in op[1])
    if kind == 'lvm_filter':
        return 'write /etc/lvm/lvm.conf devices/global_filter rejecting partition 3 of %s (by-partuuid)' % (
            ' and '.join(op[1]))
    if kind == 'mdadm_conf':
        return 'mdadm --detail --brief %s > ARRAY line in /etc/mdadm/mdadm.conf' % op[1]
    if kind == 'check_fit':
        return 'check: allocated extents of %s fit on %s' % (op[1], op[2])
    if kind == 'sync_speed':
        return 'echo %s > /sys/block/%s/md/sync_speed_min' % (op[2], op[1])
    if kind == 'stamp':
        return 'record %s done in %s' % (op[1], STAMP_PATH)
    if kind == 'efi_entry':
        return 'efibootmgr -c -d %s -p 2 -L %s -l \\EFI\\debian\\grubx64.efi (unless present)' % (op[1], op[2])
    if kind == 'wait':
        return 'wait for %s (the role polls and shows progress)' % op[1]
    if kind == 'esp_mounted':
        return 'check: /boot/efi is mounted from %s (mount /boot/efi from fstab if not)' % op[1]
    if kind == 'esp_head':
        return 'write the first MiB of %s to %s with a new FAT volume ID (UUID)' % (op[1], op[2])
    if kind == 'fstab_nofail':
        return 'add nofail to the /boot/efi line of /etc/fstab (booting from disk 2 alone must not wait for it)'
    if kind == 'flush_boot_fs':
        return 'sync; fsfreeze --freeze/--unfreeze the filesystem holding /boot (writes its journal home)'
    return repr(op)


def _by_path(entries, key):
    return dict((e.get(key), e) for e in entries)


def _type_of(disk_state, number):
    info = disk_state.get('parts', {}).get(number)
    return info.get('type_guid') if info else None


def _resolve_member(name):
    return name if name.startswith('/dev/') else '/dev/' + name


def _esp_ops(state, disk, esp, index):
    if state.get('esp_mount') == esp:
        # checked again right before grub-install: that is minutes after the inspection
        directory, pre, post = '/boot/efi', [('esp_mounted', esp)], []
    else:
        directory = '%s/esp%d' % (ESP_MOUNT_DIR, index)
        pre = [('run', ['mkdir', '-p', directory]), ('run', ['mount', esp, directory])]
        post = [('run', ['umount', directory])]
    base = ['grub-install', '--target=x86_64-efi', '--efi-directory=%s' % directory, '--bootloader-id=debian',
            '--modules=%s' % GRUB_MODULES, '--no-nvram']
    return pre + [('run', base), ('run', base + ['--removable'])] + post + [
        ('efi_entry', disk, 'debian-raid1-disk%d' % index)]


def _bootloader_ops(params, state, disks):
    ops = []
    for index, disk in disks:
        if state['firmware'] == 'uefi':
            ops += _esp_ops(state, disk, gpt.partition_path(disk, 2), index)
        else:
            ops.append(('run', ['grub-install', '--target=i386-pc', '--modules=%s' % GRUB_MODULES, disk]))
    return ops


def _retype_ops(disk, disk_state, osd):
    args = ['sgdisk', '--typecode=3:%s' % gpt.LINUX_RAID]
    if osd:
        if 4 not in disk_state.get('parts', {}):
            args += ['--new=4:0:0']
        args += ['--typecode=4:%s' % gpt.CEPH_OSD, '--change-name=4:Ceph OSD']
    return args + [disk]


def _needs_retype(disk_state, osd):
    if _type_of(disk_state, 3) != gpt.LINUX_RAID:
        return True
    return bool(osd) and _type_of(disk_state, 4) != gpt.CEPH_OSD


def refusals(params, state):
    """Raise ``Refusal`` with the exact message when the node is not what was declared."""
    d1, d2, vg, md = params['disk1'], params['disk2'], params['vg'], params['md_device']
    s1, s2 = state['disk1'], state['disk2']
    d1p3, d2p3 = gpt.partition_path(d1, 3), gpt.partition_path(d2, 3)
    if d1 == d2:
        raise Refusal(ERR_SAME_DISK.format(path=d1))

    types = [_type_of(s1, n) for n in (1, 2, 3)]
    if types[:2] != [gpt.BIOS_BOOT, gpt.EFI_SYSTEM] or types[2] not in (gpt.LINUX_LVM, gpt.LINUX_RAID):
        found = ', '.join('p%d %s' % (n, gpt.TYPE_NAMES.get(t, t or 'missing')) for n, t in zip((1, 2, 3), types))
        raise Refusal(ERR_DISK1_LAYOUT.format(disk=d1, found=found))

    pvs = _by_path(state['pvs'], 'pv_name')
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
        members = sorted(_resolve_member(m['device']) for m in array['members'])
        if not set(members) <= {d1p3, d2p3}:
            raise Refusal(ERR_MD_FOREIGN.format(md=md, found=', '.join(members) or 'none',
                                                allowed='%s and %s' % (d1p3, d2p3)))
        if array.get('metadata') not in ('0.90', None):
            raise Refusal(ERR_MD_METADATA.format(what=md, version=array['metadata']))

    if state['lvm_conf_foreign_filter']:
        raise Refusal(ERR_LVM_FILTER)

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


def member_extents(params, state):
    """Extents the md PV has (once created) or will have (estimated from the 0.90 layout)."""
    md = params['md_device']
    pvs = _by_path(state['pvs'], 'pv_name')
    vg = _by_path(state['vgs'], 'vg_name').get(params['vg'], {})
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
    d1p3_pv = _by_path(state['pvs'], 'pv_name').get(d1p3)
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


def _randomized(state):
    s1, s2 = state['disk1'], state['disk2']
    if s1['table'].get('disk_guid') == s2['table'].get('disk_guid'):
        return False
    guids1 = set(p.get('unique_guid') for p in s1['parts'].values())
    return not any(p.get('unique_guid') in guids1 for p in s2['parts'].values())


def plan(params, state):
    """Phases still to do: list of {'phase', 'ops'}; raises Refusal first when the node is not as declared."""
    refusals(params, state)
    d1, d2, vg, md = params['disk1'], params['disk2'], params['vg'], params['md_device']
    osd = params['osd_partition']
    d1p3, d2p3 = gpt.partition_path(d1, 3), gpt.partition_path(d2, 3)
    md_name = md.rsplit('/', 1)[-1]
    pvs = _by_path(state['pvs'], 'pv_name')
    array = state['mdstat'].get(md_name)
    members = set(_resolve_member(m['device']) for m in array['members']) if array else set()
    md_uuid = (state.get('md_detail') or {}).get('uuid')
    stamp = state.get('stamp') or {}
    rejects = set(state.get('lvm_rejects') or [])
    aliases = state.get('partuuid_aliases') or {}
    phases = []

    def add(name, ops):
        phases.append({'phase': name, 'ops': ops})

    ours = disk2_is_ours(params, state)
    table_planned = not ours or not _randomized(state)
    if not ours:
        ops = []
        if state['disk2'].get('signatures') or state['disk2']['table'].get('partitions'):
            ops.append(('run', ['sgdisk', '--zap-all', d2]))
        ops += [('run', ['sgdisk', '--replicate=%s' % d2, d1]), ('run', ['partprobe', d2]),
                ('run', ['udevadm', 'settle'])]
        ops += [('run', ['wipefs', '--all', gpt.partition_path(d2, n)]) for n in (1, 2, 3)]
        ops += [('run', ['sgdisk', '--randomize-guids', d2]), ('run', ['partprobe', d2]),
                ('run', ['udevadm', 'settle'])]
        add('copy_table', ops)
    elif not _randomized(state) and not state.get('d2p3_examine'):
        ops = [('run', ['wipefs', '--all', gpt.partition_path(d2, n)]) for n in (1, 2, 3)]
        ops += [('run', ['sgdisk', '--randomize-guids', d2]), ('run', ['partprobe', d2]),
                ('run', ['udevadm', 'settle'])]
        add('copy_table', ops)

    d2p2_uuid = state.get('d2p2_blkid', {}).get('UUID')
    if (table_planned or state.get('d2p2_blkid', {}).get('TYPE') != 'vfat'
            or d2p2_uuid == state.get('d1p2_blkid', {}).get('UUID')):
        # The ESP's first MiB (boot sector, FAT signature) goes last: a signature on disk 2
        # then proves the whole copy finished, also after a crash in between. It is written with
        # a new volume ID: with two partitions of one UUID, /dev/disk/by-uuid (what fstab mounts
        # /boot/efi by) may point at either.
        p1 = (gpt.partition_path(d1, 1), gpt.partition_path(d2, 1))
        p2 = (gpt.partition_path(d1, 2), gpt.partition_path(d2, 2))
        add('copy_boot_partitions', [
            ('run', ['dd', 'if=%s' % p1[0], 'of=%s' % p1[1], 'bs=64K', 'conv=fsync', 'status=none']),
            ('run', ['dd', 'if=%s' % p2[0], 'of=%s' % p2[1], 'bs=1M', 'skip=1', 'seek=1', 'conv=fsync',
                     'status=none']),
            ('esp_head', p2[0], p2[1])])

    if state.get('fstab_esp_needs_nofail'):
        add('esp_fstab_nofail', [('fstab_nofail',)])

    if table_planned or _needs_retype(state['disk2'], osd):
        add('retype_disk2', [('run', _retype_ops(d2, {} if table_planned else state['disk2'], osd)),
                             ('run', ['partprobe', d2]), ('run', ['udevadm', 'settle'])])

    dirty_initramfs = False
    if table_planned or aliases.get(d2p3) not in rejects:
        add('lvm_filter_disk2', [('lvm_filter', ['disk2'])])
        dirty_initramfs = True
    if d2p3 not in members:
        if state.get('d2p3_examine') and not array:
            add('assemble_md', [('run', ['mdadm', '--assemble', md, '--run', d2p3])])
        else:
            add('create_md', [('run', ['mdadm', '--create', md, '--run', '--metadata=0.90', '-l1', '-n2',
                                       d2p3, 'missing'])])

    conf_uuids = [mdraid.array_uuid_of_line(line) for line in state.get('mdadm_conf_arrays', [])]
    if not md_uuid or md_uuid.lower() not in conf_uuids:
        add('mdadm_conf', [('mdadm_conf', md)])
        dirty_initramfs = True

    move_done = d1p3 not in pvs or (pvs[d1p3].get('vg_name') != vg)
    if not move_done and (dirty_initramfs or not state.get('initramfs_fresh')):
        # Before the first extent moves: a crash during pvmove leaves the root LV half on md0,
        # so the initramfs must already assemble it.
        add('initramfs_before_move', [('run', ['update-initramfs', '-u', '-k', 'all'])])
        dirty_initramfs = False

    if md not in pvs:
        add('pvcreate', [('run', ['pvcreate', md])])
    if not move_done and (md not in pvs or pvs[md].get('vg_name') != vg):
        add('vgextend', [('run', ['vgextend', vg, md])])

    if not move_done and (not md_uuid or stamp.get('grub_before_move') != md_uuid):
        # GRUB's core image needs mdraid09 to read /boot while the root LV spans both PVs.
        # GRUB does not replay the ext4 journal: after a crash it reads /boot as last checkpointed,
        # so the new initramfs and GRUB modules must be out of the journal before anything moves.
        add('grub_before_move', _bootloader_ops(params, state, [(1, d1)])
            + [('flush_boot_fs',), ('stamp', 'grub_before_move')])

    if not move_done:
        interrupted = bool(lvm.pvmove_lvs(state.get('lvs', [])))
        if interrupted:
            add('pvmove', [('run', ['pvmove', '-b']), ('wait', 'pvmove')])
        elif (pvs[d1p3].get('pv_pe_alloc_count') or 0) > 0:
            add('pvmove', [('check_fit', d1p3, md), ('run', ['pvmove', '-b', d1p3, md]), ('wait', 'pvmove')])
        add('vgreduce', [('run', ['vgreduce', vg, d1p3])])
    if not move_done or d1p3 in pvs:
        add('pvremove', [('run', ['pvremove', d1p3])])

    if table_planned or aliases.get(d1p3) not in rejects:
        add('lvm_filter_both', [('lvm_filter', ['disk1', 'disk2'])])
        dirty_initramfs = True

    if _needs_retype(state['disk1'], osd):
        add('retype_disk1', [('run', _retype_ops(d1, state['disk1'], osd)), ('run', ['partx', '-u', d1]),
                             ('run', ['udevadm', 'settle'])])

    adding = d1p3 not in members
    if adding:
        ops = []
        if params['wait_resync']:
            ops.append(('sync_speed', md_name, str(params['sync_speed_min'])))
        add('add_member', ops + [('run', ['mdadm', md, '--add', d1p3])])

    if dirty_initramfs or not state.get('initramfs_fresh'):
        add('initramfs', [('run', ['update-initramfs', '-u', '-k', 'all'])])

    if phases or not md_uuid or stamp.get('bootloader') != md_uuid or not state.get('grub_cfg_has_mdraid'):
        add('bootloader', _bootloader_ops(params, state, [(1, d1), (2, d2)])
            + [('run', ['update-grub']), ('flush_boot_fs',), ('stamp', 'bootloader')])

    syncing = adding or bool(array and array.get('sync'))
    if syncing and params['wait_resync']:
        add('resync', [('wait', 'resync')])
    speed = state.get('sync_speed_min') or ''
    if (params['wait_resync'] and adding) or '(local)' in speed:
        add('restore_sync_speed', [('sync_speed', md_name, 'system')])
    return phases


def render(phases):
    return [{'phase': p['phase'], 'commands': [describe(op) for op in p['ops']]} for p in phases]
