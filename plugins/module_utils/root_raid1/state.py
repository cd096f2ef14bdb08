# -*- coding: utf-8 -*-
# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reads the node's storage state: the snapshot the planner decides on, and the progress of pvmove/resync."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import glob
import json
import os
import time

from ansible_collections.isplab.infra.plugins.module_utils.common import blockdev, fstab
from ansible_collections.isplab.infra.plugins.module_utils.common.files import read_text
from ansible_collections.isplab.infra.plugins.module_utils.root_raid1 import boot_sync, eta, gpt, lvm, mdraid, move_boot
from ansible_collections.isplab.infra.plugins.module_utils.root_raid1 import replacement
from ansible_collections.isplab.infra.plugins.module_utils.root_raid1.refusals import Refusal

LVM_CONF = '/etc/lvm/lvm.conf'
MDADM_CONF = '/etc/mdadm/mdadm.conf'
GRUB_CFG = '/boot/grub/grub.cfg'
FSTAB = '/etc/fstab'
MDSTAT = '/proc/mdstat'
STAMP_PATH = '/var/lib/isplab/root_raid1.json'
ESP_MOUNT_DIR = '/run/isplab-root-raid1'


def sync_speed_path(md_name):
    return '/sys/block/%s/md/sync_speed_min' % md_name


def disk_state(runner, path, with_signatures):
    table = gpt.read_table(runner, path)[1]
    parts = table.pop('parts')
    size = int(runner.run(['blockdev', '--getsize64', path]).stdout.strip())
    state = {'path': path, 'table': table, 'parts': parts, 'size_bytes': size,
             'logical_sector_size': table['logical_sector_size']}
    if not state['logical_sector_size']:
        # an empty disk has no table to tell; a copied table would count in disk 1's sectors
        state['logical_sector_size'] = int(runner.run(['blockdev', '--getss', path]).stdout.strip())
    if with_signatures:
        state['signatures'] = blockdev.parse_wipefs(runner.run(['wipefs', '--no-act', '--json', path]).stdout)
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


def esp_needs_nofail(text):
    """The /boot/efi entry lacks ``nofail``: booted from the other disk alone (its ESP has another UUID)
    the node would stop in emergency mode waiting for it.  Raises Refusal on an fstab it cannot edit."""
    try:
        after = fstab.with_option(text, '/boot/efi', 'nofail')
    except fstab.FstabError as exc:
        raise Refusal('%s: %s' % (FSTAB, exc))
    return after not in (None, text)


def md_holders(mdstat):
    """What sits on each running array (``dm-3`` for an LVM PV with active LVs), from sysfs."""
    holders = {}
    for name in mdstat:
        try:
            holders[name] = sorted(os.listdir('/sys/block/%s/holders' % name))
        except OSError:
            holders[name] = []
    return holders


def _blkid_of(runner, state, key, disk, number):
    return (blkid(runner, gpt.partition_path(disk, number))
            if number in state[key]['parts'] else {})


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
    state['d1p2_blkid'] = _blkid_of(runner, state, 'disk1', d1, 2)
    state['d2p2_blkid'] = _blkid_of(runner, state, 'disk2', d2, 2)
    state['fstab_esp_needs_nofail'] = esp_needs_nofail(read_text(FSTAB))
    state['d2p3_blkid'] = _blkid_of(runner, state, 'disk2', d2, 3)
    state['d2p3_examine'] = examine(runner, d2p3) if 3 in state['disk2']['parts'] else None
    state['mdstat'] = mdraid.parse_mdstat(read_text(MDSTAT))
    state['md_detail'] = None
    if md_name in state['mdstat']:
        state['md_detail'] = mdraid.parse_detail(runner.run(['mdadm', '--detail', md]).stdout)
    state['md_holders'] = md_holders(state['mdstat'])
    state['pvs'], state['vgs'], state['lvs'] = lvm_reports(runner, params['vg'])
    conf = read_text(LVM_CONF)
    state['lvm_rejects'] = lvm.managed_rejects(conf)
    state['lvm_conf_foreign_filter'] = lvm.foreign_global_filter(conf)
    state['mdadm_conf_arrays'] = mdraid.conf_array_lines(read_text(MDADM_CONF))
    state['initramfs_fresh'] = initramfs_fresh()
    state['stamp'] = read_stamp()
    state['grub_cfg_has_mdraid'] = 'mdraid09' in read_text(GRUB_CFG)
    state['sync_speed_min'] = read_text(sync_speed_path(md_name)).strip() or None
    state['esp_mount'] = esp_mount_source(runner)
    state['move_boot'] = move_boot.inspect(runner, gpt.partition_path(d1, 2), state['esp_mount'], state['d1p2_blkid'])
    state.update(boot_sync.inspect_boot(runner, params, firmware))
    aliases = {}
    for disk, key in ((d1, 'disk1'), (d2, 'disk2')):
        info = state[key]['parts'].get(3)
        if info:
            aliases[gpt.partition_path(disk, 3)] = '/dev/disk/by-partuuid/%s' % info['unique_guid'].lower()
    state['partuuid_aliases'] = aliases
    state.update(replacement.inspect(runner, params, state))
    return state


def still_syncing(md_device):
    array = mdraid.parse_mdstat(read_text(MDSTAT)).get(md_device.rsplit('/', 1)[-1])
    return bool(array and array.get('sync'))


def _mib(value):
    return value / (1024.0 * 1024)


def describe_progress(pvmove, sync, sample=None):
    """The one line the role prints per poll, with the rate and the ETA of ``sample`` (eta.measure)."""
    sample = sample or {}
    eta_text = 'ETA %s' % eta.format_duration(sample.get('eta_seconds'))
    if pvmove:
        line = 'pvmove %s: %s %%' % (pvmove['move_pv'] or pvmove['lv_name'], pvmove['percent'])
        if sample.get('total_bytes'):
            line += ' (%.0f/%.0f MiB)' % (_mib(sample['done_bytes']), _mib(sample['total_bytes']))
        if sample.get('rate_bytes_per_s') is not None:
            line += ', %.1f MiB/s' % _mib(sample['rate_bytes_per_s'])
        return '%s, %s' % (line, eta_text)
    if sync and sync.get('pending'):
        return '%s %s' % (sync['action'], sync['pending'].lower())
    if sync:
        line = '%s %.1f %%' % (sync['action'], sync['percent'])
        if sync.get('done_blocks') is not None:
            line += ' (%d/%d KiB)' % (sync['done_blocks'], sync['total_blocks'])
        if sync.get('speed_kib') is not None:
            line += ', %d KiB/s' % sync['speed_kib']
        return '%s, %s' % (line, eta_text)
    return 'done'


def _sample(pvmove, sync, now, previous):
    if pvmove:
        total = pvmove['size_bytes']
        done = int(total * pvmove['percent'] / 100) if total is not None else None
        return eta.measure('pvmove', done, total, now, previous)
    if sync:
        # mdstat counts 1 KiB blocks and KiB/s; a pending resync has done nothing yet
        done = sync['done_blocks'] * 1024 if sync.get('done_blocks') is not None else 0
        total = sync['total_blocks'] * 1024 if sync.get('total_blocks') is not None else None
        rate = sync['speed_kib'] * 1024 if sync.get('speed_kib') is not None else None
        return eta.measure('resync', done, total, now, previous, rate)
    return None


def progress_from(lvs, mdstat, md_device, now=0, previous=None, poll_interval=5, stall_seconds=600):
    """What runs in the background (pvmove of the VG, resync of the array), how far it got, its rate and
    ETA, when to look again and whether it stalled; ``previous`` is the ``sample`` of the poll before."""
    moving = lvm.pvmove_lvs(lvs)
    pvmove = None
    if moving:
        pvmove = {'lv_name': moving[0]['lv_name'], 'move_pv': moving[0].get('move_pv'),
                  'percent': moving[0].get('copy_percent') or 0.0, 'size_bytes': moving[0].get('lv_size')}
    array = mdstat.get(md_device.rsplit('/', 1)[-1])
    sync = array.get('sync') if array else None
    sample = _sample(pvmove, sync, now, previous)
    result = {'pvmove': pvmove, 'resync': sync, 'summary': describe_progress(pvmove, sync, sample),
              'running': 'pvmove' if pvmove else ('resync' if sync else None), 'sample': sample,
              'eta_seconds': None, 'rate_bytes_per_s': None, 'next_poll_seconds': 0, 'stalled': False,
              'stalled_seconds': 0}
    if sample:
        first = not previous or previous.get('kind') != sample['kind']
        result.update(eta_seconds=sample['eta_seconds'], rate_bytes_per_s=sample['rate_bytes_per_s'],
                      next_poll_seconds=eta.next_interval(sample, first, poll_interval, stall_seconds),
                      stalled=eta.stalled(sample, stall_seconds), stalled_seconds=sample['stalled_seconds'])
    return result


def progress(runner, vg, md_device, previous=None, poll_interval=5, stall_seconds=600):
    lvs = lvm_reports(runner, vg)[2]
    return progress_from(lvs, mdraid.parse_mdstat(read_text(MDSTAT)), md_device, time.time(), previous,
                         poll_interval, stall_seconds)
