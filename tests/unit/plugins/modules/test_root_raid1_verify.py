"""root_raid1_verify module: checks on output captured from the lab's converted node, and a host without the tools."""

import os

import pytest
from ansible.module_utils import basic

from ansible_collections.isplab.infra.plugins.module_utils.root_raid1 import verify as raid1_checks
from ansible_collections.isplab.infra.plugins.modules import root_raid1_verify

FIXTURES = os.path.join(os.path.dirname(__file__), '..', '..', 'fixtures')
DISKS = {'/dev/disk/by-id/virtio-disk1': '/dev/vdb', '/dev/disk/by-id/virtio-disk2': '/dev/vdc'}


def fixture(domain, name):
    with open(os.path.join(FIXTURES, domain, name)) as handle:
        return handle.read()


class FakeNode:
    """A degraded 0.90 array on vdc3 (disk 2 only), answered from captured command output."""

    def __init__(self, installed=('mdadm', 'pvs', 'sfdisk', 'findmnt', 'blkid', 'dpkg-query', 'debconf-show', 'systemctl')):
        self.installed = installed
        self.calls = []
        self.sfdisk = 'sfdisk_disk2_retyped.json'
        self.blkid = {'/dev/vdc2': fixture('gpt', 'blkid_esp.txt').replace('/dev/vdb2', '/dev/vdc2')}
        self.detail = 'detail_degraded.txt'
        # real answers of a node without grub-pc (UEFI, or the host the fixture came from)
        self.dpkg_query = (int(fixture('boot', 'dpkg_query_grub_pc_absent.rc')), fixture('boot', 'dpkg_query_grub_pc_absent.txt'))
        self.debconf = fixture('boot', 'debconf_show_grub_pc_disk1.txt')
        self.monitor_state = 'active'

    def get_bin_path(self, name, required=False, **kwargs):
        return '/usr/sbin/' + name if name in self.installed else None

    def run_command(self, argv, environ_update=None, **kwargs):
        assert environ_update['LC_ALL'] == 'C'
        tool, args = os.path.basename(argv[0]), argv[1:]
        self.calls.append(' '.join([tool] + args))
        if tool == 'mdadm' and args[0] == '--detail':
            return 0, fixture('mdraid', self.detail), ''
        if tool == 'dpkg-query':
            return self.dpkg_query[0], self.dpkg_query[1], ''
        if tool == 'debconf-show':
            return 0, self.debconf, ''
        if tool == 'systemctl' and args == ['is-active', 'mdmonitor.service']:
            return (0 if self.monitor_state == 'active' else 3), self.monitor_state + '\n', ''
        if tool == 'pvs':
            return 0, fixture('lvm', 'pvs_on_md.json'), ''
        if tool == 'blkid':
            return 0, self.blkid.get(args[-1], ''), ''
        if tool == 'findmnt':
            return 1, '', ''
        if tool == 'sfdisk' and args[0] == '--json':
            return 0, fixture('gpt', self.sfdisk), ''
        raise AssertionError('unexpected command %s' % argv)


@pytest.fixture
def node(monkeypatch, run_module):
    fake = FakeNode()
    fake.run_module = run_module
    files = {'/proc/mdstat': fixture('mdraid', 'mdstat_degraded.txt'),
             '/etc/mdadm/mdadm.conf': fixture('mdraid', 'brief_degraded.txt'),
             '/etc/fstab': '/dev/pve/root / ext4 errors=remount-ro 0 1\nUUID=6AE7-FFCD /boot/efi vfat defaults,nofail 0 1\n'}
    fake.files = files
    monkeypatch.setattr(raid1_checks, 'read_text', lambda path, default='': files.get(path, default))
    monkeypatch.setattr(raid1_checks.os.path, 'realpath', lambda p: DISKS.get(p, p))
    monkeypatch.setattr(raid1_checks.os.path, 'exists', lambda p: p == '/dev/vdc')
    monkeypatch.setattr(raid1_checks.os.path, 'isdir', lambda p: False)
    monkeypatch.setattr(raid1_checks, 'bios_boot_code', lambda disk: True)
    monkeypatch.setattr(basic.AnsibleModule, 'run_command', lambda self, *a, **k: fake.run_command(*a, **k))
    monkeypatch.setattr(basic.AnsibleModule, 'get_bin_path', lambda self, name, **k: fake.get_bin_path(name, **k))

    return fake


def run(node, **args):
    base = {'disk1': '/dev/disk/by-id/virtio-disk1', 'disk2': '/dev/disk/by-id/virtio-disk2',
            'check_initramfs': False}
    base.update(args)
    return node.run_module(root_raid1_verify.main, base)


def failed_names(out):
    return [c['check'] for c in out.result['failed_checks']]


def test_degraded_boot_from_disk2_passes_when_degraded_is_allowed(node):
    out = run(node, allow_degraded=True)
    assert not out.failed, out.result['msg']
    assert out.result['md']['version'] == '0.90'
    assert [pv['pv_name'] for pv in out.result['pvs']] == ['/dev/md0']


def test_partition_types_read_with_one_sfdisk_call(node):
    out = run(node, allow_degraded=True)
    assert out.result['partition_types']['/dev/vdc'] == {
        1: '21686148-6449-6E6F-744E-656564454649', 2: 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B',
        3: 'A19D880F-05FC-4D3B-A006-743F0F84911E', 4: '4FBD7E29-9D25-41B8-AFD0-062C0CEFF05D'}
    assert [c for c in node.calls if c.startswith(('sfdisk', 'sgdisk'))] == ['sfdisk --json /dev/vdc']


def test_a_dos_table_is_named_as_not_a_gpt(node):
    node.sfdisk = 'sfdisk_dos.json'
    out = run(node, allow_degraded=True)
    assert failed_names(out) == ['partition_types_vdc']
    assert out.result['failed_checks'][0]['problem'] == '/dev/vdc has a dos partition table, not a GPT'


def test_degraded_array_fails_with_the_missing_member_named(node):
    out = run(node)
    assert out.failed
    assert failed_names(out) == ['md_members_active']
    assert out.result['failed_checks'][0]['problem'] == 'not active in /dev/md0: /dev/vdb3'


def test_a_disk_that_is_gone_is_named_by_its_by_id_link(node, monkeypatch):
    # realpath of a dangling /dev/disk/by-id name is the name itself: the disk was pulled or died
    monkeypatch.setattr(raid1_checks.os.path, 'realpath',
                        lambda p: '/dev/vdc' if p == '/dev/disk/by-id/virtio-disk2' else p)
    out = run(node)
    assert failed_names(out) == ['md_members_active']
    assert out.result['failed_checks'][0]['problem'] == (
        'not active in /dev/md0: /dev/disk/by-id/virtio-disk1-part3 (disk not present)')


@pytest.mark.parametrize('installed, missing', [
    (('mdadm', 'sfdisk', 'findmnt'), 'pvs'),
    (('findmnt',), 'mdadm, pvs, sfdisk'),
])
def test_missing_tools_are_a_failed_check_not_a_crash(node, installed, missing):
    node.installed = installed
    out = run(node)
    assert out.failed
    assert failed_names(out) == ['tools_installed']
    assert out.result['failed_checks'][0]['problem'] == (
        'not installed (or not in PATH): %s; this host cannot carry a root RAID1 as declared' % missing)
    assert node.calls == []


def test_missing_tools_reported_without_failing_when_asked(node):
    node.installed = ('mdadm', 'sfdisk')
    out = run(node, fail_on_error=False)
    assert not out.failed
    assert failed_names(out) == ['tools_installed']


def test_esps_sharing_a_volume_id_and_fstab_without_nofail_are_named(node, monkeypatch):
    """Both disks present: disk 2's ESP a byte copy of disk 1's (same UUID), fstab as the installer wrote it."""
    monkeypatch.setattr(raid1_checks.os.path, 'exists', lambda p: p in ('/dev/vdb', '/dev/vdc', '/dev/vdb2', '/dev/vdc2'))
    node.blkid['/dev/vdb2'] = fixture('gpt', 'blkid_esp.txt')
    node.files['/etc/fstab'] = '/dev/pve/root / ext4 errors=remount-ro 0 1\nUUID=6AE7-FFCD /boot/efi vfat defaults 0 1\n'
    out = run(node, allow_degraded=True)
    problems = dict((c['check'], c['problem']) for c in out.result['failed_checks'])
    assert problems['esp_volume_ids_differ'] == (
        'both ESPs carry FAT volume ID 6AE7-FFCD: /dev/disk/by-uuid, which fstab mounts /boot/efi by, '
        'may point at either')
    assert problems['esp_fstab_nofail'] == (
        "/etc/fstab mounts /boot/efi without nofail: booted from disk 2 alone the node waits for disk 1's ESP "
        'and stops in emergency mode')


def test_a_faulty_member_is_named_as_failed(node, monkeypatch):
    """mdadm --fail leaves the member listed as faulty (constructed fixture, see fixtures/mdraid/README.md)."""
    node.detail = 'detail_faulty.txt'
    monkeypatch.setattr(raid1_checks.os.path, 'exists', lambda p: p in ('/dev/vdb', '/dev/vdc'))
    out = run(node)
    assert failed_names(out) == ['md_members_active']
    assert out.result['failed_checks'][0]['problem'] == (
        'not active in /dev/md0: /dev/vdb3 (failed: mdadm marked it faulty; replace the disk, see "After a disk failure")')
    assert out.result['failed_checks'][0]['details']['faulty'] == ['/dev/vdb3']


def test_install_devices_missing_a_member_disk_is_named(node, monkeypatch):
    """BIOS, grub-pc installed, debconf names disk 1 only (the installer's answer), both disks present."""
    monkeypatch.setattr(raid1_checks.os.path, 'exists', lambda p: p in ('/dev/vdb', '/dev/vdc'))
    node.dpkg_query = (0, fixture('boot', 'dpkg_query_installed.txt'))
    node.detail = 'detail_clean.txt'
    node.files['/proc/mdstat'] = fixture('mdraid', 'mdstat_clean.txt')
    out = run(node)
    assert failed_names(out) == ['grub_install_devices']
    assert out.result['failed_checks'][0]['problem'] == (
        'debconf grub-pc/install_devices (/dev/disk/by-id/virtio-disk1) misses /dev/vdc: the next grub-pc update '
        'leaves its boot code stale; run dpkg-reconfigure grub-pc and select every RAID member disk, or rerun the '
        'role (root_raid1 sets it)')
    node.debconf = fixture('boot', 'debconf_show_grub_pc_both.txt')
    out = run(node)
    assert not out.failed, out.result['msg']
    assert out.result['install_devices'] == ['/dev/disk/by-id/virtio-disk1', '/dev/disk/by-id/virtio-disk2']


def test_install_devices_not_checked_without_grub_pc(node):
    out = run(node, allow_degraded=True)
    assert 'grub_install_devices' not in [c['check'] for c in out.result['checks']]
    assert [c for c in node.calls if c.startswith('debconf-show')] == []


def test_monitor_without_mail_or_program_and_stopped_is_named(node):
    node.files['/etc/mdadm/mdadm.conf'] = fixture('mdraid', 'brief_degraded.txt')
    node.monitor_state = 'inactive'
    out = run(node, allow_degraded=True, check_monitor=True)
    problems = dict((c['check'], c['problem']) for c in out.result['failed_checks'])
    assert sorted(problems) == ['mdmonitor_active', 'mdmonitor_config']
    assert problems['mdmonitor_config'] == (
        '/etc/mdadm/mdadm.conf has neither MAILADDR nor PROGRAM: mdadm --monitor refuses to start and a failed disk '
        'goes unreported; set root_raid1_monitor_mailaddr (or root_raid1_monitor_program)')
    assert problems['mdmonitor_active'] == (
        'mdmonitor.service is inactive, not active: a failed disk goes unreported; systemctl start mdmonitor.service '
        '(journalctl -u mdmonitor.service says why it stopped)')


def test_monitor_with_mailaddr_and_running_passes(node):
    node.files['/etc/mdadm/mdadm.conf'] = 'HOMEHOST <system>\nMAILADDR root\n' + fixture('mdraid', 'brief_degraded.txt')
    out = run(node, allow_degraded=True, check_monitor=True)
    assert not out.failed, out.result['msg']
    assert out.result['monitor'] == {'active': 'active', 'config': {'MAILADDR': 'root'}}


def test_monitor_not_checked_unless_asked(node):
    node.monitor_state = 'inactive'
    out = run(node, allow_degraded=True)
    assert not out.failed
    assert out.result['monitor'] is None


def test_a_data_move_boot_copy_left_on_the_esp_is_named(node, monkeypatch):
    """A cut inside grub_after_move, after grub-install and before the copy was removed."""
    monkeypatch.setattr(raid1_checks.os.path, 'isdir', lambda p: p == '/boot/efi/isplab-move')
    out = run(node, allow_degraded=True)
    problems = dict((c['check'], c['problem']) for c in out.result['failed_checks'])
    assert problems['no_move_boot_copy'] == (
        "/boot/efi/isplab-move exists: disk 1 may still boot from the data move's kernel copy instead of /boot; "
        'rerun the role (phase grub_after_move installs the normal boot code and removes the copy)')
