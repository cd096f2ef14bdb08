"""The lab harness composes qemu command lines and inventories from a spec (no VM started here)."""

import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', '..', 'lab'))

from isplab_lab import image, vm  # noqa: E402  (path set above)
from isplab_lab.common import LabError  # noqa: E402


@pytest.fixture
def lab(tmp_path, monkeypatch):
    fake = {'key': 'k', 'dir': str(tmp_path), 'rootfs': '/img/rootfs.raw', 'kernel': '/img/vmlinuz',
            'initrd': '/img/initrd.img', 'manifest': '/img/manifest.json'}
    monkeypatch.setattr(image, 'ensure_image', lambda force=False: fake)
    monkeypatch.setattr(vm, 'accel', lambda: 'tcg')
    monkeypatch.setattr(vm.Lab, '_prepare_files', lambda self, name: fake)
    return vm.Lab(str(tmp_path / 'state'))


SPEC = [
    {'name': 'a', 'memory': 512, 'disks': [{'name': 'disk1', 'size': '2G'}, {'name': 'seed', 'source': 'base'}],
     'links': [{'name': 'lan', 'peer': 'b'}], 'forwards': [{'proto': 'udp', 'guest': 9995}]},
    {'name': 'b', 'boot': 'disk', 'firmware': 'uefi', 'disks': [{'name': 'd1'}, {'name': 'd2'}],
     'links': [{'name': 'lan', 'peer': 'a'}]},
]


def _arg_after(cmd, flag, contains):
    return [cmd[i + 1] for i, c in enumerate(cmd[:-1]) if c == flag and contains in cmd[i + 1]]


def test_links_are_crossed_udp_ports(lab):
    lab.define(SPEC)
    a_link = lab.vms['a']['links'][0]
    b_link = lab.vms['b']['links'][0]
    assert a_link['local_port'] == b_link['peer_port']
    assert b_link['local_port'] == a_link['peer_port']
    netdev = _arg_after(lab.qemu_command('a'), '-netdev', 'socket')[0]
    assert netdev == 'socket,id=link1,udp=127.0.0.1:%d,localaddr=127.0.0.1:%d' % (
        a_link['peer_port'], a_link['local_port'])


def test_kernel_boot_root_first_and_seed_read_only(lab):
    lab.define(SPEC)
    cmd = lab.qemu_command('a')
    drives = _arg_after(cmd, '-drive', 'file=')
    assert drives[0].startswith('file=') and 'root.qcow2' in drives[0]
    assert any('/img/rootfs.raw' in d and 'readonly=on' in d for d in drives)
    assert 'root=/dev/disk/by-id/virtio-isplab-root' in cmd[cmd.index('-append') + 1]
    assert 'hostfwd=udp:127.0.0.1:%d-:9995' % lab.vms['a']['forward_ports']['udp_9995'] in \
        _arg_after(cmd, '-netdev', 'user')[0]


def test_disk_boot_uses_bootindex_and_ovmf(lab):
    lab.define(SPEC)
    cmd = lab.qemu_command('b')
    assert '-kernel' not in cmd
    devices = _arg_after(cmd, '-device', 'virtio-blk-pci')
    assert devices[0].endswith('serial=d1,bootindex=1')
    assert devices[1].endswith('serial=d2,bootindex=2')
    assert any('OVMF_CODE' in d for d in _arg_after(cmd, '-drive', 'pflash'))


def test_subset_of_disks(lab):
    lab.define(SPEC)
    lab.vms['b']['attached_disks'] = ['d2']
    devices = _arg_after(lab.qemu_command('b'), '-device', 'virtio-blk-pci')
    assert devices == ['virtio-blk-pci,drive=drive-d2,serial=d2,bootindex=1']


def test_nvme_and_4k_disks(lab):
    lab.define([{'name': 'n', 'boot': 'disk', 'firmware': 'uefi',
                 'disks': [{'name': 'disk1', 'interface': 'nvme'}, {'name': 'disk2', 'logical_block_size': 4096}]}])
    cmd = lab.qemu_command('n')
    assert _arg_after(cmd, '-device', 'nvme,') == ['nvme,drive=drive-disk1,serial=disk1,bootindex=1']
    assert _arg_after(cmd, '-device', 'virtio-blk-pci') == [
        'virtio-blk-pci,drive=drive-disk2,serial=disk2,logical_block_size=4096,physical_block_size=4096,bootindex=2']


@pytest.mark.parametrize('disk, message', [
    ({'name': 'd', 'interface': 'scsi'}, "n: disk d interface must be virtio or nvme, not 'scsi'"),
    ({'name': 'd', 'logical_block_size': 1024}, 'n: disk d logical_block_size must be 512 or 4096, not 1024'),
])
def test_bad_disk_options_are_refused(lab, disk, message):
    with pytest.raises(LabError) as err:
        lab.define([{'name': 'n', 'disks': [disk]}])
    assert str(err.value) == message


def test_one_sided_link_is_refused(lab):
    with pytest.raises(LabError, match='link lan between a and b must be declared on both VMs'):
        lab.define([dict(SPEC[0]), {'name': 'b'}])


def test_inventory_and_instance_config(lab):
    lab.define(SPEC)
    inv = lab.inventory()['all']['hosts']
    assert inv['a']['ansible_host'] == '127.0.0.1'
    assert inv['a']['lab_disks']['disk1'] == '/dev/disk/by-id/virtio-disk1'
    assert {i['instance'] for i in lab.instance_config()} == {'a', 'b'}


def test_reap_only_matches_our_marker(monkeypatch):
    cmdlines = {10: [b'qemu-system-x86_64', b'-name', b'isplab-lab:/s:a'],
                11: [b'qemu-system-x86_64', b'-name', b'someone-else'],
                12: [b'bash']}
    monkeypatch.setattr(vm, '_cmdline_of', lambda pid: cmdlines.get(pid, []))
    assert vm._is_ours(10) and not vm._is_ours(11) and not vm._is_ours(12)
    assert vm._is_ours(10, '/s', 'a') and not vm._is_ours(10, '/s', 'b')


def test_minimal_rootfs_is_a_shrunk_consistent_copy(tmp_path, monkeypatch):
    """Real mkfs.ext4/e2fsck/resize2fs on a small image: the seed keeps the files and loses the empty space."""
    import subprocess
    tree = tmp_path / 'tree'
    (tree / 'etc').mkdir(parents=True)
    (tree / 'etc' / 'marker').write_text('seed\n')
    (tree / 'blob').write_bytes(os.urandom(8 * 1024 * 1024))
    rootfs = tmp_path / 'rootfs.raw'
    subprocess.run(['mkfs.ext4', '-q', '-F', '-d', str(tree), str(rootfs), '1G'], check=True)
    monkeypatch.setattr(image, 'IMAGES', str(tmp_path))
    monkeypatch.setattr(image, 'MIN_HEADROOM', 16 * 1024 * 1024)
    paths = {'rootfs': str(rootfs), 'rootfs_min': str(tmp_path / 'rootfs-min.raw')}
    seed = image.ensure_minimal_rootfs(paths)
    size = os.path.getsize(seed)
    assert size % (16 * 1024 * 1024) == 0 and 8 * 1024 * 1024 < size <= 96 * 1024 * 1024
    assert subprocess.run(['e2fsck', '-n', '-f', seed], capture_output=True, check=False).returncode == 0
    listed = subprocess.run(['debugfs', '-R', 'cat /etc/marker', seed], capture_output=True, text=True, check=True)
    assert listed.stdout == 'seed\n'
    # the original is untouched and a second call reuses the copy
    assert os.path.getsize(rootfs) == 1024 ** 3
    mtime = os.path.getmtime(seed)
    assert image.ensure_minimal_rootfs(paths) == seed and os.path.getmtime(seed) == mtime


def test_firmware_dead_end_is_read_from_the_current_boot_only(lab):
    """SeaBIOS with a blank first disk (captured: SeaBIOS 1.16.2, blank virtio disk at bootindex 1, a second disk
    at bootindex 2) gives up after that one disk; an earlier boot's give-up line must not count."""
    lab.define(SPEC)
    captured = open(os.path.join(os.path.dirname(__file__), 'fixtures', 'seabios-blank-first-disk.serial.log')).read()
    os.makedirs(lab.vm_dir('a'), exist_ok=True)
    log_path = os.path.join(lab.vm_dir('a'), 'serial.log')
    with open(log_path, 'w') as fh:
        fh.write(vm.BOOT_MARKER + ' 10:00:00 (disk, disks d1,d2) =====\n' + captured)
    assert lab.firmware_dead_end('a') == 'No bootable device.'
    with open(log_path, 'a') as fh:
        fh.write('\n' + vm.BOOT_MARKER + ' 10:05:00 (disk, disks d2) =====\nSeaBIOS (version 1.16.2)\nBooting from Hard Disk...\n')
    assert lab.firmware_dead_end('a') is None


def test_firmware_text_goes_to_the_serial_log(lab):
    lab.define(SPEC)
    cmd = lab.qemu_command('b')
    assert cmd[cmd.index('-machine') + 1] == 'pc,graphics=off'
