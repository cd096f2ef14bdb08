"""Phase planning and refusals of the root LVM -> RAID1 conversion, on states built from captured output."""

import copy
import os

import pytest

from ansible_collections.isplab.infra.plugins.module_utils.common import blockdev
from ansible_collections.isplab.infra.plugins.module_utils.root_raid1 import gpt, lvm, mdraid, ops, refusals
from ansible_collections.isplab.infra.plugins.module_utils.root_raid1 import planner as raid1_plan

FIXTURES = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'fixtures')
D1, D2 = '/dev/vdb', '/dev/vdc'


def fixture(domain, name):
    with open(os.path.join(FIXTURES, domain, name)) as fh:
        return fh.read()


def sfdisk(name):
    """A captured ``sfdisk --json`` answer, with its exit status when the capture kept one."""
    rc_path = os.path.join(FIXTURES, 'gpt', name + '.rc')
    rc = int(fixture('gpt', name + '.rc')) if os.path.exists(rc_path) else 0
    return gpt.parse_sfdisk_json(fixture('gpt', name), rc)


def disk(name, size=2 * 1024 ** 3, wipefs=None):
    table = sfdisk(name)
    state = {'table': table, 'parts': table.pop('parts'), 'size_bytes': size}
    if wipefs:
        state['signatures'] = blockdev.parse_wipefs(fixture('gpt', wipefs))
    return state


UUID = 'e30f21fe:d170ca28:8e7d9606:3a24364a'
BRIEF = mdraid.parse_brief(fixture('mdraid', 'brief_clean.txt'))


def params(**overrides):
    base = dict(disk1=D1, disk2=D2, vg='pve', md_device='/dev/md0', osd_partition=True,
                allow_wipe_disk2=False, wait_resync=True, sync_speed_min=200000, firmware='bios')
    base.update(overrides)
    return base


def fresh_state():
    return {
        'firmware': 'bios',
        'disk1': disk('sfdisk_disk1.json'),
        'disk2': disk('sfdisk_empty.json', wipefs='wipefs_empty.json'),
        'd1p2_blkid': gpt.parse_blkid_export(fixture('gpt', 'blkid_esp.txt')),
        'd2p2_blkid': {}, 'd2p3_blkid': {}, 'd2p3_examine': None,
        'mdstat': {}, 'md_detail': None,
        'pvs': lvm.parse_pvs(fixture('lvm', 'pvs_single.json')),
        'vgs': lvm.parse_vgs(fixture('lvm', 'vgs.json')),
        'lvs': lvm.parse_lvs(fixture('lvm', 'lvs_plain.json')),
        'lvm_rejects': [], 'lvm_conf_foreign_filter': False, 'mdadm_conf_arrays': [],
        'initramfs_fresh': True, 'stamp': {}, 'grub_cfg_has_mdraid': False,
        'sync_speed_min': None, 'esp_mount': '/dev/vdb2',
        'partuuid_aliases': {'/dev/vdb3': '/dev/disk/by-partuuid/d1p3'},
        'move_boot': move_boot_info(),
    }


def move_boot_info(**overrides):
    """move_boot.inspect's answer on a lab node: 1 GiB ESP, bookworm's kernel and a MODULES=dep initramfs."""
    info = {'kernel': '/boot/vmlinuz-6.1.0-28-amd64', 'initrd': '/boot/initrd.img-6.1.0-28-amd64',
            'esp_uuid': gpt.parse_blkid_export(fixture('gpt', 'blkid_esp.txt'))['UUID'], 'esp_type': 'vfat',
            'copy_present': False, 'free_bytes': 1070 * 1024 ** 2, 'need_bytes': 87 * 1024 ** 2,
            'root_source': '/dev/mapper/pve-root', 'cmdline': 'console=ttyS0,115200 quiet'}
    info.update(overrides)
    return info


def md_created_state():
    """md0 built on disk 2 and the PV created on it (the capture's state right after pvcreate)."""
    state = fresh_state()
    state['disk2'] = disk('sfdisk_disk2_retyped.json', wipefs='wipefs_disk2_table.json')
    # disk 2's ESP as copy_boot_partitions leaves it: disk 1's filesystem under a new volume ID
    state['d2p2_blkid'] = dict(gpt.parse_blkid_export(fixture('gpt', 'blkid_esp.txt')), UUID='1B2C-3D4E')
    state['d2p3_blkid'] = gpt.parse_blkid_export(fixture('gpt', 'blkid_member_with_pv.txt'))
    state['d2p3_examine'] = mdraid.parse_examine(fixture('mdraid', 'examine_member.txt'))
    state['mdstat'] = mdraid.parse_mdstat(fixture('mdraid', 'mdstat_degraded.txt'))
    state['md_detail'] = mdraid.parse_detail(fixture('mdraid', 'detail_degraded.txt'))
    state['pvs'] = lvm.parse_pvs(fixture('lvm', 'pvs_duplicate.json'))
    state['partuuid_aliases']['/dev/vdc3'] = '/dev/disk/by-partuuid/d2p3'
    state['lvm_rejects'] = ['/dev/disk/by-partuuid/d2p3']
    state['mdadm_conf_arrays'] = [BRIEF]
    return state


def done_state():
    state = md_created_state()
    state['disk1'] = disk('sfdisk_disk1_retyped.json')
    state['mdstat'] = mdraid.parse_mdstat(fixture('mdraid', 'mdstat_clean.txt'))
    state['md_detail'] = mdraid.parse_detail(fixture('mdraid', 'detail_clean.txt'))
    state['pvs'] = lvm.parse_pvs(fixture('lvm', 'pvs_on_md.json'))
    state['lvm_rejects'] = ['/dev/disk/by-partuuid/d1p3', '/dev/disk/by-partuuid/d2p3']
    state['stamp'] = {'grub_before_move': UUID, 'bootloader': UUID}
    state['grub_cfg_has_mdraid'] = True
    state['sync_speed_min'] = fixture('mdraid', 'sync_speed_min_system.txt').strip()
    return state


def names(phases):
    return [p['phase'] for p in phases]


def commands(phases):
    return [ops.describe(op) for p in phases for op in p['ops']]


def test_fresh_node_plans_every_phase_in_field_notes_order():
    phases = raid1_plan.plan(params(), fresh_state())
    assert names(phases) == [
        'copy_table', 'copy_boot_partitions', 'retype_disk2', 'lvm_filter_disk2', 'create_md', 'mdadm_conf',
        'initramfs_before_move', 'pvcreate', 'vgextend', 'grub_before_move', 'pvmove', 'grub_after_move', 'vgreduce',
        'pvremove',
        'lvm_filter_both', 'retype_disk1', 'add_member', 'initramfs', 'bootloader', 'resync',
        'restore_sync_speed']
    cmds = commands(phases)
    assert 'mdadm --create /dev/md0 --run --metadata=0.90 -l1 -n2 /dev/vdc3 missing' in cmds
    assert 'sgdisk --replicate=/dev/vdc /dev/vdb' in cmds and 'sgdisk --randomize-guids /dev/vdc' in cmds
    assert 'sgdisk --zap-all /dev/vdc' not in cmds
    assert ('sgdisk --typecode=3:A19D880F-05FC-4D3B-A006-743F0F84911E --new=4:0:0 '
            '--typecode=4:4FBD7E29-9D25-41B8-AFD0-062C0CEFF05D --change-name=4:Ceph OSD /dev/vdc') in cmds
    assert 'pvmove -b /dev/vdb3 /dev/md0' in cmds
    assert cmds.index('check: allocated extents of /dev/vdb3 fit on /dev/md0') < cmds.index('pvmove -b /dev/vdb3 /dev/md0')
    assert 'grub-install --target=i386-pc --modules=part_gpt lvm mdraid09 ext2 /dev/vdc' in cmds
    assert 'mdadm /dev/md0 --add /dev/vdb3' in cmds
    assert not any('dd if=/dev/vdb of=' in c for c in cmds), 'no dd of the whole boot area'


def test_initramfs_knows_the_array_before_the_first_extent_moves():
    phases = raid1_plan.plan(params(), fresh_state())
    order = names(phases)
    assert order.index('mdadm_conf') < order.index('initramfs_before_move') < order.index('pvmove')
    assert order.index('grub_before_move') < order.index('pvmove')
    # the crash test found GRUB reading a stale /boot from an un-checkpointed ext4 journal
    grub_ops = [op[0] for op in phases[order.index('grub_before_move')]['ops']]
    assert grub_ops.index('flush_boot_fs') > grub_ops.index('run')


def test_uefi_installs_grub_on_both_esps_with_removable_path_and_entries():
    state = fresh_state()
    state['firmware'] = 'uefi'
    cmds = commands(raid1_plan.plan(params(), state))
    boot = cmds[len(cmds) - 1 - cmds[::-1].index('update-grub') - 16:]
    assert any('--efi-directory=/boot/efi' in c and '--removable' in c for c in boot)
    assert 'mount /dev/vdc2 /run/isplab-root-raid1/esp2' in boot
    assert any('--efi-directory=/run/isplab-root-raid1/esp2' in c and '--removable' in c for c in boot)
    assert sum('efibootmgr -c -d' in c for c in boot) == 2


def test_done_node_plans_nothing():
    assert raid1_plan.plan(params(), done_state()) == []


def test_done_node_with_raised_sync_speed_only_restores_it():
    state = done_state()
    state['sync_speed_min'] = fixture('mdraid', 'sync_speed_min_local.txt').strip()
    phases = raid1_plan.plan(params(), state)
    assert names(phases) == ['restore_sync_speed']
    assert commands(phases) == ['echo system > /sys/block/md0/md/sync_speed_min']


def test_running_resync_is_waited_for():
    state = done_state()
    state['mdstat'] = mdraid.parse_mdstat(fixture('mdraid', 'mdstat_recovery.txt'))
    assert names(raid1_plan.plan(params(), state)) == ['resync']
    assert raid1_plan.plan(params(wait_resync=False), state) == []


def test_after_pvcreate_continues_with_vgextend_and_move():
    phases = raid1_plan.plan(params(), md_created_state())
    assert names(phases)[:4] == ['vgextend', 'grub_before_move', 'pvmove', 'grub_after_move']


def interrupted_move_state(copy_present=True):
    """A power cut during pvmove: the pvmove LV and both PVs in the VG, the move's /boot copy on the ESP."""
    state = md_created_state()
    state['pvs'] = lvm.parse_pvs(fixture('lvm', 'pvs_two.json'))
    state['lvs'] = lvm.parse_lvs(fixture('lvm', 'lvs_pvmove.json'))
    state['stamp'] = {'grub_before_move': UUID}
    state['move_boot']['copy_present'] = copy_present
    return state


def test_interrupted_pvmove_is_resumed_without_arguments():
    phases = raid1_plan.plan(params(), interrupted_move_state())
    assert names(phases)[0] == 'pvmove'
    assert commands(phases)[:2] == ['pvmove -b', 'wait for pvmove (the role polls and shows progress)']


def test_interrupted_pvmove_is_not_refused_for_its_double_allocation():
    state = md_created_state()
    state['pvs'] = lvm.parse_pvs(fixture('lvm', 'pvs_two.json'))
    state['lvs'] = lvm.parse_lvs(fixture('lvm', 'lvs_pvmove.json'))
    # mid-move both PVs carry the moved extents (the pvmove mirror allocates on md0 up front)
    md0 = [pv for pv in state['pvs'] if pv['pv_name'] == '/dev/md0'][0]
    md0['pv_pe_alloc_count'] = 150
    assert refusals.used_extents(params(), state) > refusals.member_extents(params(), state)
    assert names(raid1_plan.plan(params(), state))[:2] == ['grub_before_move', 'pvmove']


def test_half_built_array_is_assembled_not_recreated():
    state = md_created_state()
    state['mdstat'] = {}
    state['md_detail'] = None
    state['pvs'] = lvm.parse_pvs(fixture('lvm', 'pvs_single.json'))
    phases = raid1_plan.plan(params(), state)
    assert names(phases)[0] == 'assemble_md'
    assert commands(phases)[0] == 'mdadm --assemble /dev/md0 --run /dev/vdc3'
    assert 'create_md' not in names(phases)


def _started_as_md127(state, holders):
    # the captured degraded md0 under udev's name for an array mdadm.conf does not list (crash matrix,
    # point "before mdadm_conf": create_md done, the power cut before the ARRAY line and the initramfs)
    state['mdstat'] = mdraid.parse_mdstat(fixture('mdraid', 'mdstat_degraded.txt').replace('md0 :', 'md127 :'))
    state['md_detail'] = None
    state['md_holders'] = {'md127': holders}
    state['pvs'] = lvm.parse_pvs(fixture('lvm', 'pvs_single.json'))
    state['mdadm_conf_arrays'] = []
    return state


def test_array_started_under_another_name_is_stopped_and_assembled_as_md0():
    phases = raid1_plan.plan(params(), _started_as_md127(md_created_state(), []))
    assert names(phases)[:2] == ['assemble_md', 'mdadm_conf']
    assert commands(phases[:1]) == ['mdadm --stop /dev/md127', 'mdadm --assemble /dev/md0 --run /dev/vdc3']
    assert 'create_md' not in names(phases)


def test_array_started_under_another_name_and_in_use_is_refused():
    assert refusal(params(), _started_as_md127(md_created_state(), ['dm-3'])) == (
        '/dev/vdc3 runs in /dev/md127, not /dev/md0: the array came up under another name (a power cut before '
        'mdadm.conf and the initramfs named it), and dm-3 use it; stop what uses it, run mdadm --stop /dev/md127 '
        'and rerun')


def test_copied_table_with_old_guids_gets_new_ones_only():
    state = fresh_state()
    state['disk2'] = disk('sfdisk_disk1.json', wipefs='wipefs_disk1.json')
    phases = raid1_plan.plan(params(), state)
    assert names(phases)[0] == 'copy_table'
    assert 'sgdisk --replicate=/dev/vdc /dev/vdb' not in commands(phases[:1])
    assert 'sgdisk --randomize-guids /dev/vdc' in commands(phases[:1])


def refusal(p, state):
    with pytest.raises(refusals.Refusal) as exc:
        raid1_plan.plan(p, state)
    return str(exc.value)


def test_refuses_same_disk():
    assert refusal(params(disk2=D1), fresh_state()) == \
        'disk1 and disk2 are the same device (/dev/vdb); give two different disks'


def test_refuses_disk2_with_signatures_unless_opted_in():
    state = fresh_state()
    state['disk2']['signatures'] = blockdev.parse_wipefs(fixture('gpt', 'wipefs_disk1.json'))
    assert refusal(params(), state) == (
        'disk2 /dev/vdc is not empty (signatures: PMBR, gpt); set allow_wipe_disk2=true '
        '(role: root_raid1_wipe_disk2) to overwrite it')
    phases = raid1_plan.plan(params(allow_wipe_disk2=True), state)
    assert commands(phases)[0] == 'sgdisk --zap-all /dev/vdc'


def test_refuses_foreign_pv_on_a_same_layout_disk2():
    state = fresh_state()
    state['disk2'] = disk('sfdisk_disk2_retyped.json', wipefs='wipefs_disk2_table.json')
    state['d2p3_blkid'] = gpt.parse_blkid_export(fixture('gpt', 'blkid_pv.txt'))
    assert refusal(params(), state).startswith('disk2 /dev/vdc is not empty (partition table with 4 partitions;')


def test_refuses_small_disk2():
    state = fresh_state()
    state['disk2']['size_bytes'] = 100 * 1024 * 1024
    need = (2230271 + 1 + 33) * 512
    assert refusal(params(), state) == (
        'disk2 /dev/vdc is too small: 104857600 bytes, needs at least %d bytes to hold partitions 1-3 of disk1'
        % need)


def test_refuses_undeclared_vg_and_pv():
    assert refusal(params(vg='data'), fresh_state()) == (
        'volume group data is not as declared: expected PVs /dev/vdb3 (or /dev/md0 once moved), '
        'found no such volume group')
    assert refusal(params(disk1='/dev/vdc', disk2='/dev/vdb'), swap_disks(fresh_state())) == (
        'volume group pve is not as declared: expected PVs /dev/vdc3 (or /dev/md0 once moved), found /dev/vdb3')


def swap_disks(state):
    state = copy.deepcopy(state)
    state['disk1'], state['disk2'] = state['disk2'], state['disk1']
    state['disk1'] = disk('sfdisk_disk1.json')
    state['disk2']['signatures'] = []
    return state


def test_refuses_md_device_with_other_members():
    state = fresh_state()
    state['mdstat'] = mdraid.parse_mdstat(fixture('mdraid', 'mdstat_spare.txt'))
    assert refusal(params(md_device='/dev/md1'), state) == (
        '/dev/md1 already exists with other members (/dev/vdb4, /dev/vdc4); '
        'expected only members of /dev/vdb3 and /dev/vdc3')


def test_refuses_when_used_extents_do_not_fit():
    state = fresh_state()
    # partition 3 four MiB shorter than the captured one: the 0.90 member then offers 254 extents
    state['disk1']['parts'][3]['end'] -= 8192
    state['pvs'][0]['pv_pe_alloc_count'] = 255
    assert refusal(params(), state) == (
        'used extents would not fit: volume group pve uses 255 extents, the md member offers only 254')
    assert refusals.member_extents(params(), fresh_state()) == 255


def test_refuses_foreign_global_filter():
    state = fresh_state()
    state['lvm_conf_foreign_filter'] = True
    assert refusal(params(), state) == refusals.ERR_LVM_FILTER


def test_esp_copy_gets_a_new_volume_id_written_last():
    cmds = commands(raid1_plan.plan(params(), fresh_state()))
    copy = [c for c in cmds if '/dev/vdb2' in c and '/dev/vdc2' in c]
    assert copy == ['dd if=/dev/vdb2 of=/dev/vdc2 bs=1M skip=1 seek=1 conv=fsync status=none',
                    'dd if=/dev/vdb2 of=/dev/vdc2 bs=1M count=1 conv=fsync status=none',
                    'fatlabel -i /dev/vdc2 <new random volume ID (UUID), not that of /dev/vdb2>']


def test_esp_copy_sharing_the_volume_id_is_redone():
    """A node whose ESP was byte-copied (both report UUID 6AE7-FFCD) gets the copy redone."""
    state = md_created_state()
    assert 'copy_boot_partitions' not in names(raid1_plan.plan(params(), state))
    state['d2p2_blkid'] = gpt.parse_blkid_export(fixture('gpt', 'blkid_esp.txt'))
    assert names(raid1_plan.plan(params(), state))[0] == 'copy_boot_partitions'


def test_fstab_without_nofail_gets_it_right_after_the_copy():
    state = fresh_state()
    state['fstab_esp_needs_nofail'] = True
    phases = names(raid1_plan.plan(params(), state))
    assert phases[:3] == ['copy_table', 'copy_boot_partitions', 'esp_fstab_nofail']


def test_refuses_disk1_with_a_dos_table():
    state = fresh_state()
    state['disk1'] = disk('sfdisk_dos.json')
    assert refusal(params(), state) == (
        'disk1 /dev/vdb has a dos partition table, not a GPT; the conversion copies the Proxmox installer GPT '
        '(p1 BIOS boot, p2 EFI System, p3 Linux LVM)')


def test_disk2_with_a_dos_table_is_not_empty_and_is_zapped_only_when_opted_in():
    state = fresh_state()
    state['disk2'] = disk('sfdisk_dos.json', wipefs='wipefs_dos.json')
    assert refusal(params(), state) == (
        'disk2 /dev/vdc is not empty (partition table with 2 partitions; signatures: dos); '
        'set allow_wipe_disk2=true (role: root_raid1_wipe_disk2) to overwrite it')
    phases = raid1_plan.plan(params(allow_wipe_disk2=True), state)
    assert commands(phases)[:2] == ['sgdisk --zap-all /dev/vdc', 'sgdisk --replicate=/dev/vdc /dev/vdb']


PHASE_ORDER = [phase.__name__ for phase in raid1_plan.PHASES]


def test_stop_before_keeps_only_the_phases_in_front_of_it():
    from ansible_collections.isplab.infra.plugins.module_utils.root_raid1.executor import phases_before
    phases = raid1_plan.plan(params(), fresh_state())
    kept = names(phases_before(phases, 'pvmove', PHASE_ORDER))
    assert kept == names(phases)[:names(phases).index('pvmove')]
    assert kept[-1] == 'grub_before_move'


def test_stop_before_a_phase_done_already_still_runs_nothing_after_it():
    from ansible_collections.isplab.infra.plugins.module_utils.root_raid1.executor import phases_before
    phases = raid1_plan.plan(params(), md_created_state())
    assert 'copy_table' not in names(phases)
    assert phases_before(phases, 'copy_table', PHASE_ORDER) == []
    assert phases_before(phases, None, PHASE_ORDER) == phases
