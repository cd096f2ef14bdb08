#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: root_raid1_verify
short_description: Verify a root-on-md-RAID1 (metadata 0.90) Proxmox node
description:
  - Reads the live system and returns facts plus a list of failed checks - md array level raid1, metadata
    0.90, both members active (or a resync in progress when I(allow_resync)), the VG on the md device only and
    no PV read from a raw member, mdadm.conf lists the array, the initramfs contains mdadm and the array,
    GRUB boot code on both disks, partition types as intended, the two ESPs with different FAT volume IDs and
    the /boot/efi line of fstab with C(nofail), and no copy of /boot left on the ESP by an interrupted data
    move (C(no_move_boot_copy)).
  - Bootable after package updates - on UEFI both ESPs hold the same files with the same content
    (C(esp_contents_equal), SHA-256 of every file); on BIOS with grub-pc installed, debconf
    C(grub-pc/install_devices) names every present member disk (C(grub_install_devices)).
  - A member that mdadm marked C(faulty) is named as failed in C(md_members_active); with I(check_monitor)
    C(mdmonitor.service) must be active (C(mdmonitor_active)) and mdadm.conf must have MAILADDR or PROGRAM
    (C(mdmonitor_config)).
  - A host without C(mdadm), C(pvs) or C(sfdisk) gets one failed check (C(tools_installed)) instead of an error.
version_added: 0.1.0
author: isplab.infra contributors (@isplab)
options:
  allow_resync:
    description: Accept a member that is still being rebuilt (the progress is returned).
    type: bool
    default: false
  allow_degraded:
    description: Accept a member that is missing (degraded boot tests).
    type: bool
    default: false
  check_initramfs:
    description: Unpack the initramfs of the running kernel and check it carries mdadm and the ARRAY line.
    type: bool
    default: true
  check_monitor:
    description:
      - Check that C(mdmonitor.service) is active and /etc/mdadm/mdadm.conf has a MAILADDR or PROGRAM line.
      - The role sets it when it manages monitoring (C(root_raid1_monitor_enabled)).
    type: bool
    default: false
extends_documentation_fragment:
  - isplab.infra.root_raid1
  - isplab.infra.attributes.verifier
attributes:
  platform:
    support: full
    platforms: debian
    description: Debian/Proxmox VE with mdadm, lvm2, gdisk and initramfs-tools; UEFI ESPs are mounted read-only to look.
seealso:
  - module: isplab.infra.root_raid1
'''

EXAMPLES = r'''
- name: Verify the mirror while the resync still runs, and only report what failed
  isplab.infra.root_raid1_verify:
    disk1: /dev/disk/by-id/nvme-DISK_A
    disk2: /dev/disk/by-id/nvme-DISK_B
    allow_resync: true
    fail_on_error: false
  register: raid1

- name: Show the failed checks
  ansible.builtin.debug:
    msg: "{{ raid1.failed_checks }}"
  when: raid1.failed_checks | length > 0
'''

RETURN = r'''
checks:
  description: Every check with its outcome.
  returned: always
  type: list
  elements: dict
failed_checks:
  description: The checks that did not hold, with the problem.
  returned: always
  type: list
  elements: dict
md:
  description: Parsed C(mdadm --detail) of the array (null when it is not running).
  returned: always
  type: dict
sync:
  description: The running resync/recovery from /proc/mdstat (action, percent, speed), or null.
  returned: always
  type: dict
pvs:
  description: PVs as LVM reports them.
  returned: always
  type: list
  elements: dict
esp_differences:
  description: UEFI with both disks present - files that differ between the two ESPs (missing on one side or
    other content); null on BIOS or with one disk.
  returned: always
  type: list
  elements: str
install_devices:
  description: BIOS with grub-pc - debconf C(grub-pc/install_devices) as a list; null otherwise.
  returned: always
  type: list
  elements: str
monitor:
  description: With I(check_monitor) - C(active) (systemctl is-active of mdmonitor.service) and C(config)
    (the MAILADDR/PROGRAM values of mdadm.conf); null otherwise.
  returned: always
  type: dict
commands:
  description: Commands run.
  returned: always
  type: list
  elements: str
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.isplab.infra.plugins.module_utils.common.checks import CheckList
from ansible_collections.isplab.infra.plugins.module_utils.common.runner import CommandError, CommandRunner
from ansible_collections.isplab.infra.plugins.module_utils.root_raid1 import verify
from ansible_collections.isplab.infra.plugins.module_utils.root_raid1.planner import raid1_argument_spec

NO_FACTS = dict(md=None, sync=None, pvs=[], initramfs=None, boot_code={}, partition_types={}, firmware=None,
                esp_differences=None, install_devices=None, monitor=None)


def main():
    module = AnsibleModule(
        argument_spec=raid1_argument_spec(
            allow_resync=dict(type='bool', default=False),
            allow_degraded=dict(type='bool', default=False),
            check_initramfs=dict(type='bool', default=True),
            check_monitor=dict(type='bool', default=False),
            fail_on_error=dict(type='bool', default=True),
        ),
        supports_check_mode=True,
    )
    runner = CommandRunner(module)
    checks = CheckList()
    facts = NO_FACTS
    if verify.check_tools(runner, checks):
        try:
            facts = verify.run_checks(runner, checks, module.params)
        except CommandError as exc:
            module.fail_json(msg='cannot read the node: %s' % exc, commands=runner.commands, **NO_FACTS)
    checks.exit(module, fail_on_error=module.params['fail_on_error'], commands=runner.commands, changed=False,
                **facts)


if __name__ == '__main__':
    main()
