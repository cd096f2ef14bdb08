"""FAT volume IDs and the /boot/efi fstab line, on the boot sector of the lab installer's real ESP."""

import base64
import os

import pytest

from ansible_collections.isplab.infra.plugins.module_utils.root_raid1 import fat

FIXTURES = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'fixtures', 'gpt')


@pytest.fixture
def head():
    with open(os.path.join(FIXTURES, 'esp_head_fat32.b64')) as handle:
        return base64.b64decode(handle.read())


def test_volume_id_reads_as_blkid_prints_it(head):
    # blkid on that partition: UUID="046D-55C8"
    assert fat.volume_id(head) == '046D-55C8'


def test_fat32_id_is_in_the_boot_sector_and_its_backup_at_sector_6(head):
    assert fat.volume_id_offsets(head) == [0x43, 6 * 512 + 0x43]
    assert head[0x43:0x47] == head[6 * 512 + 0x43:6 * 512 + 0x47]


def test_new_id_replaces_both_copies_and_nothing_else(head):
    patched = fat.with_volume_id(head, b'\x4e\x3d\x2c\x1b')
    assert fat.volume_id(patched) == '1B2C-3D4E'
    assert patched[6 * 512 + 0x43:6 * 512 + 0x47] == b'\x4e\x3d\x2c\x1b'
    differing = [i for i in range(len(head)) if head[i] != patched[i]]
    assert differing == [i for i in list(range(0x43, 0x47)) + list(range(3139, 3143)) if head[i] != patched[i]]


def test_not_a_boot_sector_is_refused():
    with pytest.raises(ValueError, match='not a FAT boot sector'):
        fat.volume_id(b'\0' * 4096)


@pytest.mark.parametrize('before, after', [
    ('UUID=046D-55C8 /boot/efi vfat defaults 0 1\n', 'UUID=046D-55C8 /boot/efi vfat defaults,nofail 0 1\n'),
    ('UUID=046D-55C8\t/boot/efi\tvfat\tumask=0077\t0\t1\n', 'UUID=046D-55C8 /boot/efi vfat umask=0077,nofail 0 1\n'),
    ('UUID=046D-55C8 /boot/efi vfat defaults,nofail 0 1\n', 'UUID=046D-55C8 /boot/efi vfat defaults,nofail 0 1\n'),
])
def test_nofail_is_added_once(before, after):
    text = '/dev/pve/root / ext4 errors=remount-ro 0 1\n# UUID=x /boot/efi vfat defaults 0 1\n'
    assert fat.esp_fstab_nofail(text + before) == text + after


def test_fstab_without_boot_efi_is_left_alone():
    assert fat.esp_fstab_nofail('/dev/pve/root / ext4 errors=remount-ro 0 1\n') is None


def test_fstab_lines_skip_comments():
    text = '# UUID=x /boot/efi vfat defaults 0 1\nUUID=046D-55C8 /boot/efi vfat defaults 0 1\n/dev/pve/root / ext4 defaults 0 1\n'
    assert fat.fstab_lines(text) == ['UUID=046D-55C8 /boot/efi vfat defaults 0 1']
