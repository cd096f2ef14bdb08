# -*- coding: utf-8 -*-
# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Booting disk 1 while pvmove moves the volume group onto md0.

While pvmove runs, every LV of the VG maps through the mirror ``pvmove0``, whose legs are PVs *with
offsets* (``mirrors = ["pv0", 32, "pv1", 32]``).  GRUB 2.06's LVM driver reads no offsets for mirror legs:
it reads the first leg from its extent 0.  On the Proxmox installer's layout (swap first) that is swap,
so a power cut during pvmove leaves a node whose GRUB finds no /boot (seen in the lab, reproduced with
grub-fstest; docs/root_raid1.md "Crash safety").  Linux itself handles a half-moved VG.

So for the move, disk 1 boots from a copy of the running kernel and its initramfs on disk 1's ESP, with a
GRUB whose prefix is that copy (``grub-install --boot-directory``): GRUB then reads only FAT.  Phase
``grub_before_move`` writes it, ``grub_after_move`` installs the normal boot code again and removes it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.isplab.infra.plugins.module_utils.root_raid1 import fat

COPY_DIR = 'isplab-move'
# grub-install copies its modules, fonts and locales next to grub.cfg: about 3 MiB (i386-pc) to 8 MiB
# (x86_64-efi with locales) on bookworm; the margin also covers an initramfs that grows when it is rebuilt.
GRUB_FILES_BYTES = 32 * 1024 * 1024
INITRD_GROWTH = 1.25

ERR_ESP_NO_ROOM = ('the ESP of disk1 ({esp}) has {free} bytes free, the /boot copy for the data move needs {need} '
                   '(kernel {kernel}, its initramfs and GRUB): GRUB cannot read the root LV while pvmove moves it, '
                   'so disk 1 boots from that copy until the move is done; free space on the ESP (old kernels, '
                   'stale loaders) and rerun')
ERR_ESP_NOT_FAT = ('partition 2 of disk1 ({esp}) holds no FAT filesystem ({found}): the data move boots disk 1 from a '
                   'copy of /boot on that ESP, because GRUB cannot read the root LV while pvmove moves it; '
                   'format it as the installer does (mkfs.vfat -F 32) and rerun')
ERR_NO_RUNNING_KERNEL = ('{kernel} or {initrd} is missing: the /boot copy for the data move is made of the running '
                         'kernel, the one proven to boot this node; reboot into an installed kernel and rerun')


def copy_path(esp_dir):
    return '%s/%s' % (esp_dir, COPY_DIR)


def grub_cfg(esp_uuid, root_source, cmdline):
    """The copy's grub.cfg: one entry booting the copied kernel and initramfs with the node's root LV."""
    options = ' '.join(['root=%s' % root_source, 'ro'] + cmdline.split())
    return ('# Written by isplab.infra root_raid1 for the data move: GRUB cannot read an LV that pvmove is moving,\n'
            '# so this node boots from this copy on the ESP until the move is done (phase grub_after_move removes it).\n'
            'set default=0\n'
            'set timeout=1\n'
            "menuentry 'Debian GNU/Linux (root_raid1 data move)' {\n"
            '\tinsmod part_gpt\n'
            '\tinsmod fat\n'
            '\tsearch --no-floppy --fs-uuid --set=root %s\n'
            '\tlinux /%s/vmlinuz %s\n'
            '\tinitrd /%s/initrd.img\n'
            '}\n') % (esp_uuid, COPY_DIR, options, COPY_DIR)


def default_cmdline(runner):
    """The kernel options grub-mkconfig gives the default entry: /etc/default/grub, then grub.d, sourced."""
    script = ('. /etc/default/grub; for f in /etc/default/grub.d/*.cfg; do [ -e "$f" ] && . "$f"; done; '
              'printf "%s %s" "$GRUB_CMDLINE_LINUX" "$GRUB_CMDLINE_LINUX_DEFAULT"')
    result = runner.run(['sh', '-c', script], expected_rc=None)
    return ' '.join(result.stdout.split()) if result.rc == 0 else ''


def inspect(runner, esp, esp_mount, esp_blkid):
    """What the move's /boot copy needs and whether disk 1's ESP holds one (an unmounted ESP is mounted
    read-only for the look)."""
    release = os.uname()[2]
    info = {'kernel': '/boot/vmlinuz-%s' % release, 'initrd': '/boot/initrd.img-%s' % release,
            'esp_uuid': esp_blkid.get('UUID'), 'esp_type': esp_blkid.get('TYPE'), 'copy_present': False,
            'free_bytes': None, 'need_bytes': None, 'root_source': None, 'cmdline': ''}
    if info['esp_type'] != 'vfat':
        return info
    with fat.looked_at(runner, esp, '/boot/efi' if esp_mount == esp else None) as directory:
        stat = os.statvfs(directory)
        info['copy_present'], info['free_bytes'] = os.path.isdir(copy_path(directory)), stat.f_bavail * stat.f_frsize
    if os.path.isfile(info['kernel']) and os.path.isfile(info['initrd']):
        info['need_bytes'] = int(os.path.getsize(info['kernel']) + os.path.getsize(info['initrd']) * INITRD_GROWTH
                                 + GRUB_FILES_BYTES)
    root = runner.run(['findmnt', '--noheadings', '--output', 'SOURCE', '/'], expected_rc=None)
    info['root_source'] = root.stdout.strip()
    info['cmdline'] = default_cmdline(runner)
    return info


def refusal(info, esp):
    """The message that stops a conversion whose data move cannot get its /boot copy, else None."""
    if info['copy_present']:
        return None
    if info['esp_type'] != 'vfat':
        return ERR_ESP_NOT_FAT.format(esp=esp, found=info['esp_type'] or 'no filesystem signature')
    if info['need_bytes'] is None:
        return ERR_NO_RUNNING_KERNEL.format(kernel=info['kernel'], initrd=info['initrd'])
    if info['free_bytes'] < info['need_bytes']:
        return ERR_ESP_NO_ROOM.format(esp=esp, free=info['free_bytes'], need=info['need_bytes'], kernel=info['kernel'])
    return None
