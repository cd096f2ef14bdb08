"""The installer's real layout (swap, thin pool), p3 filling the disk, unequal disks, sector sizes and NVMe names.

States come from the captured fixtures of test_raid1_plan; the thin-pool LVM reports are constructed in the
captured format (tests/unit/fixtures/lvm/README.md)."""

import copy

from ansible_collections.isplab.infra.plugins.module_utils.root_raid1 import gpt, lvm, refusals, state as raid1_state
from ansible_collections.isplab.infra.plugins.module_utils.root_raid1 import planner as raid1_plan

from test_raid1_plan import commands, disk, fixture, fresh_state, md_created_state, names, params, refusal

GIB = 1024 ** 3


def thin_state():
    state = fresh_state()
    state['pvs'] = lvm.parse_pvs(fixture('lvm', 'pvs_thin_single.json'))
    state['vgs'] = lvm.parse_vgs(fixture('lvm', 'vgs_thin.json'))
    state['lvs'] = lvm.parse_lvs(fixture('lvm', 'lvs_thin.json'))
    return state


def test_thin_pool_and_swap_move_with_the_vg():
    state = thin_state()
    # the pool's hidden LVs and the thin volume are no pvmove LVs; every allocated extent counts
    assert lvm.pvmove_lvs(state['lvs']) == []
    assert refusals.used_extents(params(), state) == 226
    assert refusals.member_extents(params(), state) == 255
    cmds = commands(raid1_plan.plan(params(), state))
    # one move of the whole PV takes swap, root, tdata, tmeta and the spare metadata area along
    assert 'pvmove -b /dev/vdb3 /dev/md0' in cmds
    assert not any(c.startswith(('lvchange', 'swapoff', 'vgchange')) for c in cmds)


def test_interrupted_thin_pool_move_resumes_without_refusal():
    state = md_created_state()
    state['pvs'] = lvm.parse_pvs(fixture('lvm', 'pvs_thin_two.json'))
    state['vgs'] = lvm.parse_vgs(fixture('lvm', 'vgs_thin.json'))
    state['lvs'] = lvm.parse_lvs(fixture('lvm', 'lvs_thin_pvmove.json'))
    # 452 allocated extents (source and destination) on a 255-extent member: the double count is not refused
    assert refusals.used_extents(params(), state) == 452
    phases = raid1_plan.plan(params(), state)
    pvmove = [p for p in phases if p['phase'] == 'pvmove'][0]
    assert commands([pvmove]) == ['pvmove -b', 'wait for pvmove (the role polls and shows progress)']


def test_thin_pool_move_progress_counts_everything_pvmove0_moves():
    lvs = lvm.parse_lvs(fixture('lvm', 'lvs_thin_pvmove.json'))
    progress = raid1_state.progress_from(lvs, {}, '/dev/md0', now=1000.0)
    assert progress['running'] == 'pvmove'
    assert progress['pvmove'] == {'lv_name': '[pvmove0]', 'move_pv': '/dev/vdb3', 'percent': 37.5,
                                  'size_bytes': 226 * 4 * 1024 ** 2}
    assert progress['sample']['done_bytes'] == int(226 * 4 * 1024 ** 2 * 0.375)


def p3_fills_disk1(state):
    """What the installer leaves without hdsize: p3 (aligned start, size 0) ends at the last usable sector."""
    state = copy.deepcopy(state)
    state['disk1']['parts'][3]['end'] = state['disk1']['table']['last_usable']
    state['disk1']['table']['partitions'][2]['end'] = state['disk1']['table']['last_usable']
    return state


def test_p3_filling_disk1_is_refused_with_osd_partition_before_any_change():
    state = p3_fills_disk1(fresh_state())
    state['disk2']['size_bytes'] = state['disk1']['size_bytes']
    assert refusal(params(), state) == (
        'no room for partition 4 (Ceph OSD) on /dev/vdb: 0 bytes behind partition 3 up to the last usable sector, '
        'at least 536870912 needed; reinstall with a smaller hdsize (Proxmox installer option) to leave space '
        'behind p3, or set osd_partition=false (role: root_raid1_osd_partition) to convert without p4')


def test_p3_filling_disk1_converts_without_p4_when_osd_partition_is_false():
    state = p3_fills_disk1(fresh_state())
    cmds = commands(raid1_plan.plan(params(osd_partition=False), state))
    assert 'sgdisk --typecode=3:%s /dev/vdc' % gpt.LINUX_RAID in cmds
    assert 'sgdisk --typecode=3:%s /dev/vdb' % gpt.LINUX_RAID in cmds
    assert not any('--new=4' in c or 'typecode=4' in c for c in cmds)


def test_room_for_p4_is_checked_after_the_older_refusals():
    state = p3_fills_disk1(fresh_state())
    state['disk2']['size_bytes'] = 100 * 1024 * 1024
    assert refusal(params(), state).startswith('disk2 /dev/vdc is too small: 104857600 bytes')


def test_smaller_disk2_without_room_for_p4_is_refused_by_name():
    state = fresh_state()
    # holds p1-p3 (1089 MiB) and the backup table (33 sectors and the header), but only 100 MiB behind p3
    state['disk2']['size_bytes'] = (2230271 + 34) * 512 + 100 * 1024 ** 2
    message = refusal(params(), state)
    assert message.startswith('no room for partition 4 (Ceph OSD) on /dev/vdc: %d bytes' % (100 * 1024 ** 2))
    assert raid1_plan.plan(params(osd_partition=False), state)
    # disk 1's own p4 (a converted survivor) is not what disk 2 gets
    state['disk1'] = disk('sfdisk_disk1_retyped.json')
    assert refusal(params(), state).startswith('no room for partition 4 (Ceph OSD) on /dev/vdc: ')


def test_disk2_of_other_size_gets_its_backup_header_moved_to_its_end():
    state = fresh_state()
    state['disk1']['size_bytes'] = 2 * GIB
    state['disk2']['size_bytes'] = 3 * GIB
    cmds = commands(raid1_plan.plan(params(), state))
    replicate = cmds.index('sgdisk --replicate=/dev/vdc /dev/vdb')
    assert cmds[replicate + 1] == 'sgdisk --move-second-header /dev/vdc'
    # the retype then creates p4 from the first free sector to the (moved) last usable sector
    assert any(c.endswith('--change-name=4:Ceph OSD /dev/vdc') and '--new=4:0:0' in c for c in cmds)


def test_disk2_of_equal_size_plans_no_header_move():
    state = fresh_state()
    state['disk1']['size_bytes'] = state['disk2']['size_bytes']
    assert 'sgdisk --move-second-header /dev/vdc' not in commands(raid1_plan.plan(params(), state))


def test_different_logical_sector_sizes_are_refused():
    state = fresh_state()
    state['disk2']['logical_sector_size'] = 4096
    assert refusal(params(), state) == (
        'disk1 /dev/vdb has 512-byte logical sectors, disk2 /dev/vdc has 4096-byte sectors; the copied partition '
        'table counts in sectors and would put every partition elsewhere on disk2: use a disk2 with 512-byte '
        'logical sectors')
    state['disk2']['logical_sector_size'] = 512
    assert raid1_plan.plan(params(), state)


def test_nvme_partition_names():
    state = fresh_state()
    for pv in state['pvs']:
        pv['pv_name'] = pv['pv_name'].replace('/dev/vdb', '/dev/nvme0n1p')
    state['esp_mount'] = '/dev/nvme0n1p2'
    p = params(disk1='/dev/nvme0n1', disk2='/dev/nvme1n1', firmware='uefi')
    state['firmware'] = 'uefi'
    phases = raid1_plan.plan(p, state)
    cmds = commands(phases)
    assert names(phases)[0] == 'copy_table'
    assert 'mdadm --create /dev/md0 --run --metadata=0.90 -l1 -n2 /dev/nvme1n1p3 missing' in cmds
    assert 'pvmove -b /dev/nvme0n1p3 /dev/md0' in cmds
    assert 'mdadm /dev/md0 --add /dev/nvme0n1p3' in cmds
    assert 'mount /dev/nvme1n1p2 /run/isplab-root-raid1/esp2' in cmds
    assert 'dd if=/dev/nvme0n1p1 of=/dev/nvme1n1p1 bs=64K conv=fsync status=none' in cmds
    assert 'wipefs --all /dev/nvme1n1p3' in cmds
    # no partition name was built by appending the number to the disk name
    assert not any('nvme0n13' in c or 'nvme1n13' in c or 'nvme1n12' in c for c in cmds)


def test_smaller_disk2_gets_p1_to_p3_at_disk1s_sectors_not_a_replicated_table():
    # sgdisk --replicate aborts when disk 1's backup header lies beyond disk 2's end (lab, UEFI replacement)
    state = fresh_state()
    state['disk2']['size_bytes'] = 2 * GIB - 64 * 1024 ** 2
    cmds = commands(raid1_plan.plan(params(), state))
    assert not any('--replicate' in c or '--move-second-header' in c for c in cmds)
    assert cmds[0] == ('sgdisk --set-alignment=1 --new=1:34:2047 --typecode=1:21686148-6449-6E6F-744E-656564454649 '
                       '--new=2:2048:133119 --typecode=2:C12A7328-F81F-11D2-BA4B-00A0C93EC93B '
                       '--new=3:133120:2230271 --typecode=3:E6D6D379-F507-44C2-A23C-238F2A3DF928 /dev/vdc')
    assert cmds[1:3] == ['partprobe /dev/vdc', 'udevadm settle']
    assert 'sgdisk --randomize-guids /dev/vdc' in cmds
