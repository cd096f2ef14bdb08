"""Host-side OSD checks on output captured from a real Ceph 16.2 node (tests/unit/fixtures/ceph/README.md)."""

import os

from ansible_collections.isplab.infra.plugins.module_utils.ceph_osd import ceph
from ansible_collections.isplab.infra.plugins.module_utils.ceph_osd.osd_checks import check_osds

FIXTURES = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'fixtures', 'ceph')
D1P4 = '/dev/disk/by-id/virtio-disk1-part4'
D2P4 = '/dev/disk/by-id/virtio-disk2-part4'
D2P5 = '/dev/disk/by-id/virtio-disk2-part5'
RESOLVED = {D1P4: '/dev/vdb4', D2P4: '/dev/vdc4', D2P5: '/dev/vdc5'}


def snapshot(name):
    def read(file_name):
        with open(os.path.join(FIXTURES, name, file_name)) as handle:
            return handle.read()
    return ceph.parse_lvm_list(read('lvm_list.json')), ceph.parse_osd_dump(read('osd_dump.json'))


def test_both_partitions_hold_osds_that_are_up_and_in():
    existing, states = snapshot('two_osds')
    checks, osds = check_osds([D1P4, D2P4], RESOLVED, existing, states)
    assert checks.failed == []
    assert [c['check'] for c in checks.results] == ['osds_on_partitions', 'osds_up_in']
    assert osds == [{'osd_id': 0, 'path': D1P4, 'up': True, 'in': True},
                    {'osd_id': 1, 'path': D2P4, 'up': True, 'in': True}]


def test_a_stopped_osd_is_named():
    existing, states = snapshot('osd1_down')
    checks, _osds = check_osds([D1P4, D2P4], RESOLVED, existing, states)
    assert checks.failed == [{'check': 'osds_up_in', 'ok': False, 'problem': 'osd.1 is down and in'}]


def test_a_partition_without_osd_and_a_missing_path_are_named():
    existing, states = snapshot('two_osds')
    checks, _osds = check_osds([D2P5, '/dev/disk/by-id/virtio-disk9-part4'], dict(RESOLVED, **{
        '/dev/disk/by-id/virtio-disk9-part4': None}), existing, states)
    assert checks.failed == [{'check': 'osds_on_partitions', 'ok': False, 'problem': (
        '/dev/disk/by-id/virtio-disk2-part5 (/dev/vdc5) holds no OSD; '
        '/dev/disk/by-id/virtio-disk9-part4 does not exist')}]


def test_waiting_by_id_without_partitions():
    _existing, states = snapshot('osd1_down')
    checks, osds = check_osds([], {}, {}, states, [1, 7])
    assert [c['check'] for c in checks.results] == ['osds_up_in']
    assert checks.failed[0]['problem'] == 'osd.1 is down and in; osd.7 is not in the OSD map'
    assert osds == [{'osd_id': 1, 'path': None, 'up': False, 'in': True},
                    {'osd_id': 7, 'path': None, 'up': False, 'in': False}]
