"""FAT volume IDs as dosfstools' fatlabel prints and takes them, and nofail on the /boot/efi line of fstab."""

import os

import pytest

from ansible_collections.isplab.infra.plugins.module_utils.common import fstab
from ansible_collections.isplab.infra.plugins.module_utils.root_raid1 import fat, gpt

FIXTURES = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'fixtures', 'gpt')


def fixture(name):
    with open(os.path.join(FIXTURES, name)) as handle:
        return handle.read()


def test_fatlabel_serial_reads_as_blkid_prints_the_uuid():
    assert fixture('fatlabel_volume_id.txt') == 'ad51b841\n'
    assert fat.parse_volume_id(fixture('fatlabel_volume_id.txt')) == 'AD51-B841'


def test_serial_written_by_fatlabel_is_the_uuid_blkid_reports():
    # fatlabel -i img 6AE7FFCD, then blkid -p -o export img
    assert gpt.parse_blkid_export(fixture('blkid_after_fatlabel.txt'))['UUID'] == '6AE7-FFCD'
    assert fat.parse_volume_id('6ae7ffcd\n') == gpt.parse_blkid_export(fixture('blkid_after_fatlabel.txt'))['UUID']


def test_no_serial_in_the_output():
    assert fat.parse_volume_id('') is None
    assert fat.parse_volume_id('fatlabel: volume ID must be a hexadecimal number\n') is None


def test_new_id_is_never_the_old_one():
    draws = iter([b'\xad\x51\xb8\x41', b'\xad\x51\xb8\x41', b'\x1b\x2c\x3d\x4e'])
    assert fat.new_volume_id('AD51-B841', random_bytes=lambda n: next(draws)) == '1B2C3D4E'
    assert len(fat.new_volume_id(None)) == 8


@pytest.mark.parametrize('before, after', [
    ('UUID=046D-55C8 /boot/efi vfat defaults 0 1\n', 'UUID=046D-55C8 /boot/efi vfat defaults,nofail 0 1\n'),
    ('UUID=046D-55C8\t/boot/efi\tvfat\tumask=0077\t0\t1\n', 'UUID=046D-55C8 /boot/efi vfat umask=0077,nofail 0 1\n'),
    ('UUID=046D-55C8 /boot/efi vfat defaults,nofail 0 1\n', 'UUID=046D-55C8 /boot/efi vfat defaults,nofail 0 1\n'),
])
def test_nofail_is_added_once(before, after):
    text = '/dev/pve/root / ext4 errors=remount-ro 0 1\n# UUID=x /boot/efi vfat defaults 0 1\n'
    assert fstab.with_option(text + before, '/boot/efi', 'nofail') == text + after


def test_fstab_without_boot_efi_is_left_alone():
    assert fstab.with_option('/dev/pve/root / ext4 errors=remount-ro 0 1\n', '/boot/efi', 'nofail') is None


def test_fstab_lines_skip_comments():
    text = '# UUID=x /boot/efi vfat defaults 0 1\nUUID=046D-55C8 /boot/efi vfat defaults 0 1\n/dev/pve/root / ext4 defaults 0 1\n'
    assert fstab.entry_line(text, '/boot/efi') == 'UUID=046D-55C8 /boot/efi vfat defaults 0 1'
