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
    vgextend, GRUB with mdraid09 on disk 1, pvmove, vgreduce, pvremove, retype disk 1, C(mdadm --add),
    initramfs, grub-install on both disks, update-grub, resync, restore the sync speed.
  - Every phase is recognised from the live state, so a rerun after a crash continues where it stopped
    (an interrupted pvmove is resumed with plain C(pvmove), a half-built array is found by its 0.90
    superblock, a copied table by its sectors).
  - The module starts pvmove in the background and returns with RV(waiting_for=pvmove); it also returns
    RV(waiting_for=resync) while the array resyncs. Call it again once the move or resync finished (the
    role C(isplab.infra.root_raid1) polls and shows the progress in between).
  - Refuses, before changing anything, when disk 2 holds partitions or signatures (unless
    I(allow_wipe_disk2)), is too small, is disk 1, when the VG or PV is not as declared, when the md device
    exists with other members, or when the used extents would not fit on the md member.
version_added: 0.1.0
author: isplab.infra contributors (@isplab)
options:
  disk1:
    description: Disk holding the PV of I(vg) today (partition 3). C(/dev/disk/by-id) names are resolved.
    type: path
    required: true
  disk2:
    description: Second disk; it becomes the first member of the array.
    type: path
    required: true
  vg:
    description: Volume group holding the root LV.
    type: str
    default: pve
  md_device:
    description: The md array to create.
    type: path
    default: /dev/md0
  osd_partition:
    description: Create partition 4 "Ceph OSD" in the remaining space of both disks.
    type: bool
    default: true
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
attributes:
  check_mode:
    support: full
    description: Prints the full plan (phases and commands) and changes nothing.
  diff_mode:
    support: partial
    description: Shows changes to the managed lvm.conf block, the mdadm.conf ARRAY lines and sync_speed_min.
  platform:
    support: full
    platforms: debian
    description: Debian/Proxmox VE with mdadm, lvm2, gdisk, grub and initramfs-tools.
notes:
  - With metadata 0.90 each raw member looks like a plain partition holding the PV; the module therefore
    rejects both raw members in C(devices/global_filter) (by their by-partuuid names) and turns on LVM's full
    md component check, so LVM only ever reads the PV through the array.
seealso:
  - module: isplab.infra.raid1_verify
'''

EXAMPLES = r'''
- name: Show the plan only
  isplab.infra.root_raid1:
    disk1: /dev/disk/by-id/ata-DISK_A
    disk2: /dev/disk/by-id/ata-DISK_B
  check_mode: true
  register: plan

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
  description: Resolved device paths of I(disk1) and I(disk2).
  returned: always
  type: dict
pvmove_bytes:
  description: Bytes the pvmove started by this run moves.
  returned: when this run started pvmove
  type: int
files_changed:
  description: Files rewritten.
  returned: always
  type: list
  elements: str
'''

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.isplab.infra.plugins.module_utils.root_raid1 import mdraid
from ansible_collections.isplab.infra.plugins.module_utils.common.diff import DiffTracker
from ansible_collections.isplab.infra.plugins.module_utils.root_raid1.host import Executor, inspect, read_text
from ansible_collections.isplab.infra.plugins.module_utils.root_raid1.planner import Refusal, plan, raid1_argument_spec, render
from ansible_collections.isplab.infra.plugins.module_utils.common.runner import CommandError, CommandRunner


def _still_syncing(md_device):
    array = mdraid.parse_mdstat(read_text('/proc/mdstat')).get(md_device.rsplit('/', 1)[-1])
    return bool(array and array.get('sync'))


def main():
    module = AnsibleModule(
        argument_spec=raid1_argument_spec(
            allow_wipe_disk2=dict(type='bool', default=False),
            firmware=dict(type='str', default='auto', choices=['auto', 'bios', 'uefi']),
            wait_resync=dict(type='bool', default=True),
            sync_speed_min=dict(type='int', default=200000),
        ),
        supports_check_mode=True,
    )
    params = dict(module.params)
    for key in ('disk1', 'disk2'):
        if not os.path.exists(params[key]):
            module.fail_json(msg='%s %s does not exist' % (key, params[key]))
        params[key] = os.path.realpath(params[key])
    runner = CommandRunner(module)
    diff = DiffTracker()
    result = dict(changed=False, plan=[], phases_done=[], waiting_for=None, files_changed=[],
                  disks={'disk1': params['disk1'], 'disk2': params['disk2']})
    try:
        state = inspect(module, runner, params)
        phases = plan(params, state)
    except Refusal as exc:
        module.fail_json(msg=str(exc), commands=runner.commands, **result)
    except CommandError as exc:
        module.fail_json(msg=str(exc), commands=runner.commands, **result)
    result['plan'] = render(phases)
    result['firmware'] = state['firmware']

    executor = Executor(module, runner, params, diff)
    try:
        for phase in phases:
            waiting = None
            for op in phase['ops']:
                waiting = executor.run_op(op) or waiting
                if op[0] != 'wait':
                    result['changed'] = True
            if module.check_mode:
                continue
            if waiting == 'resync' and not _still_syncing(params['md_device']):
                waiting = None
            if waiting:
                result['waiting_for'] = waiting
                break
            result['phases_done'].append(phase['phase'])
    except CommandError as exc:
        result.update(commands=runner.commands, files_changed=executor.files_changed)
        module.fail_json(msg='phase %s failed: %s' % (phase['phase'], exc), rc=exc.result.rc,
                         stderr=exc.result.stderr, **result)
    if 'pvmove_bytes' in executor.timings:
        result['pvmove_bytes'] = executor.timings['pvmove_bytes']
    result.update(commands=runner.commands, files_changed=executor.files_changed)
    if module._diff:
        result['diff'] = diff.diff()
    module.exit_json(**result)


if __name__ == '__main__':
    main()
