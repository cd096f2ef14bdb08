# -*- coding: utf-8 -*-
# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The steps a conversion phase is made of: each op says what it does (the plan) and does it.

An op is a tuple ``(kind, args...)`` so a plan stays plain data; values such as the new partition
GUID only exist once earlier ops ran, so ops read them from the live node when they run.  In check
mode nothing changes: commands are recorded as planned and the file ops only add their diff.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re
import time

from ansible_collections.isplab.infra.plugins.module_utils.common import fstab
from ansible_collections.isplab.infra.plugins.module_utils.common.files import read_text, write_text
from ansible_collections.isplab.infra.plugins.module_utils.common.runner import CommandError, CommandResult
from ansible_collections.isplab.infra.plugins.module_utils.root_raid1 import boot_sync, fat, lvm, mdraid, state
from ansible_collections.isplab.infra.plugins.module_utils.root_raid1.refusals import ERR_EXTENTS


class Op(tuple):
    """``(kind, args...)``; a subclass gives ``describe()`` (its line in the plan) and ``apply(ex)``, which
    returns what to wait for when it leaves something running in the background, else None."""
    kind = None

    def __new__(cls, *args):
        return tuple.__new__(cls, (cls.kind,) + tuple(args))

    def __getnewargs__(self):
        return tuple(self[1:])

    def preview(self, ex):
        """Check mode: by default an op that is not a command does nothing."""
        return None


class Run(Op):
    kind = 'run'

    def describe(self):
        return ' '.join(str(a) for a in self[1])

    def apply(self, ex):
        ex.runner.run(self[1], changes=True)

    preview = apply


class Wait(Op):
    kind = 'wait'

    def describe(self):
        return 'wait for %s (the role polls and shows progress)' % self[1]

    def apply(self, ex):
        return self[1]

    preview = apply


class LvmFilter(Op):
    kind = 'lvm_filter'

    def describe(self):
        return 'write /etc/lvm/lvm.conf devices/global_filter rejecting partition 3 of %s (by-partuuid)' % (
            ' and '.join(self[1]))

    def _text(self, ex):
        rejects = [ex.partuuid_alias(ex.params[key]) for key in self[1]]
        return lvm.with_managed_block(ex.read(state.LVM_CONF), lvm.managed_filter_block(rejects))

    def apply(self, ex):
        changed = ex.replace(state.LVM_CONF, self._text(ex), 'lvm.conf managed block', lvm.current_managed_block)
        if changed and not ex.module.check_mode:
            # parses the new file; a syntax error would otherwise show up only at the next boot
            ex.runner.run(['lvmconfig', '--validate'])

    preview = apply


class MdadmConf(Op):
    kind = 'mdadm_conf'

    def describe(self):
        return 'mdadm --detail --brief %s > ARRAY line in /etc/mdadm/mdadm.conf' % self[1]

    def apply(self, ex):
        md = self[1]
        # in check mode the array may not exist yet: mdadm --create gives it its UUID
        brief = ex.runner.run(['mdadm', '--detail', '--brief', md], expected_rc=None if ex.module.check_mode else (0,))
        line = mdraid.parse_brief(brief.stdout)
        if line is None:
            if not ex.module.check_mode:
                raise CommandError(brief, 'mdadm --detail --brief %s printed no ARRAY line' % md)
            line = 'ARRAY %s metadata=0.90 UUID=(set-by-mdadm-create)' % md
        uuid = mdraid.array_uuid_of_line(line)
        before = ex.read(state.MDADM_CONF)
        kept = [raw for raw in before.splitlines()
                if not (raw.startswith('ARRAY') and (md in raw.split() or mdraid.array_uuid_of_line(raw) == uuid))]
        ex.replace(state.MDADM_CONF, '\n'.join(kept + [line]) + '\n', 'mdadm.conf ARRAY', mdraid.conf_array_lines)

    preview = apply


class FstabNofail(Op):
    kind = 'fstab_nofail'

    def describe(self):
        return 'add nofail to the /boot/efi line of /etc/fstab (booting from disk 2 alone must not wait for it)'

    def apply(self, ex):
        after = fstab.with_option(ex.read(state.FSTAB), '/boot/efi', 'nofail')
        if after is not None:
            ex.replace(state.FSTAB, after, '/etc/fstab /boot/efi line', boot_efi_lines)

    preview = apply


def boot_efi_lines(text):
    """The /boot/efi line of an fstab, for the diff of the ops that edit it."""
    line = fstab.entry_line(text, '/boot/efi')
    return [line] if line is not None else []


class CheckFit(Op):
    kind = 'check_fit'

    def describe(self):
        return 'check: allocated extents of %s fit on %s' % (self[1], self[2])

    def apply(self, ex):
        d1p3, md = self[1], self[2]
        vg = ex.params['vg']
        pvs, vgs, lvs = state.lvm_reports(ex.runner, vg)
        used = sum(pv.get('pv_pe_alloc_count') or 0 for pv in pvs if pv.get('vg_name') == vg)
        available = dict((pv['pv_name'], pv) for pv in pvs).get(md, {}).get('pv_pe_count') or 0
        if used > available:
            raise CommandError(CommandResult(['pvs'], rc=1), ERR_EXTENTS.format(vg=vg, used=used, available=available))
        extent = dict((v['vg_name'], v) for v in vgs)[vg]['vg_extent_size']
        ex.timings['pvmove_bytes'] = dict((p['pv_name'], p) for p in pvs)[d1p3]['pv_pe_alloc_count'] * extent


class SyncSpeed(Op):
    kind = 'sync_speed'

    def describe(self):
        return 'echo %s > %s' % (self[2], state.sync_speed_path(self[1]))

    def preview(self, ex):
        path = state.sync_speed_path(self[1])
        ex.diff.add('sync_speed_min', read_text(path).strip(), self[2])

    def apply(self, ex):
        self.preview(ex)
        path = state.sync_speed_path(self[1])
        ex.runner.commands.append(self.describe())
        with open(path, 'w') as handle:
            handle.write(self[2] + '\n')


class Stamp(Op):
    kind = 'stamp'

    def describe(self):
        return 'record %s done in %s' % (self[1], state.STAMP_PATH)

    def apply(self, ex):
        detail = mdraid.parse_detail(ex.runner.run(['mdadm', '--detail', ex.params['md_device']]).stdout)
        data = state.read_stamp()
        data[self[1]] = detail['uuid']
        data['%s_at' % self[1]] = int(time.time())
        write_text(ex.module, state.STAMP_PATH, json.dumps(data, indent=2, sort_keys=True) + '\n')


def efi_labels(listing):
    """Labels of ``efibootmgr`` boot entries; efibootmgr 17 appends the device path after a tab."""
    labels = []
    for line in listing.splitlines():
        match = re.match(r'^Boot[0-9A-Fa-f]{4}\*? (.*)$', line)
        if match:
            labels.append(match.group(1).split('\t')[0].strip())
    return labels


class EfiEntry(Op):
    kind = 'efi_entry'

    def describe(self):
        return 'efibootmgr -c -d %s -p 2 -L %s -l \\EFI\\debian\\grubx64.efi (unless present)' % (self[1], self[2])

    def apply(self, ex):
        disk, label = self[1], self[2]
        if label in efi_labels(ex.runner.run(['efibootmgr']).stdout):
            return
        ex.runner.run(['efibootmgr', '--create', '--disk', disk, '--part', '2', '--label', label,
                       '--loader', '\\EFI\\debian\\grubx64.efi'], changes=True)


class EspMounted(Op):
    """grub-install --efi-directory=/boot/efi on an unmounted /boot/efi fails ("doesn't look like an EFI
    partition", seen once in the lab): mount it from fstab again, refuse a foreign one."""
    kind = 'esp_mounted'

    def describe(self):
        return 'check: /boot/efi is mounted from %s (mount /boot/efi from fstab if not)' % self[1]

    def apply(self, ex):
        source = state.esp_mount_source(ex.runner)
        if source is None:
            ex.runner.run(['mount', '/boot/efi'], changes=True)
            source = state.esp_mount_source(ex.runner)
        if source != self[1]:
            raise CommandError(CommandResult(['findmnt', '/boot/efi'], rc=1),
                               '/boot/efi is mounted from %s, expected the ESP of disk 1 (%s)' % (source, self[1]))


class EspVolumeId(Op):
    kind = 'esp_volume_id'

    def describe(self):
        return 'fatlabel -i %s <new random volume ID (UUID), not that of %s>' % (self[2], self[1])

    def apply(self, ex):
        old = fat.parse_volume_id(ex.runner.run(['fatlabel', '-i', self[1]]).stdout)
        ex.runner.run(['fatlabel', '-i', self[2], fat.new_volume_id(old)], changes=True)
        # udev re-reads the partition on close; wait so by-uuid is settled before anything mounts
        ex.runner.run(['udevadm', 'settle'])


class FlushBootFs(Op):
    """Freezing ext4 checkpoints its journal, so a loader that ignores the journal sees the new files."""
    kind = 'flush_boot_fs'

    def describe(self):
        return 'sync; fsfreeze --freeze/--unfreeze the filesystem holding /boot (writes its journal home)'

    def apply(self, ex):
        ex.runner.run(['sync'])
        target = ['findmnt', '--noheadings', '--output', 'TARGET', '--target', '/boot']
        mountpoint = ex.runner.run(target).stdout.strip()
        ex.runner.run(['fsfreeze', '--freeze', mountpoint])
        try:
            time.sleep(0.1)
        finally:
            ex.runner.run(['fsfreeze', '--unfreeze', mountpoint])


class BootCopyConfig(Op):
    """grub.cfg of the data move's /boot copy on the ESP (move_boot.py).  FAT has no atomic rename or
    modes, so it is written in place and fsynced; GRUB reads it only after the grub-install that follows."""
    kind = 'boot_copy_config'

    def describe(self):
        return 'write %s: one entry booting the copied kernel with the root LV' % self[1]

    def apply(self, ex):
        ex.diff.add(self[1], read_text(self[1]), self[2])
        if ex.module.check_mode:
            return
        with open(self[1], 'w') as handle:
            handle.write(self[2])
            handle.flush()
            os.fsync(handle.fileno())
        ex.files_changed.append(self[1])

    preview = apply


class DebconfInstallDevices(Op):
    """grub-pc reinstalls boot code on upgrade only to the disks debconf names: name both, by-id."""
    kind = 'debconf_install_devices'

    def describe(self):
        return 'debconf-set-selections: grub-pc/install_devices = %s, install_devices_empty = false' % (
            ', '.join(self[1:]))

    def apply(self, ex):
        before = boot_sync.read_install_devices(ex.runner)[0]
        ex.diff.add('debconf grub-pc/install_devices', ', '.join(before), ', '.join(self[1:]))
        ex.runner.run(['debconf-set-selections'], changes=True, data=boot_sync.selections(self[1:]))

    preview = apply


def describe(op):
    """One line per op for the plan shown in check mode and in ``plan``."""
    return op.describe()


def render(phases):
    return [{'phase': p['phase'], 'commands': [describe(op) for op in p['ops']]} for p in phases]
