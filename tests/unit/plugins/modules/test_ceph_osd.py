"""ceph_osd module: plan-then-apply on output captured from a real Ceph 16.2 node."""

import json
import os

import pytest
from ansible.module_utils import basic

from ansible_collections.isplab.infra.plugins.modules import ceph_osd

FIXTURES = os.path.join(os.path.dirname(__file__), '..', '..', 'fixtures', 'ceph', 'one_osd')
MIB = 1024 * 1024


def fixture(name):
    with open(os.path.join(FIXTURES, name)) as handle:
        return handle.read()


class FakeNode:
    """Answers the module's commands with captured output; records what would change the node."""

    def __init__(self, config_dump='[]'):
        self.calls = []
        self.config_dump = config_dump

    def run_command(self, argv, environ_update=None, data=None, binary_data=False, **kwargs):
        assert environ_update['LC_ALL'] == 'C'
        tool = os.path.basename(argv[0])
        args = argv[1:]
        self.calls.append(' '.join([tool] + args))
        if tool == 'ceph-volume' and args[:2] == ['lvm', 'list']:
            return 0, fixture('lvm_list.json'), ''
        if tool == 'lsblk':
            return 0, fixture('lsblk.json'), ''
        if tool == 'wipefs':
            return 0, fixture('wipefs_%s.json' % os.path.basename(args[-1])), ''
        if tool == 'ceph' and args[:2] == ['config', 'dump']:
            return 0, self.config_dump, ''
        if tool == 'ceph' and args[:2] == ['osd', 'tree']:
            return 0, fixture('osd_tree.json'), ''
        if tool == 'ceph-volume' and args[:2] == ['lvm', 'create']:
            data_device = args[args.index('--data') + 1]
            return 0, '', fixture('create_tail.txt').replace('osd ID: 0', 'osd ID: 1').replace('/dev/vdb4', data_device)
        if tool == 'ceph-volume' and args[:2] == ['lvm', 'zap']:
            return 0, '', ''
        if tool == 'ceph' and args[:2] == ['config', 'set']:
            return 0, '', ''
        raise AssertionError('unexpected command %s' % argv)


@pytest.fixture
def node(monkeypatch, run_module):
    fake = FakeNode()
    fake.run = lambda args: run_module(ceph_osd.main, args)
    by_id = {'/dev/disk/by-id/virtio-disk1-part4': '/dev/vdb4', '/dev/disk/by-id/virtio-disk2-part4': '/dev/vdc4',
             '/dev/disk/by-id/virtio-disk2-part5': '/dev/vdc5'}
    monkeypatch.setattr(os.path, 'exists', lambda p: p in by_id)
    monkeypatch.setattr(os.path, 'realpath', lambda p: by_id[p])
    monkeypatch.setattr(ceph_osd, '_host_ram', lambda: 2465 * MIB)
    monkeypatch.setattr(basic.AnsibleModule, 'run_command', lambda self, *a, **k: fake.run_command(*a, **k))
    monkeypatch.setattr(basic.AnsibleModule, 'get_bin_path', lambda self, name, **k: '/usr/sbin/' + name)

    return fake


BOTH = ['/dev/disk/by-id/virtio-disk1-part4', '/dev/disk/by-id/virtio-disk2-part4']


def test_check_mode_plans_without_changing(node):
    out = node.run({'partitions': BOTH, 'crush_device_class': 'hdd', 'memory_ram_fraction': 0.8,
                    '_ansible_check_mode': True, '_ansible_diff': True})
    assert not out.failed
    result = out.result
    assert result['changed'] is True
    assert result['created'] == []
    assert result['diff'] == {
        'before': {'osds': {BOTH[0]: 0, BOTH[1]: None}, 'osd_memory_target': None},
        'after': {'osds': {BOTH[0]: 0, BOTH[1]: 'new'}, 'osd_memory_target': 986 * MIB}}
    # planned, listed, not run
    assert result['commands'][-2:] == [
        '/usr/sbin/ceph-volume lvm create --bluestore --data /dev/vdc4 --crush-device-class hdd',
        '/usr/sbin/ceph config set osd/host:%s osd_memory_target %d' % (
            ceph_osd.socket.gethostname().split('.')[0], 986 * MIB)]
    assert not [c for c in node.calls if 'lvm create' in c or 'config set' in c]


def test_apply_creates_the_missing_osd_and_sets_the_target(node):
    out = node.run({'partitions': BOTH, 'memory_ram_fraction': 0.8, 'host': 'cephnode1'})
    assert not out.failed
    assert out.result['created'] == [1]
    assert [(o['device'], o['action'], o['osd_id']) for o in out.result['osds']] == [
        ('/dev/vdb4', 'keep', 0), ('/dev/vdc4', 'create', 1)]
    assert node.calls[-2:] == ['ceph-volume lvm create --bluestore --data /dev/vdc4',
                               'ceph config set osd/host:cephnode1 osd_memory_target %d' % (986 * MIB)]


def test_nothing_to_do_when_osds_and_target_are_in_place(node):
    node.config_dump = json.dumps([{'section': 'osd', 'mask': 'host:cephnode1', 'name': 'osd_memory_target',
                                    'value': str(1024 * MIB), 'level': 'basic'}])
    out = node.run({'partitions': BOTH[:1], 'osd_memory_target': 1024 * MIB, 'host': 'cephnode1'})
    assert out.result['changed'] is False
    assert not [c for c in node.calls if 'lvm create' in c or 'config set' in c]


def test_foreign_partition_fails_before_any_change(node):
    out = node.run({'partitions': BOTH + ['/dev/disk/by-id/virtio-disk2-part5']})
    assert out.failed
    assert out.result['msg'] == ('/dev/disk/by-id/virtio-disk2-part5 (/dev/vdc5) holds ext4 and no OSD: refusing to '
                                 'overwrite it; set allow_foreign_signatures to wipe it')
    assert not [c for c in node.calls if 'lvm create' in c or 'lvm zap' in c or 'config set' in c]


def test_foreign_partition_is_zapped_when_allowed(node):
    out = node.run({'partitions': ['/dev/disk/by-id/virtio-disk2-part5'], 'allow_foreign_signatures': True,
                    'manage_memory_target': False, 'dmcrypt': True})
    assert not out.failed
    assert node.calls[-2:] == ['ceph-volume lvm zap /dev/vdc5',
                               'ceph-volume lvm create --bluestore --data /dev/vdc5 --dmcrypt']


def test_memory_target_below_the_floor_is_refused(node):
    out = node.run({'partitions': BOTH, 'osd_memory_target': 512 * MIB})
    assert out.failed
    assert out.result['msg'] == 'osd_memory_target 536870912 is below the 896 MiB (939524096 bytes) Ceph accepts'
    assert node.calls == []


def test_summary_names_every_partition_and_the_new_osd(node):
    out = node.run({'partitions': BOTH, 'manage_memory_target': False})
    assert out.result['msg'] == ('/dev/disk/by-id/virtio-disk1-part4 -> osd.0; /dev/disk/by-id/virtio-disk2-part4 '
                                 '-> osd.1; created this run: osd.1')


def test_ram_fraction_outside_the_rule_is_refused(node):
    out = node.run({'partitions': BOTH, 'memory_ram_fraction': 1.5})
    assert out.failed
    assert out.result['msg'] == ('memory_ram_fraction must be in (0, 1], got 1.5: it is the share of the host RAM '
                                 'all OSDs may use together')
    assert node.calls == []
