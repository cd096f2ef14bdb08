# -*- coding: utf-8 -*-
# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""root_raid1_verify checks that the node stays bootable from either disk after package updates, and
that a failing member gets reported (mdmonitor)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import os

from ansible_collections.isplab.infra.plugins.module_utils.root_raid1 import boot_sync, fat, gpt

MONITOR_UNIT = 'mdmonitor.service'
# mdadm.conf keywords are case-insensitive and may be shortened to 3 characters (mdadm.conf(5))
MONITOR_KEYWORDS = ('MAILADDR', 'PROGRAM')
SHOWN_DIFFERENCES = 5


def tree_digests(top):
    """{path relative to ``top``: sha256 hex} of every file below ``top``."""
    digests = {}
    for root, dirs, files in os.walk(top):
        dirs.sort()
        for name in files:
            path = os.path.join(root, name)
            digest = hashlib.sha256()
            with open(path, 'rb') as handle:
                for block in iter(lambda: handle.read(1 << 20), b''):
                    digest.update(block)
            digests[os.path.relpath(path, top)] = digest.hexdigest()
    return digests


def tree_differences(reference, other):
    """Paths that are missing on one side or differ in content, sorted."""
    return sorted(path for path in set(reference) | set(other) if reference.get(path) != other.get(path))


def esp_digests(runner, esp, mounted_at):
    """tree_digests of one ESP; one that is not mounted is mounted read-only for the look."""
    with fat.looked_at(runner, esp, mounted_at) as directory:
        return tree_digests(directory)


def check_esp_contents(runner, checks, present, esp_mount):
    """UEFI, both disks present: disk 2's ESP must carry what grub/shim updates wrote to disk 1's."""
    esps = [gpt.partition_path(disk, 2) for disk in present]
    if len(esps) != 2 or not all(os.path.exists(esp) for esp in esps):
        return None
    # compare against the ESP the updates write to (the one at /boot/efi), else disk 1's
    reference = esp_mount if esp_mount in esps else esps[0]
    other = [esp for esp in esps if esp != reference][0]
    digests = dict((esp, esp_digests(runner, esp, '/boot/efi' if esp == esp_mount else None)) for esp in esps)
    differing = tree_differences(digests[reference], digests[other])
    shown = ', '.join(differing[:SHOWN_DIFFERENCES]) + (', ...' if len(differing) > SHOWN_DIFFERENCES else '')
    checks.expect('esp_contents_equal', not differing,
                  'ESP %s differs from %s in %d file(s): %s; run systemctl start isplab-esp-sync.service '
                  '(or the role with tag root_raid1_esp_sync) to copy it' % (other, reference, len(differing), shown),
                  reference=reference, differing=differing[:SHOWN_DIFFERENCES])
    return differing


def check_install_devices(runner, checks, present):
    """BIOS with grub-pc: debconf install_devices covers every present member disk."""
    if not boot_sync.grub_pc_installed(runner):
        return None
    devices = boot_sync.read_install_devices(runner)[0]
    missing = boot_sync.install_devices_missing([os.path.realpath(d) for d in devices], present)
    checks.expect('grub_install_devices', not missing,
                  'debconf grub-pc/install_devices (%s) misses %s: the next grub-pc update leaves its boot code '
                  'stale; run dpkg-reconfigure grub-pc and select every RAID member disk, or rerun the role '
                  '(root_raid1 sets it)' % (', '.join(devices) or 'empty', ', '.join(missing)),
                  install_devices=devices)
    return devices


def monitor_lines(text):
    """The MAILADDR/PROGRAM lines of mdadm.conf (keyword case-insensitive, abbreviated to >= 3 letters)."""
    found = {}
    for line in text.splitlines():
        words = line.split('#', 1)[0].split()
        if len(words) < 2 or line[:1] in (' ', '\t') or len(words[0]) < 3:
            continue
        for keyword in MONITOR_KEYWORDS:
            if keyword.startswith(words[0].upper()):
                found[keyword] = words[1]
    return found


def check_monitor(runner, checks, conf_text, conf_path):
    """mdmonitor.service runs and has somewhere to report to."""
    active = runner.run(['systemctl', 'is-active', MONITOR_UNIT], expected_rc=None).stdout.strip() or 'unknown'
    lines = monitor_lines(conf_text)
    checks.expect('mdmonitor_config', bool(lines),
                  '%s has neither MAILADDR nor PROGRAM: mdadm --monitor refuses to start and a failed disk goes '
                  'unreported; set root_raid1_monitor_mailaddr (or root_raid1_monitor_program)' % conf_path)
    checks.expect('mdmonitor_active', active == 'active',
                  '%s is %s, not active: a failed disk goes unreported; systemctl start %s (journalctl -u %s '
                  'says why it stopped)' % (MONITOR_UNIT, active, MONITOR_UNIT, MONITOR_UNIT))
    return {'active': active, 'config': lines}
