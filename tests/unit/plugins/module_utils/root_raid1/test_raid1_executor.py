"""Executor ops that write without a CLI: the ESP head with a new volume ID, nofail in fstab."""

import base64
import os
import shutil

from ansible_collections.isplab.infra.plugins.module_utils.root_raid1 import fat, host as raid1_host
from ansible_collections.isplab.infra.plugins.module_utils.common.diff import DiffTracker

FIXTURES = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'fixtures', 'gpt')
MIB = 1024 * 1024


class Runner:
    def __init__(self):
        self.commands = []

    def run(self, argv, **kwargs):
        self.commands.append(' '.join(argv))


class Module:
    check_mode = False

    @staticmethod
    def atomic_move(src, dest):
        shutil.move(src, dest)


def executor():
    return raid1_host.Executor(Module(), Runner(), {}, DiffTracker())


def test_esp_head_is_copied_with_a_new_volume_id_and_nothing_beyond_it(tmp_path):
    with open(os.path.join(FIXTURES, 'esp_head_fat32.b64')) as handle:
        head = base64.b64decode(handle.read())
    source, target = tmp_path / 'vdb2', tmp_path / 'vdc2'
    source.write_bytes(head + b'\x5a' * (2 * MIB - len(head)))
    target.write_bytes(b'\xff' * (2 * MIB))
    ex = executor()
    ex.esp_head(str(source), str(target))
    written = target.read_bytes()
    new_id = fat.volume_id(written)
    assert new_id != '046D-55C8'
    assert written[:MIB] == fat.with_volume_id(source.read_bytes()[:MIB], written[0x43:0x47])
    assert written[MIB:] == b'\xff' * MIB
    assert ex.runner.commands == ['write first MiB of %s to %s, FAT volume ID 046D-55C8 -> %s' % (source, target, new_id),
                                  'udevadm settle']


def test_fstab_gets_nofail_once_with_a_diff(tmp_path, monkeypatch):
    fstab = tmp_path / 'fstab'
    fstab.write_text('/dev/pve/root / ext4 errors=remount-ro 0 1\nUUID=046D-55C8 /boot/efi vfat defaults 0 1\n')
    monkeypatch.setattr(raid1_host, 'FSTAB', str(fstab))
    ex = executor()
    ex.fstab_nofail()
    assert fstab.read_text() == '/dev/pve/root / ext4 errors=remount-ro 0 1\nUUID=046D-55C8 /boot/efi vfat defaults,nofail 0 1\n'
    assert ex.files_changed == [str(fstab)]
    assert ex.diff.diff() == {'before': {'/etc/fstab /boot/efi line': ['UUID=046D-55C8 /boot/efi vfat defaults 0 1']},
                              'after': {'/etc/fstab /boot/efi line': ['UUID=046D-55C8 /boot/efi vfat defaults,nofail 0 1']}}
    again = executor()
    again.fstab_nofail()
    assert again.files_changed == []
