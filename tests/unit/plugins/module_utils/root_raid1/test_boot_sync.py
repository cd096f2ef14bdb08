"""BIOS boot persistence: debconf grub-pc/install_devices read from real debconf-show output, the phase that
names both disks, and the op that writes it (with its diff and check mode)."""

import os

import pytest

from ansible_collections.isplab.infra.plugins.module_utils.common.diff import DiffTracker
from ansible_collections.isplab.infra.plugins.module_utils.common.runner import CommandResult
from ansible_collections.isplab.infra.plugins.module_utils.root_raid1 import boot_phase, boot_sync, ops
from ansible_collections.isplab.infra.plugins.module_utils.root_raid1 import executor as raid1_executor
from ansible_collections.isplab.infra.plugins.module_utils.root_raid1.refusals import Refusal

FIXTURES = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'fixtures')
BY_ID1, BY_ID2 = '/dev/disk/by-id/virtio-disk1', '/dev/disk/by-id/virtio-disk2'


def fixture(domain, name):
    with open(os.path.join(FIXTURES, domain, name)) as handle:
        return handle.read()


@pytest.mark.parametrize('name, devices', [
    ('debconf_show_grub_pc_fresh.txt', []),
    ('debconf_show_grub_pc_disk1.txt', [BY_ID1]),
    ('debconf_show_grub_pc_both.txt', [BY_ID1, BY_ID2]),
])
def test_install_devices_read_from_debconf_show(name, devices):
    values = boot_sync.parse_debconf_show(fixture('boot', name))
    assert boot_sync.multiselect(values['grub-pc/install_devices']) == devices
    assert values['grub-pc/install_devices_empty'] == 'false'
    assert values['grub2/linux_cmdline_default'] == 'quiet'


def test_selections_are_what_the_capture_fed_debconf():
    """capture_debconf.sh fed this exact text to debconf-set-selections and read it back as *_both.txt."""
    text = boot_sync.selections([BY_ID1, BY_ID2])
    assert text in fixture('boot', 'capture_debconf.sh').replace('\\n', '\n')


@pytest.mark.parametrize('given, links, expected', [
    (BY_ID1, [], BY_ID1),
    ('/dev/sda', ['/dev/disk/by-id/scsi-0QEMU_HARDDISK_1', '/dev/disk/by-id/ata-QEMU_HARDDISK_QM1',
                  '/dev/disk/by-id/wwn-0x5000c500a1b2c3d4'], '/dev/disk/by-id/wwn-0x5000c500a1b2c3d4'),
    ('/dev/nvme0n1', ['/dev/disk/by-id/nvme-eui.0025388b91b3c1d2', '/dev/disk/by-id/nvme-SAMSUNG_MZ_S1'],
     '/dev/disk/by-id/nvme-SAMSUNG_MZ_S1'),
    ('/dev/disk/by-id/ata-X-part3', ['/dev/disk/by-id/ata-X'], '/dev/disk/by-id/ata-X'),
    ('/dev/vdb', ['/dev/disk/by-id/dm-name-x'], None),
    ('/dev/vdb', [], None),
])
def test_the_stable_name_of_a_disk(given, links, expected):
    assert boot_sync.best_by_id(given, links) == expected


def boot(installed=True, devices=(BY_ID1,), empty='false', by_id=(BY_ID1, BY_ID2)):
    resolved = {BY_ID1: '/dev/vdb', BY_ID2: '/dev/vdc'}
    return {'boot_sync': {
        'grub_pc_installed': installed, 'install_devices': list(devices),
        'install_devices_resolved': [resolved.get(d, d) for d in devices], 'install_devices_empty': empty,
        'by_id': {'disk1': by_id[0], 'disk2': by_id[1]}, 'disks_resolved': {'disk1': '/dev/vdb', 'disk2': '/dev/vdc'}},
        'firmware': 'bios'}


def test_phase_names_both_disks_when_the_installer_named_disk1_only():
    ops_ = boot_phase.grub_install_devices({'disk1': '/dev/vdb', 'disk2': '/dev/vdc'}, boot(), {})
    assert ops_ == [ops.DebconfInstallDevices(BY_ID1, BY_ID2)]
    assert ops_[0].describe() == ('debconf-set-selections: grub-pc/install_devices = %s, %s, '
                                  'install_devices_empty = false' % (BY_ID1, BY_ID2))


@pytest.mark.parametrize('state', [
    boot(devices=(BY_ID1, BY_ID2)),
    boot(devices=('/dev/vdc', BY_ID1)),  # another name of the same disk counts
    boot(installed=False),
    dict(boot(), firmware='uefi'),
    {'firmware': 'bios'},  # snapshot without the key: nothing known, nothing done
])
def test_phase_is_done_when_both_disks_are_named_or_grub_pc_is_absent(state):
    assert boot_phase.grub_install_devices({'disk1': '/dev/vdb', 'disk2': '/dev/vdc'}, state, {}) is None


def test_phase_redone_when_install_devices_empty_was_answered_true():
    state = boot(devices=(BY_ID1, BY_ID2), empty='true')
    assert boot_phase.grub_install_devices({'disk1': '/dev/vdb', 'disk2': '/dev/vdc'}, state, {})


def test_a_disk_without_by_id_link_is_refused_with_the_fix():
    with pytest.raises(Refusal) as err:
        boot_phase.grub_install_devices({'disk1': '/dev/vdb', 'disk2': '/dev/vdc'}, boot(by_id=(BY_ID1, None)), {})
    assert str(err.value) == (
        '/dev/vdc has no /dev/disk/by-id link (wwn-, ata-, nvme-, virtio- or scsi-): grub-pc/install_devices '
        'needs a name that survives a reboot; give the disk a serial number (VMs: serial= on the disk) '
        'or pass its /dev/disk/by-id name')


class Runner:
    def __init__(self, module, answers):
        self.module = module
        self.answers = answers
        self.commands = []
        self.data = []

    def binary(self, name, required=True):
        return '/usr/bin/' + name

    def run(self, argv, changes=False, expected_rc=(0,), data=None, **kwargs):
        self.commands.append(' '.join(argv))
        if changes and self.module.check_mode:
            return CommandResult(argv, skipped=True)
        self.data.append(data)
        rc, out = self.answers.get(argv[0], (0, ''))
        return CommandResult(argv, rc=rc, stdout=out)


class Module:
    def __init__(self, check_mode):
        self.check_mode = check_mode


@pytest.mark.parametrize('check_mode', [False, True])
def test_op_writes_both_disks_with_a_diff(check_mode):
    module = Module(check_mode)
    runner = Runner(module, {'debconf-show': (0, fixture('boot', 'debconf_show_grub_pc_disk1.txt'))})
    ex = raid1_executor.Executor(module, runner, {}, DiffTracker())
    ex.run_op(ops.DebconfInstallDevices(BY_ID1, BY_ID2))
    assert runner.commands == ['debconf-show grub-pc', 'debconf-set-selections']
    name = 'debconf grub-pc/install_devices'
    assert ex.diff.diff() == {'before': {name: BY_ID1}, 'after': {name: '%s, %s' % (BY_ID1, BY_ID2)}}
    written = [d for d in runner.data if d]
    assert written == ([] if check_mode else [boot_sync.selections([BY_ID1, BY_ID2])])


def test_inspect_reads_debconf_only_when_grub_pc_is_installed(monkeypatch):
    module = Module(False)
    monkeypatch.setattr(boot_sync, 'by_id_links', lambda: {'/dev/vdb': [BY_ID1], '/dev/vdc': [BY_ID2, BY_ID2 + '-part3']})
    monkeypatch.setattr(boot_sync.os.path, 'realpath', lambda p: {BY_ID1: '/dev/vdb', BY_ID2: '/dev/vdc'}.get(p, p))
    absent = Runner(module, {'dpkg-query': (int(fixture('boot', 'dpkg_query_grub_pc_absent.rc')),
                                            fixture('boot', 'dpkg_query_grub_pc_absent.txt'))})
    assert boot_sync.inspect_boot(absent, {'disk1': '/dev/vdb', 'disk2': '/dev/vdc'}, 'bios')['boot_sync'][
        'grub_pc_installed'] is False
    assert absent.commands == ["dpkg-query --show --showformat ${Status} grub-pc"]
    installed = Runner(module, {'dpkg-query': (0, fixture('boot', 'dpkg_query_installed.txt')),
                                'debconf-show': (0, fixture('boot', 'debconf_show_grub_pc_disk1.txt'))})
    found = boot_sync.inspect_boot(installed, {'disk1': '/dev/vdb', 'disk2': '/dev/vdc'}, 'bios')['boot_sync']
    assert found['install_devices'] == [BY_ID1] and found['install_devices_resolved'] == ['/dev/vdb']
    assert found['by_id'] == {'disk1': BY_ID1, 'disk2': BY_ID2}
    uefi = Runner(module, {})
    assert boot_sync.inspect_boot(uefi, {'disk1': '/dev/vdb', 'disk2': '/dev/vdc'}, 'uefi')['boot_sync'][
        'grub_pc_installed'] is False
    assert uefi.commands == []


def test_the_phase_follows_the_bootloader_phase():
    from ansible_collections.isplab.infra.plugins.module_utils.root_raid1 import planner
    names = [phase.__name__ for phase in planner.PHASES]
    assert names.index('grub_install_devices') == names.index('bootloader') + 1


def test_mdadm_conf_op_keeps_the_monitor_lines_byte_exact_and_in_place(tmp_path, monkeypatch):
    """monitor.yml owns MAILADDR/PROGRAM; the conversion's ARRAY rewrite must leave them as they are."""
    from ansible_collections.isplab.infra.plugins.module_utils.root_raid1 import state
    conf = tmp_path / 'mdadm.conf'
    head = 'HOMEHOST <system>\nMAILADDR  ops@example.org\t# on call\nPROGRAM /usr/local/bin/md-alert\n'
    conf.write_text(head + 'ARRAY /dev/md0 metadata=0.90 UUID=00000000:00000000:00000000:00000000\n'
                    + '# trailing comment\n')
    monkeypatch.setattr(state, 'MDADM_CONF', str(conf))
    module = Module(False)
    module.atomic_move = os.replace
    brief = fixture('mdraid', 'brief_clean.txt')
    runner = Runner(module, {'mdadm': (0, brief)})
    raid1_executor.Executor(module, runner, {}, DiffTracker()).run_op(ops.MdadmConf('/dev/md0'))
    assert conf.read_text() == head + '# trailing comment\n' + brief.strip() + '\n'
