# -*- coding: utf-8 -*-
# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The checks of root_raid1_verify: what a converted node must show, read from the live system."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import shutil
import tempfile

from ansible_collections.isplab.infra.plugins.module_utils.common import fstab
from ansible_collections.isplab.infra.plugins.module_utils.common.files import read_text
from ansible_collections.isplab.infra.plugins.module_utils.root_raid1 import fat, gpt, lvm, mdraid, move_boot, verify_boot
from ansible_collections.isplab.infra.plugins.module_utils.root_raid1.state import (
    FSTAB, MDADM_CONF, MDSTAT, blkid, esp_mount_source)

# Without these the other checks cannot be read: their absence is a failed check, not a crash.
REQUIRED_TOOLS = ('mdadm', 'pvs', 'sfdisk')


def _read_bytes(path, offset, length):
    try:
        with open(path, 'rb') as fh:
            fh.seek(offset)
            return fh.read(length)
    except (IOError, OSError):
        return b''


def bios_boot_code(disk):
    """boot.img in the MBR (it carries the 'GRUB ' string) and a non-empty BIOS boot partition (core.img)."""
    mbr = _read_bytes(disk, 0, 440)
    core = _read_bytes(gpt.partition_path(disk, 1), 0, 512)
    return b'GRUB' in mbr and core.strip(b'\0') != b''


def efi_loaders(runner, esp, mounted_at):
    """Loader files on one ESP; an ESP that is not mounted is mounted read-only for the look."""
    wanted = ('EFI/BOOT/BOOTX64.EFI', 'EFI/debian/grubx64.efi')
    with fat.looked_at(runner, esp, mounted_at) as directory:
        return dict((f, os.path.isfile(os.path.join(directory, f))) for f in wanted)


def initramfs_content(runner, uuid):
    """mdadm binary and the ARRAY line inside the running kernel's initramfs."""
    image = '/boot/initrd.img-%s' % os.uname()[2]
    if not os.path.exists(image):
        return {'image': image, 'exists': False, 'mdadm': False, 'array': False}
    listing = runner.run(['lsinitramfs', image]).stdout.splitlines()
    has_mdadm = any(line.endswith('sbin/mdadm') for line in listing)
    directory = tempfile.mkdtemp(prefix='isplab-initrd-')
    try:
        runner.run(['unmkinitramfs', image, directory])
        confs = []
        for root, dirs, files in os.walk(directory):
            if root.endswith('etc/mdadm') and 'mdadm.conf' in files:
                confs.append(read_text(os.path.join(root, 'mdadm.conf')))
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    uuids = [mdraid.array_uuid_of_line(line) for text in confs for line in mdraid.conf_array_lines(text)]
    return {'image': image, 'exists': True, 'mdadm': has_mdadm, 'array': bool(uuid) and uuid.lower() in uuids}


def check_tools(runner, checks):
    missing = [tool for tool in REQUIRED_TOOLS if not runner.binary(tool, required=False)]
    return checks.expect('tools_installed', not missing,
                         'not installed (or not in PATH): %s; this host cannot carry a root RAID1 as declared'
                         % ', '.join(missing))


def member_name(disk):
    """p3 of a disk; a disk that is gone keeps the name it was given (its by-id link), so the operator sees
    which one to replace: /dev/disk/by-id/ata-X-part3 (disk not present)."""
    if os.path.exists(disk) or not disk.startswith('/dev/disk/'):
        return gpt.partition_path(disk, 3)
    return '%s-part3 (disk not present)' % disk


def check_array(runner, checks, p, disks, present):
    md = p['md_device']
    array = mdraid.parse_mdstat(read_text(MDSTAT)).get(md.rsplit('/', 1)[-1])
    detail = mdraid.parse_detail(runner.run(['mdadm', '--detail', md]).stdout) if array else None
    checks.expect('md_running', array is not None, '%s is not running' % md)
    sync = array.get('sync') if array else None
    if not detail:
        return detail, sync
    checks.expect('md_level_raid1', detail['level'] == 'raid1', 'level is %s, not raid1' % detail['level'])
    checks.expect('md_metadata_090', (detail['version'] or '').startswith('0.90'),
                  'metadata is %s, not 0.90' % detail['version'])
    checks.expect('md_two_devices', detail['raid_devices'] == 2, 'raid devices = %s, not 2' % detail['raid_devices'])
    active = set(m['device'] for m in detail['members'] if 'active' in m['state'] and 'sync' in m['state'])
    rebuilding = set(m['device'] for m in detail['members'] if 'rebuilding' in m['state'])
    wanted = set(member_name(d) for d in (present if p['allow_degraded'] else disks))
    missing = sorted(wanted - active - (rebuilding if p['allow_resync'] else set()))
    faulty = sorted(m['device'] for m in detail['members'] if 'faulty' in m['state'])
    named = [d + (' (failed: mdadm marked it faulty; replace the disk, see "After a disk failure")' if d in faulty else '')
             for d in missing]
    checks.expect('md_members_active', not missing,
                  'not active in %s: %s%s' % (md, ', '.join(named), ' (resync %.1f%%)' % sync['percent'] if sync else ''),
                  active=sorted(active), rebuilding=sorted(rebuilding), faulty=faulty)
    checks.expect('md_no_spare_only', not any(m['state'] == ['spare'] for m in detail['members']),
                  'a member sits idle as a spare (created with -n 1?); grow the array to 2 devices')
    return detail, sync


def check_lvm(runner, checks, p, disks):
    md, vg = p['md_device'], p['vg']
    result = runner.run(['pvs', '--reportformat', 'json', '--units', 'b', '-o', lvm.PVS_FIELDS])
    pvs = lvm.parse_pvs(result.stdout)
    vg_pvs = sorted(pv['pv_name'] for pv in pvs if pv.get('vg_name') == vg)
    checks.expect('vg_on_md_only', vg_pvs == [md], 'PVs of %s: %s (expected only %s)' % (vg, vg_pvs, md))
    raw_seen = sorted(pv['pv_name'] for pv in pvs if pv['pv_name'] in set(gpt.partition_path(d, 3) for d in disks))
    duplicate_warning = [line.strip() for line in result.stderr.splitlines()
                         if 'duplicate' in line.lower() or 'Not using device' in line]
    checks.expect('no_pv_on_raw_member', not raw_seen and not duplicate_warning,
                  'LVM reads a raw member: %s' % ', '.join(raw_seen + duplicate_warning))
    return pvs


def check_mdadm_conf(runner, checks, p, uuid):
    conf_uuids = [mdraid.array_uuid_of_line(line) for line in mdraid.conf_array_lines(read_text(MDADM_CONF))]
    checks.expect('mdadm_conf_lists_array', bool(uuid) and uuid.lower() in conf_uuids,
                  '%s has no ARRAY line with UUID %s' % (MDADM_CONF, uuid))
    if not p['check_initramfs']:
        return None
    initramfs = initramfs_content(runner, uuid)
    checks.expect('initramfs_has_mdadm', initramfs['mdadm'], '%s lacks mdadm' % initramfs['image'])
    checks.expect('initramfs_has_array', initramfs['array'],
                  '%s has no mdadm.conf ARRAY line for %s' % (initramfs['image'], uuid))
    return initramfs


def check_boot_code(runner, checks, firmware, present):
    esp_mount = esp_mount_source(runner)
    boot = {}
    for disk in present:
        if firmware == 'bios':
            boot[disk] = bios_boot_code(disk)
            checks.expect('grub_on_%s' % os.path.basename(disk), boot[disk],
                          'no GRUB boot code in the MBR/BIOS boot partition of %s' % disk)
            continue
        esp = gpt.partition_path(disk, 2)
        boot[disk] = efi_loaders(runner, esp, '/boot/efi' if esp_mount == esp else None)
        checks.expect('grub_on_%s' % os.path.basename(disk), all(boot[disk].values()),
                      'missing on %s: %s' % (esp, ', '.join(f for f, ok in boot[disk].items() if not ok)))
    return boot


def check_esps(runner, checks, present):
    esp_ids = dict((gpt.partition_path(d, 2), blkid(runner, gpt.partition_path(d, 2)).get('UUID')) for d in present)
    if len(esp_ids) == 2:
        first, second = esp_ids.values()
        # a missing ESP is the partition-type check's finding, not this one's
        checks.expect('esp_volume_ids_differ', first is None or first != second,
                      'both ESPs carry FAT volume ID %s: /dev/disk/by-uuid, which fstab mounts /boot/efi by, '
                      'may point at either' % first, volume_ids=esp_ids)
    text = read_text(FSTAB)
    try:
        nofail = fstab.with_option(text, '/boot/efi', 'nofail') in (None, text)
        problem = ('%s mounts /boot/efi without nofail: booted from disk 2 alone the node waits for disk 1\'s ESP '
                   'and stops in emergency mode' % FSTAB)
    except fstab.FstabError as exc:
        nofail, problem = False, '%s: %s' % (FSTAB, exc)
    checks.expect('esp_fstab_nofail', nofail, problem)
    copy = move_boot.copy_path('/boot/efi')
    checks.expect('no_move_boot_copy', not os.path.isdir(copy),
                  '%s exists: disk 1 may still boot from the data move\'s kernel copy instead of /boot; rerun the role '
                  '(phase grub_after_move installs the normal boot code and removes the copy)' % copy)


def check_partition_types(runner, checks, p, present):
    wanted = {1: gpt.BIOS_BOOT, 2: gpt.EFI_SYSTEM, 3: gpt.LINUX_RAID}
    if p['osd_partition']:
        wanted[4] = gpt.CEPH_OSD
    layout = {}
    for disk in present:
        table = gpt.read_table(runner, disk)[1]
        types = dict((n, info['type_guid']) for n, info in table['parts'].items())
        layout[disk] = types
        wrong = ['p%d %s' % (n, gpt.TYPE_NAMES.get(types.get(n), types.get(n) or 'missing'))
                 for n, t in sorted(wanted.items()) if types.get(n) != t]
        problem = 'unexpected partition types on %s: %s' % (disk, ', '.join(wrong))
        if table['label'] != 'gpt':
            found = 'a %s partition table' % table['label'] if table['label'] else 'no partition table'
            problem = '%s has %s, not a GPT' % (disk, found)
        checks.expect('partition_types_%s' % os.path.basename(disk), not wrong, problem)
    return layout


def run_checks(runner, checks, p):
    """Every check on the node ``p`` declares; returns the facts the module reports next to the checks."""
    disks = [os.path.realpath(d) for d in (p['disk1'], p['disk2'])]
    present = [d for d in disks if os.path.exists(d)]
    detail, sync = check_array(runner, checks, p, disks, present)
    pvs = check_lvm(runner, checks, p, disks)
    initramfs = check_mdadm_conf(runner, checks, p, detail['uuid'] if detail else None)
    firmware = 'uefi' if os.path.isdir('/sys/firmware/efi') else 'bios'
    boot = check_boot_code(runner, checks, firmware, present)
    check_esps(runner, checks, present)
    if firmware == 'uefi':
        esp_differences = verify_boot.check_esp_contents(runner, checks, present, esp_mount_source(runner))
        install_devices = None
    else:
        esp_differences, install_devices = None, verify_boot.check_install_devices(runner, checks, present)
    monitor = verify_boot.check_monitor(runner, checks, read_text(MDADM_CONF), MDADM_CONF) if p['check_monitor'] else None
    layout = check_partition_types(runner, checks, p, present)
    return dict(md=detail, sync=sync, pvs=pvs, initramfs=initramfs, boot_code=boot, partition_types=layout,
                firmware=firmware, esp_differences=esp_differences, install_devices=install_devices, monitor=monitor)
