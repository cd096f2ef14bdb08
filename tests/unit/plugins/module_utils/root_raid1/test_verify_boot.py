"""ESP comparison on real directory trees, and the MAILADDR/PROGRAM reading of mdadm.conf."""

import pytest

from ansible_collections.isplab.infra.plugins.module_utils.common.checks import CheckList
from ansible_collections.isplab.infra.plugins.module_utils.root_raid1 import verify_boot


def esp_tree(root, files):
    for path, content in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    return str(root)


LOADERS = {'EFI/debian/grubx64.efi': b'grub 2.06-13', 'EFI/debian/grub.cfg': b'search.fs_uuid x root\n',
           'EFI/BOOT/BOOTX64.EFI': b'grub 2.06-13'}


def test_equal_trees_have_no_differences(tmp_path):
    one = verify_boot.tree_digests(esp_tree(tmp_path / 'a', LOADERS))
    two = verify_boot.tree_digests(esp_tree(tmp_path / 'b', LOADERS))
    assert sorted(one) == sorted(LOADERS)
    assert verify_boot.tree_differences(one, two) == []


def test_a_stale_loader_and_a_missing_file_are_listed(tmp_path):
    updated = dict(LOADERS, **{'EFI/debian/grubx64.efi': b'grub 2.06-13+deb12u2', 'EFI/debian/shimx64.efi': b'shim'})
    one = verify_boot.tree_digests(esp_tree(tmp_path / 'a', updated))
    two = verify_boot.tree_digests(esp_tree(tmp_path / 'b', LOADERS))
    assert verify_boot.tree_differences(one, two) == ['EFI/debian/grubx64.efi', 'EFI/debian/shimx64.efi']


def test_check_names_the_stale_esp_and_the_first_paths(tmp_path, monkeypatch):
    updated = dict(('EFI/debian/mod%02d.mod' % n, b'new') for n in range(7))
    trees = {'/dev/vdb2': esp_tree(tmp_path / 'a', updated), '/dev/vdc2': esp_tree(tmp_path / 'b', {})}
    monkeypatch.setattr(verify_boot.os.path, 'exists', lambda p: p in trees)
    monkeypatch.setattr(verify_boot, 'esp_digests', lambda runner, esp, mounted_at: verify_boot.tree_digests(trees[esp]))
    checks = CheckList()
    differing = verify_boot.check_esp_contents(None, checks, ['/dev/vdb', '/dev/vdc'], '/dev/vdb2')
    assert len(differing) == 7
    assert checks.failed[0]['problem'] == (
        'ESP /dev/vdc2 differs from /dev/vdb2 in 7 file(s): EFI/debian/mod00.mod, EFI/debian/mod01.mod, '
        'EFI/debian/mod02.mod, EFI/debian/mod03.mod, EFI/debian/mod04.mod, ...; run systemctl start '
        'isplab-esp-sync.service (or the role with tag root_raid1_esp_sync) to copy it')
    trees['/dev/vdc2'] = esp_tree(tmp_path / 'c', updated)
    checks = CheckList()
    assert verify_boot.check_esp_contents(None, checks, ['/dev/vdb', '/dev/vdc'], '/dev/vdb2') == []
    assert checks.results == [{'check': 'esp_contents_equal', 'ok': True,
                               'details': {'reference': '/dev/vdb2', 'differing': []}}]


def test_one_disk_alone_has_nothing_to_compare(monkeypatch):
    monkeypatch.setattr(verify_boot.os.path, 'exists', lambda p: True)
    checks = CheckList()
    assert verify_boot.check_esp_contents(None, checks, ['/dev/vdc'], None) is None
    assert checks.results == []


@pytest.mark.parametrize('text, found', [
    ('MAILADDR root\n', {'MAILADDR': 'root'}),
    ('mailaddr ops@example.org\nPROG /usr/local/bin/md-alert\n', {'MAILADDR': 'ops@example.org',
                                                                  'PROGRAM': '/usr/local/bin/md-alert'}),
    ('# MAILADDR root\nARRAY /dev/md0 metadata=0.90 UUID=e30f21fe:d170ca28:8e7d9606:3a24364a\n', {}),
    ('MA root\n', {}),  # shorter than 3 letters is no keyword
    ('MAILADDR\n', {}),
])
def test_monitor_lines(text, found):
    assert verify_boot.monitor_lines(text) == found
