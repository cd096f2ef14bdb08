# -*- coding: utf-8 -*-
# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reads the node's storage state for raid1_plan and carries out planned ops (root_raid1, raid1_verify)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import glob
import json
import os
import re
import time

from ansible_collections.isplab.infra.plugins.module_utils.root_raid1 import fat, gpt, lvm, mdraid
from ansible_collections.isplab.infra.plugins.module_utils.root_raid1.planner import STAMP_PATH, ERR_EXTENTS
from ansible_collections.isplab.infra.plugins.module_utils.common.runner import CommandError, CommandResult

LVM_CONF = '/etc/lvm/lvm.conf'
MDADM_CONF = '/etc/mdadm/mdadm.conf'
GRUB_CFG = '/boot/grub/grub.cfg'
FSTAB = '/etc/fstab'
# The ESP's boot sector, its FAT32 backup and the first FAT: written in one go, last.
ESP_HEAD_BYTES = 1024 * 1024


def read_text(path, default=''):
    try:
        with open(path) as fh:
            return fh.read()
    except (IOError, OSError):
        return default


def write_text(module, path, text, mode=0o644):
    """Atomic replace, so a crash leaves the old or the new file, never half of one."""
    directory = os.path.dirname(path)
    if not os.path.isdir(directory):
        os.makedirs(directory)
    tmp = '%s.isplab-tmp' % path
    with open(tmp, 'w') as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.chmod(tmp, mode)
    module.atomic_move(tmp, path)


def disk_state(runner, path, with_signatures):
    table = gpt.parse_sgdisk_print(runner.run(['sgdisk', '--print', path], expected_rc=None).stdout)
    parts = {}
    for row in table['partitions']:
        info = gpt.parse_sgdisk_info(runner.run(['sgdisk', '--info=%d' % row['number'], path]).stdout)
        if info:
            parts[row['number']] = info
    size = int(runner.run(['blockdev', '--getsize64', path]).stdout.strip())
    state = {'path': path, 'table': table, 'parts': parts, 'size_bytes': size}
    if with_signatures:
        state['signatures'] = gpt.parse_wipefs(runner.run(['wipefs', '--no-act', '--json', path]).stdout)
    return state


def blkid(runner, device):
    if not os.path.exists(device):
        return {}
    # rc 2: nothing found, which is an answer, not an error
    return gpt.parse_blkid_export(runner.run(['blkid', '-p', '-o', 'export', device], expected_rc=(0, 2)).stdout)


def examine(runner, device):
    if not os.path.exists(device):
        return None
    result = runner.run(['mdadm', '--examine', device], expected_rc=None)
    return mdraid.parse_examine(result.stdout) if result.rc == 0 else None


def lvm_reports(runner, vg=None):
    pvs = lvm.parse_pvs(runner.run(['pvs', '--reportformat', 'json', '--units', 'b', '-o', lvm.PVS_FIELDS]).stdout)
    vgs = lvm.parse_vgs(runner.run(['vgs', '--reportformat', 'json', '--units', 'b', '-o', lvm.VGS_FIELDS]).stdout)
    lvs = []
    if vg and any(v['vg_name'] == vg for v in vgs):
        lvs = lvm.parse_lvs(runner.run(['lvs', '-a', '--reportformat', 'json', '--units', 'b',
                                        '-o', lvm.LVS_FIELDS, vg]).stdout)
    return pvs, vgs, lvs


def initramfs_fresh(inputs=(MDADM_CONF, LVM_CONF)):
    """Every initramfs is newer than the files it copies from /etc (update-initramfs rewrites it whole)."""
    images = glob.glob('/boot/initrd.img-*')
    if not images:
        return False
    newest_input = max(os.path.getmtime(p) for p in inputs if os.path.exists(p)) if any(
        os.path.exists(p) for p in inputs) else 0
    return all(os.path.getmtime(image) > newest_input for image in images)


def read_stamp():
    try:
        return json.loads(read_text(STAMP_PATH, '{}'))
    except ValueError:
        return {}


def esp_mount_source(runner):
    result = runner.run(['findmnt', '--noheadings', '--output', 'SOURCE', '/boot/efi'], expected_rc=None)
    source = result.stdout.strip()
    return os.path.realpath(source) if result.rc == 0 and source else None


def inspect(module, runner, params):
    d1, d2, md = params['disk1'], params['disk2'], params['md_device']
    md_name = md.rsplit('/', 1)[-1]
    firmware = params.get('firmware') or 'auto'
    if firmware == 'auto':
        firmware = 'uefi' if os.path.isdir('/sys/firmware/efi') else 'bios'
    state = {'firmware': firmware}
    state['disk1'] = disk_state(runner, d1, False)
    state['disk2'] = disk_state(runner, d2, d1 != d2)
    d2p3 = gpt.partition_path(d2, 3)
    state['d1p2_blkid'] = blkid(runner, gpt.partition_path(d1, 2)) if 2 in state['disk1']['parts'] else {}
    state['d2p2_blkid'] = blkid(runner, gpt.partition_path(d2, 2)) if 2 in state['disk2']['parts'] else {}
    fstab = read_text(FSTAB)
    state['fstab_esp_needs_nofail'] = fat.esp_fstab_nofail(fstab) not in (None, fstab)
    state['d2p3_blkid'] = blkid(runner, d2p3) if 3 in state['disk2']['parts'] else {}
    state['d2p3_examine'] = examine(runner, d2p3) if 3 in state['disk2']['parts'] else None
    state['mdstat'] = mdraid.parse_mdstat(read_text('/proc/mdstat'))
    state['md_detail'] = None
    if md_name in state['mdstat']:
        state['md_detail'] = mdraid.parse_detail(runner.run(['mdadm', '--detail', md]).stdout)
    state['pvs'], state['vgs'], state['lvs'] = lvm_reports(runner, params['vg'])
    conf = read_text(LVM_CONF)
    state['lvm_rejects'] = lvm.managed_rejects(conf)
    state['lvm_conf_foreign_filter'] = lvm.foreign_global_filter(conf)
    state['mdadm_conf_arrays'] = mdraid.conf_array_lines(read_text(MDADM_CONF))
    state['initramfs_fresh'] = initramfs_fresh()
    state['stamp'] = read_stamp()
    state['grub_cfg_has_mdraid'] = 'mdraid09' in read_text(GRUB_CFG)
    state['sync_speed_min'] = read_text('/sys/block/%s/md/sync_speed_min' % md_name).strip() or None
    state['esp_mount'] = esp_mount_source(runner)
    aliases = {}
    for disk, key in ((d1, 'disk1'), (d2, 'disk2')):
        info = state[key]['parts'].get(3)
        if info:
            aliases[gpt.partition_path(disk, 3)] = '/dev/disk/by-partuuid/%s' % info['unique_guid'].lower()
    state['partuuid_aliases'] = aliases
    return state


def efi_labels(listing):
    """Labels of ``efibootmgr`` boot entries; efibootmgr 17 appends the device path after a tab."""
    labels = []
    for line in listing.splitlines():
        match = re.match(r'^Boot[0-9A-Fa-f]{4}\*? (.*)$', line)
        if match:
            labels.append(match.group(1).split('\t')[0].strip())
    return labels


# Ops carried out by the Executor method of the same name (arguments follow the name in the op tuple).
NAMED_OPS = frozenset(['lvm_filter', 'mdadm_conf', 'check_fit', 'sync_speed', 'stamp', 'efi_entry', 'flush_boot_fs',
                       'esp_mounted', 'esp_head', 'fstab_nofail'])


class Executor:
    """Carries out planned ops; named ops are resolved against the live state when they run."""

    def __init__(self, module, runner, params, diff):
        self.module = module
        self.runner = runner
        self.params = params
        self.diff = diff
        self.files_changed = []
        self.timings = {}

    def _partuuid_alias(self, disk):
        info = gpt.parse_sgdisk_info(self.runner.run(['sgdisk', '--info=3', disk]).stdout)
        return '/dev/disk/by-partuuid/%s' % info['unique_guid'].lower()

    def lvm_filter(self, which):
        rejects = [self._partuuid_alias(self.params[key]) for key in which]
        before = read_text(LVM_CONF)
        after = lvm.with_managed_block(before, lvm.managed_filter_block(rejects))
        self.diff.add('lvm.conf managed block', lvm.current_managed_block(before), lvm.current_managed_block(after))
        if after != before:
            write_text(self.module, LVM_CONF, after)
            self.files_changed.append(LVM_CONF)
            # parses the new file; a syntax error would otherwise show up only at the next boot
            self.runner.run(['lvmconfig', '--validate'])

    def mdadm_conf(self, md):
        line = mdraid.parse_brief(self.runner.run(['mdadm', '--detail', '--brief', md]).stdout)
        uuid = mdraid.array_uuid_of_line(line)
        before = read_text(MDADM_CONF)
        kept = [raw for raw in before.splitlines()
                if not (raw.startswith('ARRAY') and (md in raw.split() or mdraid.array_uuid_of_line(raw) == uuid))]
        after = '\n'.join(kept + [line]) + '\n'
        self.diff.add('mdadm.conf ARRAY', mdraid.conf_array_lines(before), mdraid.conf_array_lines(after))
        if after != before:
            write_text(self.module, MDADM_CONF, after)
            self.files_changed.append(MDADM_CONF)

    def check_fit(self, d1p3, md):
        pvs, vgs, lvs = lvm_reports(self.runner, self.params['vg'])
        used = sum(pv.get('pv_pe_alloc_count') or 0 for pv in pvs if pv.get('vg_name') == self.params['vg'])
        available = dict((pv['pv_name'], pv) for pv in pvs).get(md, {}).get('pv_pe_count') or 0
        if used > available:
            self.module.fail_json(msg=ERR_EXTENTS.format(vg=self.params['vg'], used=used, available=available),
                                  commands=self.runner.commands)
        extent = dict((v['vg_name'], v) for v in vgs)[self.params['vg']]['vg_extent_size']
        pv = dict((p['pv_name'], p) for p in pvs)[d1p3]
        self.timings['pvmove_bytes'] = pv['pv_pe_alloc_count'] * extent

    def sync_speed(self, md_name, value):
        path = '/sys/block/%s/md/sync_speed_min' % md_name
        before = read_text(path).strip()
        self.diff.add('sync_speed_min', before, value)
        self.runner.commands.append('echo %s > %s' % (value, path))
        with open(path, 'w') as fh:
            fh.write(value + '\n')

    def stamp(self, key):
        detail = mdraid.parse_detail(self.runner.run(['mdadm', '--detail', self.params['md_device']]).stdout)
        data = read_stamp()
        data[key] = detail['uuid']
        data['%s_at' % key] = int(time.time())
        write_text(self.module, STAMP_PATH, json.dumps(data, indent=2, sort_keys=True) + '\n')

    def efi_entry(self, disk, label):
        listing = self.runner.run(['efibootmgr']).stdout
        if label in efi_labels(listing):
            return
        self.runner.run(['efibootmgr', '--create', '--disk', disk, '--part', '2', '--label', label,
                         '--loader', '\\EFI\\debian\\grubx64.efi'], changes=True)

    def esp_mounted(self, esp):
        """grub-install --efi-directory=/boot/efi on an unmounted /boot/efi fails ("doesn't look like an EFI
        partition", seen once in the lab): mount it from fstab again, refuse a foreign one."""
        source = esp_mount_source(self.runner)
        if source is None:
            self.runner.run(['mount', '/boot/efi'], changes=True)
            source = esp_mount_source(self.runner)
        if source != esp:
            raise CommandError(CommandResult(['findmnt', '/boot/efi'], rc=1),
                               '/boot/efi is mounted from %s, expected the ESP of disk 1 (%s)' % (source, esp))

    def esp_head(self, source, target):
        with open(source, 'rb') as handle:
            head = handle.read(ESP_HEAD_BYTES)
        old_id = fat.volume_id(head)
        raw = os.urandom(4)
        while fat.format_volume_id(raw) == old_id:
            raw = os.urandom(4)
        data = fat.with_volume_id(head, raw)
        fd = os.open(target, os.O_WRONLY)
        try:
            written = 0
            while written < len(data):
                written += os.write(fd, data[written:])
            os.fsync(fd)
        finally:
            os.close(fd)
        self.runner.commands.append('write first MiB of %s to %s, FAT volume ID %s -> %s'
                                    % (source, target, old_id, fat.format_volume_id(raw)))
        # udev re-reads the partition on close; wait so by-uuid is settled before anything mounts
        self.runner.run(['udevadm', 'settle'])

    def fstab_nofail(self):
        before = read_text(FSTAB)
        after = fat.esp_fstab_nofail(before)
        if after is None or after == before:
            return
        self.diff.add('/etc/fstab /boot/efi line', fat.fstab_lines(before), fat.fstab_lines(after))
        write_text(self.module, FSTAB, after)
        self.files_changed.append(FSTAB)

    def flush_boot_fs(self):
        """Freezing ext4 checkpoints its journal, so a loader that ignores the journal sees the new files."""
        self.runner.run(['sync'])
        mountpoint = self.runner.run(['findmnt', '--noheadings', '--output', 'TARGET', '--target', '/boot']).stdout.strip()
        self.runner.run(['fsfreeze', '--freeze', mountpoint])
        try:
            time.sleep(0.1)
        finally:
            self.runner.run(['fsfreeze', '--unfreeze', mountpoint])

    def run_op(self, op):
        """Returns the name of what to wait for when the op starts something that runs on."""
        kind = op[0]
        if kind == 'wait':
            return op[1]
        if kind == 'run':
            self.runner.run(op[1], changes=True)
            return None
        if self.module.check_mode:
            return None
        if kind not in NAMED_OPS:
            raise ValueError('unknown op %r' % (op,))
        getattr(self, kind)(*op[1:])
        return None
