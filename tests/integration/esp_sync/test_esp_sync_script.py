"""The role's ESP sync script (roles/root_raid1/templates/isplab-esp-sync.sh.j2), run for real in a private
mount namespace this test creates: a fake sysfs (md0 with members vdb3/vdc3/vdd3) on a tmpfs over /sys/block,
disk 1's "ESP" bind-mounted at /boot/efi, tmpfs over /run. Real rsync, flock, find, mountpoint and umount;
stubs (tests/integration/esp_sync/bin) stand in only for what needs a real FAT partition: `blkid`, the
vfat `mount` (a bind mount of the disk's directory), `findmnt` (names the device at /boot/efi) and `logger`
(writes the journal line to a file). Not covered here: FAT's 2-second mtimes (the VM scenario covers those).

Run:  sudo .venv/bin/pytest -q tests/integration/esp_sync   (root and unshare needed; about 2 s)
"""

import os
import shutil
import subprocess

import jinja2
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
TEMPLATE = os.path.join(REPO, 'roles', 'root_raid1', 'templates', 'isplab-esp-sync.sh.j2')

pytestmark = pytest.mark.skipif(os.geteuid() != 0 or not shutil.which('unshare') or not shutil.which('rsync'),
                                reason='needs root, unshare and rsync (private mount namespace)')

SETUP = r'''
set -eu
W={work}
mount -t tmpfs sysblock /sys/block
mount -t tmpfs run /run
[ -d /boot ] && mount -t tmpfs boot /boot
mkdir -p /boot/efi
for disk in vdb vdc vdd; do
    for n in 1 2 3; do mkdir -p /sys/block/$disk/$disk$n; echo $n > /sys/block/$disk/$disk$n/partition; done
done
mkdir -p /sys/block/md0/md
for member in {members}; do
    mkdir -p /sys/block/md0/md/dev-$member
    ln -s ../../../${{member%?}}/$member /sys/block/md0/md/dev-$member/block
    echo in_sync > /sys/block/md0/md/dev-$member/state
done
{extra}
{bind}
PATH=$W/bin:$PATH
export PATH
set +e
sh $W/isplab-esp-sync > $W/stdout 2> $W/stderr
echo $? > $W/rc
'''

STUBS = {
    'blkid': '#!/bin/sh\n# blkid -p -o value -s TYPE <dev>\n[ -f "{work}/disks/${{6##*/}}.vfat" ] && echo vfat\nexit 0\n',
    'mount': '#!/bin/sh\n# mount -t vfat -o noatime <dev> <dir>\n[ "$1" = -t ] || exec /usr/bin/mount "$@"\n'
             'exec /usr/bin/mount --bind "{work}/disks/${{5##*/}}" "$6"\n',
    'findmnt': '#!/bin/sh\n# findmnt --noheadings --output SOURCE --mountpoint /boot/efi\n'
               '/usr/bin/mountpoint -q /boot/efi && echo /dev/vdb2\n',
    'logger': '#!/bin/sh\n# logger -t isplab-esp-sync -- <line>\ntag=$2\nshift 3\necho "$tag: $*" >> "{work}/journal"\n',
}


class Node:
    def __init__(self, work):
        self.work = work
        for name in ('vdb2', 'vdc2', 'vdd2'):
            os.makedirs(os.path.join(work, 'disks', name))
            open(os.path.join(work, 'disks', name + '.vfat'), 'w').close()
        os.makedirs(os.path.join(work, 'bin'))
        for name, text in STUBS.items():
            path = os.path.join(work, 'bin', name)
            with open(path, 'w') as handle:
                handle.write(text.format(work=work))
            os.chmod(path, 0o755)
        env = jinja2.Environment(loader=jinja2.FileSystemLoader(os.path.dirname(TEMPLATE)), keep_trailing_newline=True)
        env.filters['basename'] = os.path.basename
        with open(os.path.join(work, 'isplab-esp-sync'), 'w') as handle:
            handle.write(env.get_template(os.path.basename(TEMPLATE)).render(
                ansible_managed='test', root_raid1_md_device='/dev/md0'))

    def write(self, disk, path, content, mtime=None):
        target = os.path.join(self.work, 'disks', disk, path)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, 'w') as handle:
            handle.write(content)
        if mtime is not None:
            os.utime(target, (mtime, mtime))

    def files(self, disk):
        top = os.path.join(self.work, 'disks', disk)
        found = {}
        for root, dirs, names in os.walk(top):
            for name in names:
                with open(os.path.join(root, name)) as handle:
                    found[os.path.relpath(os.path.join(root, name), top)] = handle.read()
        return found

    def run(self, members='vdb3 vdc3', extra='', esp_mounted=True):
        bind = 'mount --bind $W/disks/vdb2 /boot/efi' if esp_mounted else ''
        script = SETUP.format(work=self.work, members=members, extra=extra, bind=bind)
        subprocess.run(['unshare', '--mount', '--propagation', 'private', 'sh', '-c', script], check=True, timeout=60)
        with open(os.path.join(self.work, 'rc')) as handle:
            rc = int(handle.read())
        with open(os.path.join(self.work, 'stdout')) as handle:
            lines = handle.read().splitlines()
        return rc, lines

    def stderr(self):
        with open(os.path.join(self.work, 'stderr')) as handle:
            return handle.read()

    def journal(self):
        path = os.path.join(self.work, 'journal')
        if not os.path.exists(path):
            return []
        with open(path) as handle:
            return handle.read().splitlines()


@pytest.fixture
def node(tmp_path):
    work = str(tmp_path)
    made = Node(work)
    made.write('vdb2', 'EFI/debian/grubx64.efi', 'grub 2.06-13+deb12u2', mtime=1700000000)
    made.write('vdb2', 'EFI/BOOT/BOOTX64.EFI', 'grub 2.06-13+deb12u2', mtime=1700000000)
    made.write('vdc2', 'EFI/debian/grubx64.efi', 'grub 2.06-13', mtime=1690000000)
    made.write('vdc2', 'EFI/debian/old.mod', 'gone upstream', mtime=1690000000)
    return made


def test_stale_esp_gets_disk1s_files_and_loses_extra_ones(node):
    # changes: grubx64.efi rewritten, EFI/BOOT created, BOOTX64.EFI written, old.mod deleted
    rc, lines = node.run()
    assert rc == 0, node.stderr()
    assert lines == ['/dev/vdc2: copied 4 changes from /dev/vdb2']
    assert node.files('vdc2') == node.files('vdb2') == {
        'EFI/debian/grubx64.efi': 'grub 2.06-13+deb12u2', 'EFI/BOOT/BOOTX64.EFI': 'grub 2.06-13+deb12u2'}
    assert node.journal() == ['isplab-esp-sync: /dev/vdc2: copied 4 changes from /dev/vdb2']


def test_second_run_finds_them_in_sync(node):
    node.run()
    rc, lines = node.run()
    assert (rc, lines) == (0, ['/dev/vdc2: in sync with /dev/vdb2'])


def test_faulty_member_and_esp_without_fat_are_skipped(node):
    os.remove(os.path.join(node.work, 'disks', 'vdd2.vfat'))
    rc, lines = node.run(members='vdb3 vdc3 vdd3', extra='echo faulty > /sys/block/md0/md/dev-vdc3/state')
    assert rc == 0
    assert lines == ['/dev/vdc2: skipped: its md member is faulty',
                     '/dev/vdd2: skipped: no FAT file system on it (a replaced disk gets its ESP copied by the replacement)']
    assert node.files('vdc2')['EFI/debian/grubx64.efi'] == 'grub 2.06-13'


def test_a_new_disk_is_found_without_configuration(node):
    node.write('vdd2', 'EFI/debian/grubx64.efi', 'grub 2.06-13', mtime=1690000000)
    rc, lines = node.run(members='vdb3 vdd3')
    assert (rc, lines) == (0, ['/dev/vdd2: copied 3 changes from /dev/vdb2'])
    assert node.files('vdd2') == node.files('vdb2')


def test_nothing_mounted_at_boot_efi_is_said_and_not_an_error(node):
    rc, lines = node.run(esp_mounted=False)
    assert rc == 0
    assert lines == ['/boot/efi is not mounted: nothing to copy from']
