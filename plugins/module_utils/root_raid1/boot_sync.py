# -*- coding: utf-8 -*-
# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bootable from either disk after package updates (BIOS side): debconf ``grub-pc/install_devices``.

Debian's grub-pc postinst reinstalls the boot code on upgrade only to the disks that question names;
the installer names disk 1 alone, so after the first grub-pc update disk 2 carries an old core.img
that does not match the new modules in /boot/grub.  The conversion therefore names both disks, by
their /dev/disk/by-id links (a /dev/sdX name may point at another disk after the next boot).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

BY_ID_DIR = '/dev/disk/by-id'
INSTALL_DEVICES = 'grub-pc/install_devices'
INSTALL_DEVICES_EMPTY = 'grub-pc/install_devices_empty'
# Best first: wwn- names the medium itself; the bus-specific names carry model and serial.
BY_ID_PREFERENCE = ('wwn-', 'ata-', 'nvme-', 'virtio-', 'scsi-')

ERR_NO_BY_ID = ('{disk} has no /dev/disk/by-id link (wwn-, ata-, nvme-, virtio- or scsi-): grub-pc/install_devices '
                'needs a name that survives a reboot; give the disk a serial number (VMs: serial= on the disk) '
                'or pass its /dev/disk/by-id name')


def parse_debconf_show(text):
    """``debconf-show <package>``: {question: value}.  Each line is ``* q: v`` (seen) or ``  q: v``
    (debconf's /usr/bin/debconf-show prints the flag, the name, ':' and, when set, ' ' and the value)."""
    values = {}
    for line in text.splitlines():
        body = line[2:] if line[:2] in ('* ', '  ') else line
        name, sep, value = body.partition(':')
        if sep and name and ' ' not in name:
            values[name] = value.strip()
    return values


def multiselect(value):
    """A debconf multiselect value (``a, b``) as a list."""
    return [item.strip() for item in (value or '').split(',') if item.strip()]


def selections(devices):
    """stdin of ``debconf-set-selections`` naming ``devices`` as the disks grub-pc installs to."""
    return ('grub-pc %s multiselect %s\ngrub-pc %s boolean false\n'
            % (INSTALL_DEVICES, ', '.join(devices), INSTALL_DEVICES_EMPTY))


def best_by_id(given, links):
    """The stable name of one disk: ``given`` when it is a whole-disk /dev/disk/by-id link, else the best
    of ``links`` (by-id names resolving to that disk), else None."""
    if given.startswith(BY_ID_DIR + '/') and '-part' not in os.path.basename(given):
        return given
    names = sorted(os.path.basename(link) for link in links)
    for prefix in BY_ID_PREFERENCE:
        for name in names:
            if name.startswith(prefix) and '-part' not in name:
                return os.path.join(BY_ID_DIR, name)
    return None


def by_id_links(directory=BY_ID_DIR):
    """{resolved device: [by-id links]} of every whole-disk and partition link."""
    links = {}
    if not os.path.isdir(directory):
        return links
    for name in os.listdir(directory):
        path = os.path.join(directory, name)
        links.setdefault(os.path.realpath(path), []).append(path)
    return links


def grub_pc_installed(runner):
    if not runner.binary('dpkg-query', required=False):
        return False
    result = runner.run(['dpkg-query', '--show', '--showformat', '${Status}', 'grub-pc'], expected_rc=None)
    return result.rc == 0 and result.stdout.strip().endswith(' installed')


def read_install_devices(runner):
    """(install_devices as a list, install_devices_empty) from debconf."""
    values = parse_debconf_show(runner.run(['debconf-show', 'grub-pc']).stdout)
    return multiselect(values.get(INSTALL_DEVICES)), values.get(INSTALL_DEVICES_EMPTY, '')


def inspect_boot(runner, params, firmware):
    """The snapshot keys of this file (state.inspect adds them): grub-pc and its install_devices on BIOS."""
    boot = {'grub_pc_installed': False, 'install_devices': [], 'install_devices_resolved': [],
            'install_devices_empty': '', 'by_id': {}, 'disks_resolved': {}}
    if firmware != 'bios' or not grub_pc_installed(runner):
        return {'boot_sync': boot}
    boot['grub_pc_installed'] = True
    boot['install_devices'], boot['install_devices_empty'] = read_install_devices(runner)
    boot['install_devices_resolved'] = [os.path.realpath(d) for d in boot['install_devices']]
    links = by_id_links()
    for key in ('disk1', 'disk2'):
        real = os.path.realpath(params[key])
        boot['disks_resolved'][key] = real
        boot['by_id'][key] = best_by_id(params[key], links.get(real, []))
    return {'boot_sync': boot}


def install_devices_missing(install_devices_resolved, disks):
    """The disks of ``disks`` (resolved paths) that install_devices does not name."""
    named = set(install_devices_resolved)
    return [disk for disk in disks if disk not in named]
