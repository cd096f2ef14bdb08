# -*- coding: utf-8 -*-
# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The conversion phase that keeps a BIOS node bootable from either disk after grub-pc updates.

Kept apart from boot_sync.py because it needs ops.py, which needs state.py, which reads through
boot_sync.py: the phase sits at the end of that chain.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.isplab.infra.plugins.module_utils.root_raid1 import boot_sync
from ansible_collections.isplab.infra.plugins.module_utils.root_raid1.ops import DebconfInstallDevices
from ansible_collections.isplab.infra.plugins.module_utils.root_raid1.refusals import Refusal


def grub_install_devices(params, state, f):
    """debconf grub-pc/install_devices names both disks by-id (and install_devices_empty is false)."""
    boot = state.get('boot_sync') or {}
    if state.get('firmware') != 'bios' or not boot.get('grub_pc_installed'):
        return None
    disks = [boot['disks_resolved'][key] for key in ('disk1', 'disk2')]
    missing = boot_sync.install_devices_missing(boot['install_devices_resolved'], disks)
    if not missing and boot.get('install_devices_empty') != 'true':
        return None
    for key in ('disk1', 'disk2'):
        if not boot['by_id'].get(key):
            raise Refusal(boot_sync.ERR_NO_BY_ID.format(disk=params[key]))
    return [DebconfInstallDevices(boot['by_id']['disk1'], boot['by_id']['disk2'])]
