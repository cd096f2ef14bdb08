# -*- coding: utf-8 -*-
# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure planning for the root LVM -> md RAID1 (0.90) conversion.

``plan(params, state)`` looks at one snapshot of the node (built by state.inspect) and returns the
phases still to do, or raises ``Refusal`` before anything changes.  ``PHASES`` is the one ordered
table of the conversion (the field-notes order): each entry decides from the snapshot whether its
phase is still to do and returns its ops (ops.py), so a rerun after a crash at any point continues
where it stopped.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.isplab.infra.plugins.module_utils.root_raid1 import gpt, lvm, mdraid, move_boot, replacement
from ansible_collections.isplab.infra.plugins.module_utils.root_raid1.boot_phase import grub_install_devices
from ansible_collections.isplab.infra.plugins.module_utils.root_raid1.ops import (
    BootCopyConfig, CheckFit, EfiEntry, EspMounted, EspVolumeId, FlushBootFs, FstabNofail, LvmFilter, MdadmConf, Run, Stamp,
    SyncSpeed, Wait)
from ansible_collections.isplab.infra.plugins.module_utils.root_raid1.refusals import (
    array_holding, by_path, extents_to_move, needs_retype, randomized, refusals, resolve_member)
from ansible_collections.isplab.infra.plugins.module_utils.root_raid1.replacement_phases import (
    add_new_member, esp_fstab_survivor)
from ansible_collections.isplab.infra.plugins.module_utils.root_raid1.state import ESP_MOUNT_DIR

GRUB_MODULES = 'part_gpt lvm mdraid09 ext2'
SETTLE = Run(['udevadm', 'settle'])


def raid1_argument_spec(**extra):
    """The node as root_raid1 and root_raid1_verify both describe it, plus the module's own options."""
    spec = dict(
        disk1=dict(type='path', required=True),
        disk2=dict(type='path', required=True),
        vg=dict(type='str', default='pve'),
        md_device=dict(type='path', default='/dev/md0'),
        osd_partition=dict(type='bool', default=True),
    )
    spec.update(extra)
    return spec


def _esp_mount(state, esp, index):
    """Where the ESP ``esp`` is (or gets) mounted, and the ops around its use."""
    if state.get('esp_mount') == esp:
        # checked again right before grub-install: that is minutes after the inspection
        return '/boot/efi', [EspMounted(esp)], []
    directory = '%s/esp%d' % (ESP_MOUNT_DIR, index)
    return directory, [Run(['mkdir', '-p', directory]), Run(['mount', esp, directory])], [Run(['umount', directory])]


def _grub_install(state, disk, esp_directory, boot_directory=None):
    """grub-install for disk (BIOS) or into the ESP mounted at ``esp_directory`` (UEFI, also the removable
    path); ``boot_directory`` puts GRUB's prefix there (the data move's copy on the ESP) instead of /boot."""
    if boot_directory:
        extra, modules = ['--boot-directory=%s' % boot_directory], 'part_gpt fat'
    else:
        extra, modules = [], GRUB_MODULES
    if state['firmware'] != 'uefi':
        return [Run(['grub-install', '--target=i386-pc', '--modules=%s' % modules] + extra + [disk])]
    base = ['grub-install', '--target=x86_64-efi', '--efi-directory=%s' % esp_directory] + extra + [
        '--bootloader-id=debian', '--modules=%s' % modules, '--no-nvram']
    return [Run(base), Run(base + ['--removable'])]


def _bootloader_ops(state, disks):
    ops = []
    for index, disk in disks:
        if state['firmware'] == 'uefi':
            directory, pre, post = _esp_mount(state, gpt.partition_path(disk, 2), index)
            ops += pre + _grub_install(state, disk, directory) + post + [
                EfiEntry(disk, 'debian-raid1-disk%d' % index)]
        else:
            ops += _grub_install(state, disk, None)
    return ops


def _retype(disk, disk_state, osd, reread):
    args = ['sgdisk', '--typecode=3:%s' % gpt.LINUX_RAID]
    if osd:
        if 4 not in disk_state.get('parts', {}):
            args += ['--new=4:0:0']
        args += ['--typecode=4:%s' % gpt.CEPH_OSD, '--change-name=4:Ceph OSD']
    return [Run(args + [disk]), Run(reread + [disk]), SETTLE]


def _facts(params, state):
    """What several phases decide on, derived once from the snapshot."""
    d1p3, d2p3 = gpt.partition_path(params['disk1'], 3), gpt.partition_path(params['disk2'], 3)
    md_name = params['md_device'].rsplit('/', 1)[-1]
    pvs = by_path(state['pvs'], 'pv_name')
    array = state['mdstat'].get(md_name)
    ours = replacement.new_disk_is_ours(params, state)
    return {
        'd1p3': d1p3, 'd2p3': d2p3, 'md_name': md_name, 'pvs': pvs, 'array': array,
        'members': set(resolve_member(m['device']) for m in array['members']) if array else set(),
        'md_uuid': (state.get('md_detail') or {}).get('uuid'),
        'd2p3_elsewhere': array_holding(state, d2p3, md_name),
        'rejects': set(state.get('lvm_rejects') or []), 'aliases': state.get('partuuid_aliases') or {},
        'ours': ours, 'replacement': bool(state.get('replacement')), 'table_planned': not ours or not randomized(state),
        'move_done': d1p3 not in pvs or pvs[d1p3].get('vg_name') != params['vg'],
        'to_move': extents_to_move(params, state),
        # the initramfs copies lvm.conf and mdadm.conf: set by the phases that change them
        'dirty_initramfs': False, 'planned': [],
    }


def _same_partitions(disk_state):
    """sgdisk arguments that create p1-p3 at the sectors, with the types and names, they have in ``disk_state``."""
    args = []
    for number in (1, 2, 3):
        part = disk_state['parts'][number]
        args += ['--new=%d:%d:%d' % (number, part['start'], part['end']), '--typecode=%d:%s' % (number, part['type_guid'])]
        if part.get('name'):
            args.append('--change-name=%d:%s' % (number, part['name']))
    return args


def copy_table(params, state, f):
    d2 = params['disk2']
    if not f['ours']:
        ops = []
        if state['disk2'].get('signatures') or state['disk2']['table'].get('partitions'):
            ops.append(Run(['sgdisk', '--zap-all', d2]))
        if state['disk2']['size_bytes'] < state['disk1']['size_bytes']:
            # --replicate aborts when disk 1's backup header or a partition lies beyond disk 2's end ("Secondary
            # header was placed beyond the disk's limits! ... Aborting write operation!", seen replacing a
            # survivor of 10 GiB by a new 8 GiB disk): p1-p3 are created at disk 1's sectors instead, with new
            # GUIDs; p4 comes with the retype and takes what disk 2 has behind p3
            ops.append(Run(['sgdisk', '--set-alignment=1'] + _same_partitions(state['disk1']) + [d2]))
        else:
            ops.append(Run(['sgdisk', '--replicate=%s' % d2, params['disk1']]))
        if state['disk2']['size_bytes'] > state['disk1']['size_bytes']:
            # gdisk 1.0.9 already ends the copy at disk 2's end (checked on files); -e guarantees it, so
            # a larger disk 2 gives its p4 the rest of the disk
            ops.append(Run(['sgdisk', '--move-second-header', d2]))
        ops += [Run(['partprobe', d2]), SETTLE]
    elif not randomized(state) and not state.get('d2p3_examine'):
        ops = []
    else:
        return None
    return ops + [Run(['wipefs', '--all', gpt.partition_path(d2, n)]) for n in (1, 2, 3)] + [
        Run(['sgdisk', '--randomize-guids', d2]), Run(['partprobe', d2]), SETTLE]


def copy_boot_partitions(params, state, f):
    d2p2 = state.get('d2p2_blkid', {})
    if not (f['table_planned'] or d2p2.get('TYPE') != 'vfat'
            or d2p2.get('UUID') == state.get('d1p2_blkid', {}).get('UUID')):
        return None
    # The ESP's first MiB (boot sector, FAT signature) goes last: a signature on disk 2 then proves
    # the whole copy finished, also after a crash in between. Then it gets a new volume ID: with two
    # partitions of one UUID, /dev/disk/by-uuid (what fstab mounts /boot/efi by) may point at either;
    # a crash before that leaves the UUID shared, which redoes this phase.
    p1 = (gpt.partition_path(params['disk1'], 1), gpt.partition_path(params['disk2'], 1))
    p2 = (gpt.partition_path(params['disk1'], 2), gpt.partition_path(params['disk2'], 2))
    dd = ['dd', 'if=%s' % p2[0], 'of=%s' % p2[1], 'bs=1M']
    return [Run(['dd', 'if=%s' % p1[0], 'of=%s' % p1[1], 'bs=64K', 'conv=fsync', 'status=none']),
            Run(dd + ['skip=1', 'seek=1', 'conv=fsync', 'status=none']),
            Run(dd + ['count=1', 'conv=fsync', 'status=none']),
            EspVolumeId(p2[0], p2[1])]


def esp_fstab_nofail(params, state, f):
    return [FstabNofail()] if state.get('fstab_esp_needs_nofail') else None


def retype_disk2(params, state, f):
    if f['table_planned'] or needs_retype(state['disk2'], params['osd_partition']):
        return _retype(params['disk2'], {} if f['table_planned'] else state['disk2'], params['osd_partition'],
                       ['partprobe'])
    return None


def lvm_filter_disk2(params, state, f):
    if f['table_planned'] or f['aliases'].get(f['d2p3']) not in f['rejects']:
        f['dirty_initramfs'] = True
        # replacing: disk 1 (the survivor) is a member already and stays rejected; the dead disk's entry goes
        return [LvmFilter(['disk1', 'disk2'] if f['replacement'] else ['disk2'])]
    return None


def assemble_md(params, state, f):
    if f['d2p3'] in f['members'] or f['array']:
        return None
    assemble = Run(['mdadm', '--assemble', params['md_device'], '--run', f['d2p3']])
    if f['d2p3_elsewhere']:
        # a power cut before mdadm.conf and the initramfs named the array: udev started it as md127;
        # refusals.py has made sure nothing uses it
        return [Run(['mdadm', '--stop', '/dev/' + f['d2p3_elsewhere']]), assemble]
    return [assemble] if state.get('d2p3_examine') else None


def create_md(params, state, f):
    # a running array (degraded, a member being replaced) gets the member added, never a second array
    if f['d2p3'] not in f['members'] and 'assemble_md' not in f['planned'] and not f['array']:
        return [Run(['mdadm', '--create', params['md_device'], '--run', '--metadata=0.90', '-l1', '-n2',
                     f['d2p3'], 'missing'])]
    return None


def mdadm_conf(params, state, f):
    conf_uuids = [mdraid.array_uuid_of_line(line) for line in state.get('mdadm_conf_arrays', [])]
    if not f['md_uuid'] or f['md_uuid'].lower() not in conf_uuids:
        f['dirty_initramfs'] = True
        return [MdadmConf(params['md_device'])]
    return None


def initramfs_before_move(params, state, f):
    # Before the first extent moves: a crash during pvmove leaves the root LV half on md0,
    # so the initramfs must already assemble it.
    if not f['move_done'] and (f['dirty_initramfs'] or not state.get('initramfs_fresh')):
        f['dirty_initramfs'] = False
        return [Run(['update-initramfs', '-u', '-k', 'all'])]
    return None


def pvcreate(params, state, f):
    return [Run(['pvcreate', params['md_device']])] if params['md_device'] not in f['pvs'] else None


def vgextend(params, state, f):
    md, pvs = params['md_device'], f['pvs']
    if not f['move_done'] and (md not in pvs or pvs[md].get('vg_name') != params['vg']):
        return [Run(['vgextend', params['vg'], md])]
    return None


def grub_before_move(params, state, f):
    """Disk 1 boots from a copy of /boot on its ESP for as long as extents move (move_boot.py: GRUB cannot
    read an LV that pvmove is moving). Everything the copy's GRUB reads is written and synced before the
    grub-install that points disk 1's boot code at it, so a cut at any moment boots one of the two."""
    copy = state.get('move_boot') or {}
    stamp = (state.get('stamp') or {}).get('grub_before_move')
    if not f['to_move'] or (copy.get('copy_present') and f['md_uuid'] and stamp == f['md_uuid']
                            and 'initramfs_before_move' not in f['planned']):
        return None
    directory, pre, post = _esp_mount(state, gpt.partition_path(params['disk1'], 2), 1)
    target = move_boot.copy_path(directory)
    cfg = move_boot.grub_cfg(copy.get('esp_uuid'), copy.get('root_source'), copy.get('cmdline') or '')
    return pre + [
        Run(['mkdir', '-p', '%s/grub' % target]),
        Run(['cp', copy['kernel'], '%s/vmlinuz' % target]),
        Run(['cp', copy['initrd'], '%s/initrd.img' % target]),
        BootCopyConfig('%s/grub/grub.cfg' % target, cfg),
        Run(['sync']),
    ] + _grub_install(state, params['disk1'], directory, target) + post + [FlushBootFs(), Stamp('grub_before_move')]


def pvmove(params, state, f):
    if f['move_done']:
        return None
    if lvm.pvmove_lvs(state.get('lvs', [])):
        # pvmove checkpoints per segment; without arguments it resumes the interrupted move
        return [Run(['pvmove', '-b']), Wait('pvmove')]
    if (f['pvs'][f['d1p3']].get('pv_pe_alloc_count') or 0) > 0:
        md = params['md_device']
        return [CheckFit(f['d1p3'], md), Run(['pvmove', '-b', f['d1p3'], md]), Wait('pvmove')]
    return None


def grub_after_move(params, state, f):
    """Every extent is on md0: disk 1 gets its normal boot code again (GRUB reads md0 with mdraid09), then
    the ESP copy goes. Runs only after pvmove ended: the executor stops at pvmove's wait."""
    copy = state.get('move_boot') or {}
    if not copy.get('copy_present') and 'grub_before_move' not in f['planned']:
        return None
    ops = _bootloader_ops(state, [(1, params['disk1'])]) + [FlushBootFs()]
    directory, pre, post = _esp_mount(state, gpt.partition_path(params['disk1'], 2), 1)
    return ops + pre + [Run(['rm', '-rf', move_boot.copy_path(directory)]), Run(['sync'])] + post


def vgreduce(params, state, f):
    return [Run(['vgreduce', params['vg'], f['d1p3']])] if not f['move_done'] else None


def pvremove(params, state, f):
    return [Run(['pvremove', f['d1p3']])] if not f['move_done'] or f['d1p3'] in f['pvs'] else None


def lvm_filter_both(params, state, f):
    if f['replacement'] and 'lvm_filter_disk2' in f['planned']:
        return None
    if f['table_planned'] or f['aliases'].get(f['d1p3']) not in f['rejects']:
        f['dirty_initramfs'] = True
        return [LvmFilter(['disk1', 'disk2'])]
    return None


def retype_disk1(params, state, f):
    if needs_retype(state['disk1'], params['osd_partition']):
        return _retype(params['disk1'], state['disk1'], params['osd_partition'], ['partx', '-u'])
    return None


def add_member(params, state, f):
    if f['d1p3'] in f['members']:
        return None
    ops = [SyncSpeed(f['md_name'], str(params['sync_speed_min']))] if params['wait_resync'] else []
    return ops + [Run(['mdadm', params['md_device'], '--add', f['d1p3']])]


def initramfs(params, state, f):
    if f['dirty_initramfs'] or not state.get('initramfs_fresh'):
        return [Run(['update-initramfs', '-u', '-k', 'all'])]
    return None


def bootloader(params, state, f):
    stamp = (state.get('stamp') or {}).get('bootloader')
    if f['planned'] or not f['md_uuid'] or stamp != f['md_uuid'] or not state.get('grub_cfg_has_mdraid'):
        return _bootloader_ops(state, [(1, params['disk1']), (2, params['disk2'])]) + [
            Run(['update-grub']), FlushBootFs(), Stamp('bootloader')]
    return None


def resync(params, state, f):
    syncing = bool(set(f['planned']) & {'add_member', 'add_new_member'}) or bool(f['array'] and f['array'].get('sync'))
    return [Wait('resync')] if syncing and params['wait_resync'] else None


def restore_sync_speed(params, state, f):
    raised = '(local)' in (state.get('sync_speed_min') or '')
    if (params['wait_resync'] and set(f['planned']) & {'add_member', 'add_new_member'}) or raised:
        return [SyncSpeed(f['md_name'], 'system')]
    return None


PHASES = (copy_table, copy_boot_partitions, esp_fstab_nofail, esp_fstab_survivor, retype_disk2, lvm_filter_disk2,
          assemble_md, create_md, add_new_member, mdadm_conf, initramfs_before_move, pvcreate, vgextend,
          grub_before_move, pvmove, grub_after_move, vgreduce, pvremove, lvm_filter_both, retype_disk1, add_member, initramfs,
          bootloader, grub_install_devices, resync, restore_sync_speed)


def plan(params, state):
    """Phases still to do: list of {'phase', 'ops'}; raises Refusal first when the node is not as declared.

    A replacement (replacement.py) swaps disk1/disk2 in ``params`` and ``state`` first, so that the
    survivor plays disk 1 for the planner and for the executor that runs the plan."""
    replacement.normalise(params, state)
    refusals(params, state)
    facts = _facts(params, state)
    phases = []
    for phase in PHASES:
        ops = phase(params, state, facts)
        if ops:
            phases.append({'phase': phase.__name__, 'ops': ops})
            facts['planned'].append(phase.__name__)
    return phases
