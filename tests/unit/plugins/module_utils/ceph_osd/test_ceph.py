"""module_utils/ceph.py on output captured from a real Ceph 16.2 node (tests/unit/fixtures/ceph/README.md)."""

import os

import pytest

from ansible_collections.isplab.infra.plugins.module_utils.ceph_osd import ceph

FIXTURES = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'fixtures', 'ceph')
MIB = 1024 * 1024
GIB = 1024 * MIB


def fixture(*parts):
    with open(os.path.join(FIXTURES, *parts)) as handle:
        return handle.read()


D1P4 = '/dev/disk/by-id/virtio-disk1-part4'
D2P4 = '/dev/disk/by-id/virtio-disk2-part4'
D2P5 = '/dev/disk/by-id/virtio-disk2-part5'
D2P3 = '/dev/disk/by-id/virtio-disk2-part3'
RESOLVED = {D1P4: '/dev/vdb4', D2P4: '/dev/vdc4', D2P5: '/dev/vdc5', D2P3: '/dev/vdc3'}


@pytest.fixture
def one_osd():
    return {
        'osds': ceph.parse_lvm_list(fixture('one_osd', 'lvm_list.json')),
        'lsblk': ceph.block_devices(fixture('one_osd', 'lsblk.json')),
        'signatures': {'/dev/vdc4': ceph.signature_types(fixture('one_osd', 'wipefs_vdc4.json')),
                       '/dev/vdc5': ceph.signature_types(fixture('one_osd', 'wipefs_vdc5.json'))},
    }


def test_lvm_list_maps_the_osd_to_its_partition(one_osd):
    assert list(one_osd['osds']) == [0]
    osd = one_osd['osds'][0]
    assert osd['devices'] == ['/dev/vdb4']
    assert osd['encrypted'] is False
    assert osd['device_class'] is None
    assert ceph.osd_by_device(one_osd['osds']) == {'/dev/vdb4': 0}


def test_lvm_list_of_a_node_without_osds_is_empty():
    assert ceph.parse_lvm_list('{}\n') == {}


def test_lsblk_types_and_partition_guids(one_osd):
    devices = one_osd['lsblk']
    assert devices['/dev/vdc4'] == {'type': 'part', 'parttype': ceph.CEPH_OSD_PARTITION_TYPE,
                                    'parent': '/dev/vdc', 'size': 3 * GIB}
    assert devices['/dev/vdc3']['parttype'] == 'a19d880f-05fc-4d3b-a006-743f0f84911e'
    assert devices['/dev/vdc']['type'] == 'disk'


def test_wipefs_sees_ext4_only_on_the_foreign_partition(one_osd):
    assert one_osd['signatures'] == {'/dev/vdc4': [], '/dev/vdc5': ['ext4']}


def test_plan_keeps_the_existing_osd_and_creates_the_other(one_osd):
    plan = ceph.plan_partitions([D1P4, D2P4], False, RESOLVED, one_osd['lsblk'], one_osd['osds'],
                                one_osd['signatures'])
    assert [(p['path'], p['action'], p['osd_id']) for p in plan] == [
        (D1P4, 'keep', 0), (D2P4, 'create', None)]


def test_plan_refuses_a_partition_with_a_filesystem(one_osd):
    with pytest.raises(ceph.CephError) as err:
        ceph.plan_partitions([D2P5], False, RESOLVED, one_osd['lsblk'], one_osd['osds'], one_osd['signatures'])
    assert str(err.value) == ('/dev/disk/by-id/virtio-disk2-part5 (/dev/vdc5) holds ext4 and no OSD: refusing '
                              'to overwrite it; set allow_foreign_signatures to wipe it')


def test_plan_zaps_a_foreign_partition_only_when_allowed(one_osd):
    plan = ceph.plan_partitions([D2P5], False, RESOLVED, one_osd['lsblk'], one_osd['osds'],
                                one_osd['signatures'], allow_foreign=True)
    assert [(p['action'], p['signatures']) for p in plan] == [('zap_create', ['ext4'])]


def test_plan_refuses_the_raid_partition_by_its_type(one_osd):
    with pytest.raises(ceph.CephError) as err:
        ceph.plan_partitions([D2P3], False, RESOLVED, one_osd['lsblk'], one_osd['osds'], {})
    assert str(err.value) == ('/dev/disk/by-id/virtio-disk2-part3 (/dev/vdc3) has partition type '
                              'a19d880f-05fc-4d3b-a006-743f0f84911e, not Ceph OSD '
                              '4fbd7e29-9d25-41b8-afd0-062c0ceff05d: retype it with sgdisk '
                              '-t N:4FBD7E29-9D25-41B8-AFD0-062C0CEFF05D')


def test_plan_lists_every_problem_before_anything_changes(one_osd):
    missing = '/dev/disk/by-id/virtio-disk9-part4'
    whole_disk = '/dev/disk/by-id/virtio-disk2'
    resolved = dict(RESOLVED, **{missing: None, whole_disk: '/dev/vdc', '/dev/vdc4': '/dev/vdc4'})
    with pytest.raises(ceph.CephError) as err:
        ceph.plan_partitions([missing, whole_disk, D2P4, '/dev/vdc4'], False, resolved, one_osd['lsblk'],
                             one_osd['osds'], one_osd['signatures'])
    assert str(err.value) == (
        '/dev/disk/by-id/virtio-disk9-part4 does not exist; '
        '/dev/disk/by-id/virtio-disk2 (/dev/vdc) is a disk, not a partition; '
        '/dev/disk/by-id/virtio-disk2-part4 and /dev/vdc4 are the same partition (/dev/vdc4)')


def test_discovery_finds_every_ceph_osd_partition(one_osd):
    plan = ceph.plan_partitions([], True, {}, one_osd['lsblk'], one_osd['osds'],
                                {'/dev/vdc4': [], '/dev/vdc5': ['ext4']}, allow_foreign=True)
    assert [(p['device'], p['action']) for p in plan] == [
        ('/dev/vdb4', 'keep'), ('/dev/vdc4', 'create'), ('/dev/vdc5', 'zap_create')]


def test_config_dump_without_the_setting_reads_none():
    assert ceph.parse_config_dump(fixture('one_osd', 'config_dump.json'), 'osd/host:cephnode1',
                                  'osd_memory_target') is None


def test_meminfo_of_the_lab_vm():
    assert ceph.parse_meminfo(fixture('one_osd', 'meminfo')) // MIB == 2465


@pytest.mark.parametrize('ram, osds, fraction, expected', [
    # 64 GiB node, 2 OSDs: half the RAM would be 16 GiB each; capped at Ceph's 4 GiB default.
    (64 * GIB, 2, 0.5, 4 * GIB),
    # 8 GiB node, 2 OSDs: 2 GiB each.
    (8 * GIB, 2, 0.5, 2 * GIB),
    # the lab VM (2465 MiB), 2 OSDs, 0.8: 986 MiB each (1972 MiB budget), above the floor.
    (2465 * MIB, 2, 0.8, 986 * MIB),
    # 6 GiB node, 3 OSDs at 0.5: 1 GiB each.
    (6 * GIB, 3, 0.5, 1 * GIB),
])
def test_memory_rule(ram, osds, fraction, expected):
    assert ceph.memory_target(ram, osds, fraction) == (expected, None)


def test_memory_rule_rounds_down_to_a_mib():
    target, warning = ceph.memory_target(3 * GIB + 12345, 1, 0.5)
    assert target == 1536 * MIB and warning is None


def test_memory_rule_floor_warns():
    target, warning = ceph.memory_target(2465 * MIB, 2, 0.5)
    assert target == 896 * MIB
    assert warning == ('2 OSD(s) at the 896 MiB floor need 1792 MiB, more than 50% of the host RAM '
                       '(2465 MiB): add RAM or run fewer OSDs on this node')


@pytest.mark.parametrize('osds, fraction, message', [
    (0, 0.5, 'memory target needs at least one OSD on the host'),
    (1, 0, 'ram_fraction must be in (0, 1], got 0'),
    (1, 1.5, 'ram_fraction must be in (0, 1], got 1.5'),
])
def test_memory_rule_rejects(osds, fraction, message):
    with pytest.raises(ceph.CephError) as err:
        ceph.memory_target(8 * GIB, osds, fraction)
    assert str(err.value) == message


def test_create_command():
    assert ceph.create_command('/dev/vdc4') == ['ceph-volume', 'lvm', 'create', '--bluestore', '--data', '/dev/vdc4']
    assert ceph.create_command('/dev/vdc4', 'ssd', True) == [
        'ceph-volume', 'lvm', 'create', '--bluestore', '--data', '/dev/vdc4', '--crush-device-class', 'ssd',
        '--dmcrypt']


def test_garbage_is_reported():
    with pytest.raises(ceph.CephError) as err:
        ceph.parse_lvm_list('No valid Ceph lvm devices found')
    assert str(err.value).startswith('ceph-volume lvm list did not print JSON: ')
