# -*- coding: utf-8 -*-
# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The phases and ops only a replacement needs (see replacement.py); planner.PHASES lists them in order."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import time

from ansible_collections.isplab.infra.plugins.module_utils.common import fstab
from ansible_collections.isplab.infra.plugins.module_utils.common.files import write_text
from ansible_collections.isplab.infra.plugins.module_utils.root_raid1 import gpt, state as raid1_state
from ansible_collections.isplab.infra.plugins.module_utils.root_raid1.ops import Op, Run, SyncSpeed, boot_efi_lines


class StampReplacing(Op):
    """Drops the bootloader stamp before the new member joins: a crash during the resync then still
    redoes the boot code on both disks, although the array no longer looks like a replacement."""
    kind = 'stamp_replacing'

    def describe(self):
        return 'record the replacement in %s (boot code is redone until the end)' % raid1_state.STAMP_PATH

    def apply(self, ex):
        data = raid1_state.read_stamp()
        data['replacing'] = data.pop('bootloader', None) or self[1]
        data['replacing_at'] = int(time.time())
        write_text(ex.module, raid1_state.STAMP_PATH, json.dumps(data, indent=2, sort_keys=True) + '\n')


def _with_source(text, uuid):
    lines = text.splitlines(True)
    number = fstab.entries_for(text, '/boot/efi')[0]['line']
    raw = lines[number]
    fields = raw.split()
    fields[0] = 'UUID=%s' % uuid
    lines[number] = ' '.join(fields) + ('\n' if raw.endswith('\n') else '')
    return ''.join(lines)


class EspFstabSource(Op):
    kind = 'esp_fstab_source'

    def describe(self):
        return 'point the /boot/efi line of /etc/fstab at UUID=%s (the ESP of %s, the failed disk had %s); mount it' % (
            self[2], self[1], self[3])

    def preview(self, ex):
        ex.replace(raid1_state.FSTAB, _with_source(ex.read(raid1_state.FSTAB), self[2]), '/etc/fstab /boot/efi line', boot_efi_lines)

    def apply(self, ex):
        self.preview(ex)
        mounted = ex.runner.run(['findmnt', '--noheadings', '/boot/efi'], expected_rc=None)
        if mounted.rc != 0:
            # systemd keeps the unit it generated from the old line until it reloads
            ex.runner.run(['systemctl', 'daemon-reload'], changes=True)
            ex.runner.run(['mount', '/boot/efi'], changes=True)


def esp_fstab_survivor(params, state, f):
    """fstab still mounts /boot/efi by the dead disk's ESP: nofail lets the node boot, but nothing is
    mounted there, so grub-efi updates would go nowhere. Point it at the survivor's ESP."""
    current = state.get('fstab_esp_uuid')
    survivor = (state.get('d1p2_blkid') or {}).get('UUID')
    if not (f['replacement'] and current and survivor):
        return None
    members = {survivor.upper()}
    if 'copy_boot_partitions' not in f['planned'] and (state.get('d2p2_blkid') or {}).get('UUID'):
        members.add(state['d2p2_blkid']['UUID'].upper())
    if current in members:
        return None
    return [EspFstabSource(gpt.partition_path(params['disk1'], 2), survivor.upper(), current)]


def add_new_member(params, state, f):
    """``mdadm --add`` of the new disk's p3 to the array that runs degraded (never a second --create)."""
    if not f['array'] or f['d2p3'] in f['members']:
        return None
    ops = [SyncSpeed(f['md_name'], str(params['sync_speed_min']))] if params['wait_resync'] else []
    return ops + [StampReplacing(f['md_uuid']), Run(['mdadm', params['md_device'], '--add', f['d2p3']])]
