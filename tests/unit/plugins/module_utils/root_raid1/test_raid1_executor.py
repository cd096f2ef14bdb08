"""Executor ops that are more than one command: the ESP's new volume ID, files with a diff in check mode."""

import os
import shutil

from ansible_collections.isplab.infra.plugins.module_utils.common.diff import DiffTracker
from ansible_collections.isplab.infra.plugins.module_utils.common.runner import CommandResult
from ansible_collections.isplab.infra.plugins.module_utils.root_raid1 import executor as raid1_executor
from ansible_collections.isplab.infra.plugins.module_utils.root_raid1 import ops, state

FIXTURES = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'fixtures')


def fixture(domain, name):
    with open(os.path.join(FIXTURES, domain, name)) as handle:
        return handle.read()


class Runner:
    """Answers fatlabel and mdadm from captured output; records every command like CommandRunner."""

    def __init__(self, module):
        self.module = module
        self.commands = []

    def run(self, argv, changes=False, **kwargs):
        self.commands.append(' '.join(argv))
        if argv[:2] == ['fatlabel', '-i'] and len(argv) == 3:
            return CommandResult(argv, stdout=fixture('gpt', 'fatlabel_volume_id.txt'))
        if argv[:3] == ['mdadm', '--detail', '--brief']:
            return CommandResult(argv, stdout=fixture('mdraid', 'brief_clean.txt'))
        return CommandResult(argv, skipped=changes and self.module.check_mode)


class Module:
    check_mode = False

    @staticmethod
    def atomic_move(src, dest):
        shutil.move(src, dest)


def executor(check_mode=False):
    module = Module()
    module.check_mode = check_mode
    return raid1_executor.Executor(module, Runner(module), {}, DiffTracker())


def test_esp_copy_gets_a_new_volume_id_from_fatlabel():
    ex = executor()
    ex.run_op(ops.EspVolumeId('/dev/vdb2', '/dev/vdc2'))
    read, write, settle = ex.runner.commands
    assert read == 'fatlabel -i /dev/vdb2'
    assert write.startswith('fatlabel -i /dev/vdc2 ') and len(write.split()[-1]) == 8
    assert write.split()[-1] != 'AD51B841'
    assert settle == 'udevadm settle'


def test_fstab_gets_nofail_once_with_a_diff(tmp_path, monkeypatch):
    fstab = tmp_path / 'fstab'
    fstab.write_text('/dev/pve/root / ext4 errors=remount-ro 0 1\nUUID=046D-55C8 /boot/efi vfat defaults 0 1\n')
    monkeypatch.setattr(state, 'FSTAB', str(fstab))
    ex = executor()
    ex.run_op(ops.FstabNofail())
    assert fstab.read_text() == '/dev/pve/root / ext4 errors=remount-ro 0 1\nUUID=046D-55C8 /boot/efi vfat defaults,nofail 0 1\n'
    assert ex.files_changed == [str(fstab)]
    assert ex.diff.diff() == {'before': {'/etc/fstab /boot/efi line': ['UUID=046D-55C8 /boot/efi vfat defaults 0 1']},
                              'after': {'/etc/fstab /boot/efi line': ['UUID=046D-55C8 /boot/efi vfat defaults,nofail 0 1']}}
    again = executor()
    again.run_op(ops.FstabNofail())
    assert again.files_changed == []


def test_check_mode_shows_the_file_changes_and_writes_nothing(tmp_path, monkeypatch):
    fstab, mdadm_conf = tmp_path / 'fstab', tmp_path / 'mdadm.conf'
    fstab.write_text('UUID=046D-55C8 /boot/efi vfat defaults 0 1\n')
    mdadm_conf.write_text('MAILADDR root\n')
    monkeypatch.setattr(state, 'FSTAB', str(fstab))
    monkeypatch.setattr(state, 'MDADM_CONF', str(mdadm_conf))
    ex = executor(check_mode=True)
    ex.run_op(ops.FstabNofail())
    ex.run_op(ops.MdadmConf('/dev/md0'))
    assert fstab.read_text() == 'UUID=046D-55C8 /boot/efi vfat defaults 0 1\n'
    assert mdadm_conf.read_text() == 'MAILADDR root\n'
    assert ex.files_changed == []
    diff = ex.diff.diff()
    assert diff['after']['/etc/fstab /boot/efi line'] == ['UUID=046D-55C8 /boot/efi vfat defaults,nofail 0 1']
    assert diff['before']['mdadm.conf ARRAY'] == []
    assert diff['after']['mdadm.conf ARRAY'] == ['ARRAY /dev/md0 metadata=0.90 UUID=e30f21fe:d170ca28:8e7d9606:3a24364a']
