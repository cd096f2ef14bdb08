"""Replacing a failed member with the same module: planning from the survivor, on states built from captured output.

The lab capture (fixtures/mdraid/README.md) converted /dev/vdb (disk 1) onto md0 with /dev/vdc (disk 2) as the
first member. A replacement state is that converted node after one disk died: the real degraded mdstat and
mdadm --detail of md0 running on vdc3 alone (disk 1 failed), or the derived slot-1 mdstat (disk 2 failed), and a
blank disk (sfdisk/wipefs of an empty disk) in the dead one's place under the same kernel name.
"""

import copy

import pytest

from ansible_collections.isplab.infra.plugins.module_utils.common import blockdev
from ansible_collections.isplab.infra.plugins.module_utils.common.diff import DiffTracker
from ansible_collections.isplab.infra.plugins.module_utils.common.runner import CommandResult
from ansible_collections.isplab.infra.plugins.module_utils.root_raid1 import executor as raid1_executor
from ansible_collections.isplab.infra.plugins.module_utils.root_raid1 import gpt, mdraid, refusals, replacement
from ansible_collections.isplab.infra.plugins.module_utils.root_raid1 import replacement_phases, state as raid1_state
from ansible_collections.isplab.infra.plugins.module_utils.root_raid1 import planner as raid1_plan

from test_raid1_plan import UUID, commands, disk, done_state, fixture, names, params

INSTALLER_ESP = '6AE7-FFCD'   # blkid_esp.txt: the ESP the installer made on vdb, what fstab mounts
SURVIVOR_ESP = '1B2C-3D4E'    # disk 2's ESP after the conversion's copy (done_state)
NEW_ESP = '5F0A-91C2'         # what fatlabel gave the new disk's ESP copy


def disk1_failed():
    """Converted node, vdb died, a blank disk is in its place: md0 runs on vdc3 alone ([2/1] [U_])."""
    state = done_state()
    state['disk1'] = disk('sfdisk_empty.json', wipefs='wipefs_empty.json')
    state['d1p2_blkid'] = {}
    state['mdstat'] = mdraid.parse_mdstat(fixture('mdraid', 'mdstat_degraded.txt'))
    state['md_detail'] = mdraid.parse_detail(fixture('mdraid', 'detail_degraded.txt'))
    state['partuuid_aliases'] = {'/dev/vdc3': '/dev/disk/by-partuuid/d2p3'}
    # fstab still names the dead disk's ESP: nofail let the node boot, nothing is mounted on /boot/efi
    state['fstab_esp_uuid'], state['esp_mount'] = INSTALLER_ESP, None
    # replacement.inspect reads these when the new disk is named disk1
    state['d1p3_blkid'], state['d1p3_examine'] = {}, None
    return state


def disk2_failed():
    """Converted node, vdc died, a blank disk is in its place: md0 runs on vdb3 alone ([2/1] [_U])."""
    state = done_state()
    state['disk2'] = disk('sfdisk_empty.json', wipefs='wipefs_empty.json')
    state['d2p2_blkid'], state['d2p3_blkid'], state['d2p3_examine'] = {}, {}, None
    state['mdstat'] = mdraid.parse_mdstat(fixture('mdraid', 'mdstat_degraded_slot1.txt'))
    # the captured --detail is of the other degraded array; only its UUID (the same) is read here
    state['md_detail'] = mdraid.parse_detail(fixture('mdraid', 'detail_degraded.txt'))
    state['partuuid_aliases'] = {'/dev/vdb3': '/dev/disk/by-partuuid/d1p3'}
    state['fstab_esp_uuid'] = INSTALLER_ESP
    return state


def rebuilt():
    """Both states after the replacement finished: vdb carries a copy of vdc's table with its own GUIDs."""
    state = done_state()
    state['d1p2_blkid'] = dict(state['d1p2_blkid'], UUID=NEW_ESP)
    state['fstab_esp_uuid'], state['esp_mount'] = SURVIVOR_ESP, '/dev/vdc2'
    state['stamp'] = {'replacing': UUID, 'bootloader': UUID}
    return state


REPLACEMENT_PHASES = ['copy_table', 'copy_boot_partitions', 'esp_fstab_survivor', 'retype_disk2', 'lvm_filter_disk2',
                      'add_new_member', 'initramfs', 'bootloader', 'resync', 'restore_sync_speed']


def replacement_names(phases):
    """Phase names without those of boot_phase.py (h13b's debconf phase, tested with it)."""
    own = set(phase.__name__ for phase in raid1_plan.PHASES if not phase.__module__.endswith('boot_phase'))
    return [name for name in names(phases) if name in own]


def test_new_disk_named_disk1_is_rebuilt_from_the_survivor_disk2():
    p, state = params(), disk1_failed()
    phases = raid1_plan.plan(p, state)
    assert replacement_names(phases) == REPLACEMENT_PHASES
    cmds = commands(phases)
    assert cmds[:3] == ['sgdisk --replicate=/dev/vdb /dev/vdc', 'partprobe /dev/vdb', 'udevadm settle']
    assert 'sgdisk --randomize-guids /dev/vdb' in cmds
    assert 'sgdisk --zap-all /dev/vdb' not in cmds, 'a blank disk needs no opt-in and no zap'
    assert [c for c in cmds if c.startswith('dd ')] == [
        'dd if=/dev/vdc1 of=/dev/vdb1 bs=64K conv=fsync status=none',
        'dd if=/dev/vdc2 of=/dev/vdb2 bs=1M skip=1 seek=1 conv=fsync status=none',
        'dd if=/dev/vdc2 of=/dev/vdb2 bs=1M count=1 conv=fsync status=none']
    assert 'fatlabel -i /dev/vdb2 <new random volume ID (UUID), not that of /dev/vdc2>' in cmds
    assert ('point the /boot/efi line of /etc/fstab at UUID=1B2C-3D4E (the ESP of /dev/vdc2, the failed disk had '
            '6AE7-FFCD); mount it') in cmds
    assert ('sgdisk --typecode=3:A19D880F-05FC-4D3B-A006-743F0F84911E --new=4:0:0 '
            '--typecode=4:4FBD7E29-9D25-41B8-AFD0-062C0CEFF05D --change-name=4:Ceph OSD /dev/vdb') in cmds
    assert ('write /etc/lvm/lvm.conf devices/global_filter rejecting partition 3 of disk1 and disk2 (by-partuuid)'
            in cmds)
    add = cmds.index('mdadm /dev/md0 --add /dev/vdb3')
    assert cmds[add - 2:add] == ['echo 200000 > /sys/block/md0/md/sync_speed_min',
                                 'record the replacement in /var/lib/isplab/root_raid1.json (boot code is redone until the end)']
    assert not any('--create' in c or '--assemble' in c for c in cmds)
    assert 'grub-install --target=i386-pc --modules=part_gpt lvm mdraid09 ext2 /dev/vdc' in cmds
    assert 'grub-install --target=i386-pc --modules=part_gpt lvm mdraid09 ext2 /dev/vdb' in cmds
    assert not any(c.startswith(('pv', 'vg', 'update-initramfs -u -k all')) for c in cmds[:add]), 'no LVM move'
    # the executor acts on the survivor as disk 1; the result keeps the operator's names
    assert (p['disk1'], p['disk2']) == ('/dev/vdc', '/dev/vdb')
    assert state['replacement'] == {'survivor': '/dev/vdc', 'survivor_named': 'disk2',
                                    'new_disk': '/dev/vdb', 'new_disk_named': 'disk1'}


def test_new_disk_named_disk2_is_rebuilt_from_disk1_without_swapping():
    p, state = params(), disk2_failed()
    phases = raid1_plan.plan(p, state)
    # fstab mounts disk 1's ESP, which survived: nothing to repoint
    assert replacement_names(phases) == [n for n in REPLACEMENT_PHASES if n != 'esp_fstab_survivor']
    cmds = commands(phases)
    assert cmds[0] == 'sgdisk --replicate=/dev/vdc /dev/vdb'
    assert 'mdadm /dev/md0 --add /dev/vdc3' in cmds
    assert not any('--create' in c for c in cmds)
    assert (p['disk1'], p['disk2']) == ('/dev/vdb', '/dev/vdc')
    assert state['replacement']['survivor_named'] == 'disk1'


def test_uefi_replacement_mounts_the_survivors_esp_before_grub_goes_to_both():
    state = disk1_failed()
    state['firmware'] = 'uefi'
    phases = raid1_plan.plan(params(), state)
    order = names(phases)
    assert order.index('esp_fstab_survivor') < order.index('bootloader')
    boot = commands([phases[order.index('bootloader')]])
    assert 'mount /dev/vdc2 /run/isplab-root-raid1/esp1' in boot and 'mount /dev/vdb2 /run/isplab-root-raid1/esp2' in boot
    assert sum('--removable' in c for c in boot) == 2


def test_rebuilt_node_plans_nothing_under_either_name():
    assert raid1_plan.plan(params(), rebuilt()) == []
    assert raid1_plan.plan(params(disk1='/dev/vdc', disk2='/dev/vdb'), swap(rebuilt())) == []


def swap(state):
    state = copy.deepcopy(state)
    state['disk1'], state['disk2'] = state['disk2'], state['disk1']
    state['d1p2_blkid'], state['d2p2_blkid'] = state['d2p2_blkid'], state['d1p2_blkid']
    return state


def test_crash_after_the_table_copy_continues_with_the_add():
    state = disk1_failed()
    state['disk1'] = disk('sfdisk_disk1_retyped.json')
    state['d1p2_blkid'] = dict(gpt.parse_blkid_export(fixture('gpt', 'blkid_esp.txt')), UUID=NEW_ESP)
    state['partuuid_aliases']['/dev/vdb3'] = '/dev/disk/by-partuuid/new-d1p3'
    phases = raid1_plan.plan(params(), state)
    assert replacement_names(phases) == ['esp_fstab_survivor', 'lvm_filter_disk2', 'add_new_member', 'initramfs',
                                         'bootloader', 'resync', 'restore_sync_speed']


def test_crash_during_the_resync_redoes_the_boot_code_and_waits():
    state = rebuilt()
    # the real mdstat while vdb3 recovers into md0; StampReplacing dropped the bootloader stamp before the add
    state['mdstat'] = mdraid.parse_mdstat(fixture('mdraid', 'mdstat_recovery.txt'))
    state['md_detail'] = mdraid.parse_detail(fixture('mdraid', 'detail_recovery.txt'))
    state['stamp'] = {'replacing': UUID}
    state['sync_speed_min'] = fixture('mdraid', 'sync_speed_min_local.txt').strip()
    phases = raid1_plan.plan(params(), state)
    assert replacement_names(phases) == ['bootloader', 'resync', 'restore_sync_speed']
    assert 'replacement' not in state, 'the member is in the array: the end of a conversion, not a replacement'


def test_the_middle_of_a_conversion_is_not_taken_for_a_replacement():
    """md0 on disk 2 alone and disk 1 outside it is also the conversion before its add (no stamp yet)."""
    state = disk1_failed()
    state['stamp'] = {'grub_before_move': UUID}
    assert replacement.survivor_of(params(), state) is None


def refusal(p, state):
    """The message; a refusal comes out of plan(), before the executor ran a single op."""
    with pytest.raises(refusals.Refusal) as exc:
        raid1_plan.plan(p, state)
    return str(exc.value)


def test_new_disk_that_is_not_empty_is_refused_with_the_conversions_message():
    state = disk1_failed()
    state['disk1'] = disk('sfdisk_dos.json', wipefs='wipefs_dos.json')
    assert refusal(params(), state) == (
        'disk2 /dev/vdb is not empty (partition table with 2 partitions; signatures: dos); '
        'set allow_wipe_disk2=true (role: root_raid1_wipe_disk2) to overwrite it')
    phases = raid1_plan.plan(params(allow_wipe_disk2=True), disk1_failed_with(disk('sfdisk_dos.json', wipefs='wipefs_dos.json')))
    assert commands(phases)[:2] == ['sgdisk --zap-all /dev/vdb', 'sgdisk --replicate=/dev/vdb /dev/vdc']


def disk1_failed_with(new_disk):
    state = disk1_failed()
    state['disk1'] = new_disk
    return state


def test_new_disk_too_small_is_refused_with_the_conversions_message():
    state = disk1_failed_with(disk('sfdisk_empty.json', size=100 * 1024 * 1024, wipefs='wipefs_empty.json'))
    need = (2230271 + 1 + 33) * 512
    assert refusal(params(), state) == (
        'disk2 /dev/vdb is too small: 104857600 bytes, needs at least %d bytes to hold partitions 1-3 of disk1' % need)


def test_new_disk_with_other_sector_size_is_refused_with_the_conversions_message():
    state = disk2_failed()
    state['disk2']['logical_sector_size'] = 4096
    assert refusal(params(), state) == refusals.ERR_SECTOR_SIZE.format(disk1='/dev/vdb', size1=512,
                                                                       disk2='/dev/vdc', size2=4096)


def stale_member_state():
    """The new disk was a member of another node's 0.90 array: same table as the survivor, foreign superblock."""
    state = disk1_failed_with(disk('sfdisk_disk1_retyped.json', wipefs='wipefs_disk2_table.json'))
    state['d1p2_blkid'] = dict(gpt.parse_blkid_export(fixture('gpt', 'blkid_esp.txt')), UUID=NEW_ESP)
    state['d1p3_blkid'] = gpt.parse_blkid_export(fixture('gpt', 'blkid_member_with_pv.txt'))
    # the captured superblock with another array's UUID
    state['d1p3_examine'] = mdraid.parse_examine(fixture('mdraid', 'examine_member.txt').replace(
        'e30f21fe:d170ca28:8e7d9606:3a24364a', '0a1b2c3d:4e5f6071:8293a4b5:c6d7e8f9'))
    return state


def test_stale_superblock_on_the_new_disk_is_refused_or_wiped_under_the_opt_in():
    assert refusal(params(), stale_member_state()) == (
        '/dev/vdb3 of the new disk carries the md superblock of another array (UUID 0a1b2c3d:4e5f6071:8293a4b5:c6d7e8f9, '
        'not /dev/md0 UUID e30f21fe:d170ca28:8e7d9606:3a24364a); set allow_wipe_disk2=true (role: root_raid1_wipe_disk2) '
        'to wipe the new disk')
    cmds = commands(raid1_plan.plan(params(allow_wipe_disk2=True), stale_member_state()))
    assert cmds[:2] == ['sgdisk --zap-all /dev/vdb', 'sgdisk --replicate=/dev/vdb /dev/vdc']
    assert cmds.index('wipefs --all /dev/vdb3') < cmds.index('mdadm /dev/md0 --add /dev/vdb3')
    assert not any('--assemble' in c or '--create' in c for c in cmds)


def test_new_disk_whose_p3_runs_in_another_array_is_refused_even_with_the_opt_in():
    state = stale_member_state()
    state['mdstat'] = mdraid.parse_mdstat(fixture('mdraid', 'mdstat_degraded.txt').replace(
        'unused devices', 'md127 : active raid1 vdb3[0]\n      1048512 blocks [2/1] [U_]\n      \nunused devices'))
    assert refusal(params(allow_wipe_disk2=True), state) == (
        '/dev/vdb3 of the new disk is a member of the running array /dev/md127; check that nothing needs it, '
        'stop it (mdadm --stop /dev/md127) and rerun')


def test_the_members_own_superblock_is_not_stale():
    state = stale_member_state()
    state['d1p3_examine'] = mdraid.parse_examine(fixture('mdraid', 'examine_member.txt'))
    assert 'mdadm /dev/md0 --add /dev/vdb3' in commands(raid1_plan.plan(params(), state))


def test_fstab_uuid_comes_from_the_boot_efi_line():
    assert replacement.fstab_esp_uuid('/dev/pve/root / ext4 defaults 0 1\nUUID=6ae7-ffcd /boot/efi vfat defaults,nofail 0 1\n') \
        == INSTALLER_ESP
    assert replacement.fstab_esp_uuid('/dev/disk/by-uuid/6AE7-FFCD /boot/efi vfat defaults 0 1\n') == INSTALLER_ESP
    assert replacement.fstab_esp_uuid('PARTUUID=a98f4189 /boot/efi vfat defaults 0 1\n') is None


class Runner:
    def __init__(self, module):
        self.module = module
        self.commands = []

    def run(self, argv, changes=False, **kwargs):
        self.commands.append(' '.join(argv))
        if argv[:2] == ['sfdisk', '--json']:
            return CommandResult(argv, rc=1, stdout=fixture('gpt', 'sfdisk_empty.json'))
        if argv[:3] == ['mdadm', '--detail', '--brief']:
            return CommandResult(argv, stdout=fixture('mdraid', 'brief_degraded.txt'))
        return CommandResult(argv, skipped=changes and self.module.check_mode)


class Module:
    check_mode = True


def test_check_mode_runs_nothing_and_shows_the_fstab_change(tmp_path, monkeypatch):
    fstab, lvm_conf, mdadm_conf, stamp = (tmp_path / 'fstab', tmp_path / 'lvm.conf', tmp_path / 'mdadm.conf',
                                          tmp_path / 'stamp.json')
    fstab.write_text('/dev/pve/root / ext4 errors=remount-ro 0 1\nUUID=6AE7-FFCD /boot/efi vfat defaults,nofail 0 1\n')
    lvm_conf.write_text('devices {\n}\n')
    mdadm_conf.write_text('')
    stamp.write_text('{"bootloader": "%s"}\n' % UUID)
    for name, path in (('FSTAB', fstab), ('LVM_CONF', lvm_conf), ('MDADM_CONF', mdadm_conf), ('STAMP_PATH', stamp)):
        monkeypatch.setattr(raid1_state, name, str(path))
    p = params()
    phases = raid1_plan.plan(p, disk1_failed())
    ex = raid1_executor.Executor(Module(), Runner(Module()), p, DiffTracker())
    result = {'changed': False, 'phases_done': []}
    ex.run_phases(phases, result)
    assert result['changed'] and ex.files_changed == []
    assert fstab.read_text().endswith('UUID=6AE7-FFCD /boot/efi vfat defaults,nofail 0 1\n')
    assert stamp.read_text() == '{"bootloader": "%s"}\n' % UUID
    assert ex.diff.diff()['after']['/etc/fstab /boot/efi line'] == ['UUID=1B2C-3D4E /boot/efi vfat defaults,nofail 0 1']
    assert 'mdadm /dev/md0 --add /dev/vdb3' in ex.runner.commands
    assert not any(c.startswith(('findmnt', 'mount /boot/efi')) for c in ex.runner.commands)


def test_stamp_replacing_keeps_the_uuid_and_drops_the_bootloader_stamp(tmp_path, monkeypatch):
    stamp = tmp_path / 'stamp.json'
    stamp.write_text('{"bootloader": "%s", "grub_before_move": "%s"}\n' % (UUID, UUID))
    monkeypatch.setattr(raid1_state, 'STAMP_PATH', str(stamp))

    class Real(Module):
        check_mode = False

        @staticmethod
        def atomic_move(src, dest):
            import shutil
            shutil.move(src, dest)

    ex = raid1_executor.Executor(Real(), Runner(Real()), params(), DiffTracker())
    ex.run_op(replacement_phases.StampReplacing(UUID))
    data = raid1_state.read_stamp()
    assert data['replacing'] == UUID and 'bootloader' not in data and data['grub_before_move'] == UUID
    assert replacement.survivor_of(params(), dict(disk1_failed(), stamp=data)) == 'disk2'


def test_blank_new_disk_named_disk1_gets_signatures_read_in_inspect(monkeypatch, tmp_path):
    monkeypatch.setattr(replacement, 'FSTAB', str(tmp_path / 'missing'))

    class Reader:
        commands = []

        def run(self, argv, **kwargs):
            self.commands.append(' '.join(argv))
            return CommandResult(argv, stdout=fixture('gpt', 'wipefs_empty.json'))

    state = disk1_failed()
    del state['d1p3_blkid'], state['d1p3_examine']
    state['disk1'].pop('signatures', None)
    extra = replacement.inspect(Reader(), params(), state)
    assert Reader.commands == ['wipefs --no-act --json /dev/vdb']
    assert state['disk1']['signatures'] == blockdev.parse_wipefs(fixture('gpt', 'wipefs_empty.json'))
    assert extra == {'fstab_esp_uuid': None, 'd1p3_blkid': {}, 'd1p3_examine': None}


def test_new_disk_smaller_than_the_survivor_gets_p1_to_p3_created_not_replicated():
    # UEFI lab run: survivor 10 GiB with p4 to its end, new disk 8 GiB; --replicate aborted with exit status 8
    p, state = params(), disk1_failed()
    state['disk2'] = disk('sfdisk_disk2_retyped.json', size=3 * 1024 ** 3)
    cmds = commands(raid1_plan.plan(p, state))
    assert cmds[0].startswith('sgdisk --set-alignment=1 --new=1:34:2047 ')
    assert cmds[0].endswith(' /dev/vdb') and '--new=4' not in cmds[0]
    assert not any('--replicate' in c for c in cmds)
