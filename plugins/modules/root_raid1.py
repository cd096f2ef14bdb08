#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: root_raid1
short_description: Move a Proxmox node's root LVM onto an mdadm RAID1 (metadata 0.90), in place
description:
  - Inspects disks, md arrays, LVM, mdadm.conf, the initramfs and GRUB, decides which phases of the
    conversion are still to do and runs them in this order - copy the GPT of I(disk1) to I(disk2) with new
    GUIDs, copy the BIOS boot and EFI partitions, retype disk 2 (p3 Linux RAID, p4 Ceph OSD), LVM filter,
    C(mdadm --create --metadata=0.90 -l1 -n2 <disk2-p3> missing), mdadm.conf, initramfs, pvcreate,
    vgextend, a copy of the running kernel and initramfs on disk 1's ESP with a GRUB on disk 1 that reads only
    that copy (GRUB cannot read an LV that pvmove is moving, so a power cut during the move still boots), pvmove,
    GRUB with mdraid09 on disk 1 again and the copy removed, vgreduce, pvremove, retype disk 1, C(mdadm --add),
    initramfs, grub-install on both disks, update-grub, on BIOS with grub-pc debconf
    C(grub-pc/install_devices) naming both disks by C(/dev/disk/by-id) (so grub-pc updates reinstall the boot
    code on both), resync, restore the sync speed.
  - Every phase is recognised from the live state, so a rerun after a crash continues where it stopped
    (an interrupted pvmove is resumed with plain C(pvmove), a half-built array is found by its 0.90
    superblock, a copied table by its sectors).
  - The module starts pvmove in the background and returns with RV(waiting_for=pvmove); it also returns
    RV(waiting_for=resync) while the array resyncs. Call it again once the move or resync finished (the
    role C(isplab.infra.root_raid1) polls and shows the progress in between).
  - Replaces a failed member with the same options - after a converted node lost a disk, name the blank
    disk that took its place as I(disk1) or I(disk2) (whichever the dead one was). The array running degraded
    on the other disk's p3 is recognised, that survivor plays disk 1 - copy its table to the new disk with new
    GUIDs, copy the boot partitions (new ESP volume ID), point the /boot/efi line of /etc/fstab at the
    survivor's ESP when it named the dead one, retype, LVM filter, C(mdadm <md_device> --add <new disk p3>),
    initramfs, boot code on both disks, resync - see RV(replacement). The new disk is refused like disk 2 of a
    conversion (I(allow_wipe_disk2)), and also when its p3 carries another array's superblock.
  - Refuses, before changing anything, when disk 2 holds partitions or signatures (unless
    I(allow_wipe_disk2)), is too small, is disk 1, when the VG or PV is not as declared, when the md device
    exists with other members, when the used extents would not fit on the md member, when disk 1's ESP has no
    room for the copy of the running kernel and initramfs the data move boots from; on BIOS with grub-pc
    also when a disk has no C(/dev/disk/by-id) link for C(grub-pc/install_devices).
version_added: 0.1.0
author: isplab.infra contributors (@isplab)
options:
  allow_wipe_disk2:
    description: Destructive opt-in - overwrite I(disk2) although it holds partitions or signatures.
    type: bool
    default: false
  firmware:
    description: Boot firmware of the node; C(auto) looks at C(/sys/firmware/efi).
    type: str
    choices: [auto, bios, uefi]
    default: auto
  wait_resync:
    description:
      - Raise the array's C(sync_speed_min) to I(sync_speed_min) and report RV(waiting_for=resync) until the
        resync finished; the next call restores the system default.
      - When false, the resync runs at the system's speed settings and is only reported.
    type: bool
    default: true
  sync_speed_min:
    description: Minimum resync speed in KiB/s while I(wait_resync) is set.
    type: int
    default: 200000
  mode:
    description:
      - C(convert) plans and runs the conversion phases.
      - C(progress) only reads how far a running pvmove or resync got and returns it as RV(progress); it changes
        nothing and ignores every option but I(vg), I(md_device), I(previous), I(poll_interval) and
        I(stall_seconds). The role polls with it.
    type: str
    choices: [convert, progress]
    default: convert
  previous:
    description:
      - With I(mode=progress) - the RV(progress) key C(sample) the previous poll returned. pvmove's rate is measured
        since the wait began (the resync's rate comes from /proc/mdstat), and the time since anything moved
        (C(stalled_seconds) in RV(progress)) counts from it. Omit on the first poll.
    type: dict
  poll_interval:
    description:
      - With I(mode=progress) - the shortest C(next_poll_seconds) in RV(progress) in seconds; the next poll comes after
        a fifth of the ETA, at most 1800 seconds later.
    type: int
    default: 5
  stall_seconds:
    description:
      - With I(mode=progress) - C(stalled) in RV(progress) turns true when the pvmove or resync did not move for this
        many seconds.
    type: int
    default: 600
  stop_before:
    description:
      - Run the phases still to do up to, not including, this one, and return with RV(stopped_before) set - for a
        maintenance window that ends before the data move (C(pvmove)) or before the boot code is rewritten
        (C(bootloader)). The next run without it continues from the live state.
      - Phases after it are not run either, also when the named phase itself is done already.
    type: str
    choices: [copy_table, copy_boot_partitions, esp_fstab_nofail, esp_fstab_survivor, retype_disk2, lvm_filter_disk2,
              assemble_md, create_md, add_new_member, mdadm_conf, initramfs_before_move, pvcreate, vgextend,
              grub_before_move, pvmove, grub_after_move, vgreduce, pvremove, lvm_filter_both, retype_disk1, add_member, initramfs,
              bootloader, grub_install_devices, resync, restore_sync_speed]
extends_documentation_fragment:
  - isplab.infra.root_raid1
attributes:
  check_mode:
    support: full
    description: Prints the full plan (phases and commands) and changes nothing.
  diff_mode:
    support: partial
    description:
      - Shows the changes to the managed lvm.conf block, the mdadm.conf ARRAY lines, the /boot/efi line of
        /etc/fstab and sync_speed_min, also in check mode (the partition GUIDs and the array UUID that do not
        exist yet are shown as placeholders).
  platform:
    support: full
    platforms: debian
    description: Debian/Proxmox VE with mdadm, lvm2, gdisk, dosfstools (fatlabel), grub and initramfs-tools.
notes:
  - With metadata 0.90 each raw member looks like a plain partition holding the PV; the module therefore
    rejects both raw members in C(devices/global_filter) (by their by-partuuid names) and turns on LVM's full
    md component check, so LVM only ever reads the PV through the array.
seealso:
  - module: isplab.infra.root_raid1_verify
'''

EXAMPLES = r'''
- name: Show the plan only
  isplab.infra.root_raid1:
    disk1: /dev/disk/by-id/ata-DISK_A
    disk2: /dev/disk/by-id/ata-DISK_B
  check_mode: true
  register: plan

- name: How far the data move got
  isplab.infra.root_raid1:
    disk1: /dev/disk/by-id/ata-DISK_A
    disk2: /dev/disk/by-id/ata-DISK_B
    mode: progress
  register: move

- name: Prepare everything up to the data move, in a short maintenance window
  isplab.infra.root_raid1:
    disk1: /dev/disk/by-id/ata-DISK_A
    disk2: /dev/disk/by-id/ata-DISK_B
    stop_before: pvmove

- name: Convert (returns waiting_for=pvmove while the data moves)
  isplab.infra.root_raid1:
    disk1: /dev/disk/by-id/ata-DISK_A
    disk2: /dev/disk/by-id/ata-DISK_B
    allow_wipe_disk2: true
'''

RETURN = r'''
plan:
  description: Phases that were still to do when the module started, with their commands.
  returned: always
  type: list
  elements: dict
phases_done:
  description: Phases completed by this run.
  returned: always
  type: list
  elements: str
stopped_before:
  description: The I(stop_before) phase when this run stopped in front of it with phases left to do, else null.
  returned: always
  type: str
waiting_for:
  description: C(pvmove) or C(resync) when the module returned while that runs in the background, else null.
  returned: always
  type: str
commands:
  description: Commands run (or, in check mode, planned).
  returned: always
  type: list
  elements: str
disks:
  description: Resolved device paths of I(disk1) and I(disk2), as given.
  returned: always
  type: dict
replacement:
  description:
    - When the run replaces a failed member - C(survivor) and C(new_disk) (device paths), and
      C(survivor_named) and C(new_disk_named) (C(disk1) or C(disk2), the option that named each). The
      commands in RV(plan) act on the survivor as disk 1 and on the new disk as disk 2.
  returned: when the array runs degraded on one declared disk and the other is not in it
  type: dict
  sample: {survivor: /dev/vdc, survivor_named: disk2, new_disk: /dev/vdb, new_disk_named: disk1}
pvmove_bytes:
  description: Bytes the pvmove started by this run moves.
  returned: when this run started pvmove
  type: int
files_changed:
  description: Files rewritten.
  returned: always
  type: list
  elements: str
progress:
  description:
    - With I(mode=progress) - what runs in the background (C(running) is C(pvmove), C(resync) or null), the
      pvmove (C(lv_name), C(move_pv), C(percent)) and the resync as /proc/mdstat shows it (C(action), C(percent),
      C(done_blocks), C(total_blocks), C(speed_kib), C(finish)), and C(summary), one line to print with the
      rate and the ETA.
    - C(eta_seconds) and C(rate_bytes_per_s) (null while unknown), C(next_poll_seconds) (when to poll
      again), C(stalled) and C(stalled_seconds) (nothing moved for I(stall_seconds)), and C(sample), to pass as
      I(previous) to the next poll.
  returned: when I(mode=progress)
  type: dict
'''

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.isplab.infra.plugins.module_utils.common.diff import DiffTracker
from ansible_collections.isplab.infra.plugins.module_utils.common.runner import CommandError, CommandRunner
from ansible_collections.isplab.infra.plugins.module_utils.root_raid1 import state
from ansible_collections.isplab.infra.plugins.module_utils.root_raid1.executor import Executor, PhaseFailed, phases_before
from ansible_collections.isplab.infra.plugins.module_utils.root_raid1.ops import render
from ansible_collections.isplab.infra.plugins.module_utils.root_raid1.planner import PHASES, plan, raid1_argument_spec
from ansible_collections.isplab.infra.plugins.module_utils.root_raid1.refusals import Refusal


PHASE_NAMES = [phase.__name__ for phase in PHASES]


def main():
    module = AnsibleModule(
        argument_spec=raid1_argument_spec(
            allow_wipe_disk2=dict(type='bool', default=False),
            firmware=dict(type='str', default='auto', choices=['auto', 'bios', 'uefi']),
            wait_resync=dict(type='bool', default=True),
            sync_speed_min=dict(type='int', default=200000),
            mode=dict(type='str', default='convert', choices=['convert', 'progress']),
            previous=dict(type='dict'),
            poll_interval=dict(type='int', default=5),
            stall_seconds=dict(type='int', default=600),
            stop_before=dict(type='str', choices=PHASE_NAMES),
        ),
        supports_check_mode=True,
    )
    params = dict(module.params)
    runner = CommandRunner(module)
    if params['mode'] == 'progress':
        try:
            progress = state.progress(runner, params['vg'], params['md_device'], params['previous'],
                                      params['poll_interval'], params['stall_seconds'])
        except CommandError as exc:
            module.fail_json(msg=str(exc), commands=runner.commands)
        module.exit_json(changed=False, progress=progress, commands=runner.commands)
    for key in ('disk1', 'disk2'):
        if not os.path.exists(params[key]):
            module.fail_json(msg='%s %s does not exist; give a disk of this node (a /dev/disk/by-id name)'
                             % (key, params[key]))
        params[key] = os.path.realpath(params[key])
    result = dict(changed=False, plan=[], phases_done=[], waiting_for=None, files_changed=[],
                  disks={'disk1': params['disk1'], 'disk2': params['disk2']})
    try:
        node = state.inspect(module, runner, params)
        phases = plan(params, node)
    except (Refusal, CommandError) as exc:
        module.fail_json(msg=str(exc), commands=runner.commands, **result)
    result.update(plan=render(phases), firmware=node['firmware'])
    todo = phases_before(phases, params['stop_before'], PHASE_NAMES)
    result['stopped_before'] = params['stop_before'] if len(todo) < len(phases) else None
    if node.get('replacement'):
        result['replacement'] = node['replacement']

    diff = DiffTracker()
    executor = Executor(module, runner, params, diff)
    try:
        executor.run_phases(todo, result)
    except PhaseFailed as exc:
        result.update(commands=runner.commands, files_changed=executor.files_changed)
        module.fail_json(msg=str(exc), rc=exc.result.rc, stderr=exc.result.stderr, **result)
    if 'pvmove_bytes' in executor.timings:
        result['pvmove_bytes'] = executor.timings['pvmove_bytes']
    result.update(commands=runner.commands, files_changed=executor.files_changed)
    if module._diff:
        result['diff'] = diff.diff()
    module.exit_json(**result)


if __name__ == '__main__':
    main()
