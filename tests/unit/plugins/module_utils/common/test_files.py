"""files.write_text: the new file is durable before write_text returns (data, then the rename)."""

import os

from ansible_collections.isplab.infra.plugins.module_utils.common import files


class FakeModule:
    check_mode = False

    @staticmethod
    def atomic_move(src, dest):
        os.rename(src, dest)


def test_data_then_directory_are_fsynced_after_the_rename(tmp_path, monkeypatch):
    target = tmp_path / 'lvm.conf'
    target.write_text('old\n')
    os.chmod(str(target), 0o600)
    synced = []
    real_fsync = os.fsync

    def recording_fsync(fd):
        path = os.readlink('/proc/self/fd/%d' % fd)
        synced.append((os.path.basename(path), target.read_text()))
        real_fsync(fd)

    monkeypatch.setattr(os, 'fsync', recording_fsync)
    files.write_text(FakeModule, str(target), 'new\n')
    # the temporary file's data first, while the old file is still in place; the directory once the rename is done
    assert synced[0][0].startswith('.lvm.conf.isplab-') and synced[0][1] == 'old\n'
    assert synced[1] == (tmp_path.name, 'new\n')
    assert oct(os.stat(str(target)).st_mode & 0o777) == '0o600'
