# -*- coding: utf-8 -*-
# Copyright: isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    """The node as root_raid1 and root_raid1_verify both describe it (module_utils/root_raid1/planner.py
    raid1_argument_spec)."""

    DOCUMENTATION = r'''
options:
  disk1:
    description:
      - Disk that holds the PV of I(vg) before the conversion (partition 3); C(/dev/disk/by-id) names are resolved.
    type: path
    required: true
  disk2:
    description: Second disk; its partition 3 becomes the first member of the array.
    type: path
    required: true
  vg:
    description: Volume group holding the root LV.
    type: str
    default: pve
  md_device:
    description: The md array holding the PV of I(vg).
    type: path
    default: /dev/md0
  osd_partition:
    description: Partition 4 "Ceph OSD" in the remaining space of both disks.
    type: bool
    default: true
'''
