"""ceph_osd on a replacement disk: the old OSD id is refused, or destroyed and reused with replace_destroyed.

The node is the lab capture (fixtures/ceph/README.md) after osd.1's disk (vdc) was replaced by a blank one:
``ceph-volume lvm list`` and ``lsblk`` of ``one_osd/`` (osd.0 on vdb4, vdc4 a blank "Ceph OSD" partition) with
``ceph osd tree`` of ``osd1_down/`` (osd.1 down in host cephnode1). The two captures are of the same node.
"""

import json
import os

import pytest
from ansible.module_utils import basic

from ansible_collections.isplab.infra.plugins.module_utils.ceph_osd import ceph, lost
from ansible_collections.isplab.infra.plugins.modules import ceph_osd

from test_ceph_osd import BOTH, FakeNode

HERE = os.path.join(os.path.dirname(__file__), '..', '..', 'fixtures', 'ceph')


def capture(state, name):
    with open(os.path.join(HERE, state, name)) as handle:
        return handle.read()


TREE = capture('osd1_down', 'osd_tree.json')


def destroyed_tree():
    """The tree after ``ceph osd destroy 1`` (a crashed run): osd.1's status as Ceph prints a destroyed id."""
    data = json.loads(TREE)
    for node in data['nodes']:
        if node['id'] == 1:
            node['status'] = 'destroyed'
    return json.dumps(data)


def test_a_stopped_osd_keeps_its_volumes_and_is_not_lost():
    assert lost.lost_osds(TREE, 'cephnode1', ceph.parse_lvm_list(capture('osd1_down', 'lvm_list.json'))) == []


def test_a_down_osd_without_local_volumes_is_lost():
    existing = ceph.parse_lvm_list(capture('one_osd', 'lvm_list.json'))
    assert lost.lost_osds(TREE, 'cephnode1', existing) == [(1, 'down')]
    assert lost.lost_osds(TREE, 'othernode', existing) == []
    assert lost.lost_osds(destroyed_tree(), 'cephnode1', existing) == [(1, 'destroyed')]


class ReplacedDisk(FakeNode):
    def __init__(self, tree=TREE):
        super(ReplacedDisk, self).__init__()
        self.tree = tree

    def run_command(self, argv, environ_update=None, data=None, binary_data=False, **kwargs):
        args = argv[1:]
        if args[:2] == ['osd', 'tree']:
            self.calls.append(' '.join([os.path.basename(argv[0])] + args))
            return 0, self.tree, ''
        if args[:2] in (['osd', 'destroy'], ['osd', 'in']):
            self.calls.append(' '.join([os.path.basename(argv[0])] + args))
            return 0, '', ''
        return super(ReplacedDisk, self).run_command(argv, environ_update, data, binary_data, **kwargs)


@pytest.fixture
def replaced(monkeypatch, run_module):
    """test_ceph_osd's node (by-id links, RAM, commands answered from captures) with this tree."""
    fake = ReplacedDisk()
    fake.run = lambda args: run_module(ceph_osd.main, args)
    by_id = {BOTH[0]: '/dev/vdb4', BOTH[1]: '/dev/vdc4'}
    monkeypatch.setattr(os.path, 'exists', lambda p: p in by_id)
    monkeypatch.setattr(os.path, 'realpath', lambda p: by_id[p])
    monkeypatch.setattr(basic.AnsibleModule, 'run_command', lambda self, *a, **k: fake.run_command(*a, **k))
    monkeypatch.setattr(basic.AnsibleModule, 'get_bin_path', lambda self, name, **k: '/usr/sbin/' + name)
    return fake


ARGS = {'partitions': BOTH, 'host': 'cephnode1', 'manage_memory_target': False}
CHANGES = ('lvm create', 'lvm zap', 'osd destroy', 'osd in', 'config set')


def test_lost_osd_next_to_a_new_partition_is_refused_without_the_opt_in(replaced):
    out = replaced.run(dict(ARGS))
    assert out.failed
    assert out.result['msg'] == (
        'osd.1 of host cephnode1 is down and no partition of this node holds it (its disk is gone); '
        'set replace_destroyed=true (role: ceph_osd_replace_destroyed) to destroy it '
        '(ceph osd destroy 1 --yes-i-really-mean-it) and recreate it on /dev/vdc4 with the same id, '
        'or purge it first (ceph osd purge 1 --yes-i-really-mean-it) so that /dev/vdc4 gets a new id')
    assert not [c for c in replaced.calls if any(word in c for word in CHANGES)]


def test_opt_in_destroys_the_old_id_and_recreates_it_on_the_new_partition(replaced):
    out = replaced.run(dict(ARGS, replace_destroyed=True))
    assert not out.failed
    assert [c for c in replaced.calls if any(word in c for word in CHANGES)] == [
        'ceph osd destroy 1 --yes-i-really-mean-it',
        'ceph-volume lvm create --bluestore --data /dev/vdc4 --osd-id 1',
        'ceph osd in 1']
    assert out.result['created'] == [1]
    assert [(o['device'], o['action'], o['osd_id']) for o in out.result['osds']] == [
        ('/dev/vdb4', 'keep', 0), ('/dev/vdc4', 'replace', 1)]


def test_a_replacement_reports_changed_and_the_partition_had_no_osd(replaced):
    # Found on the VM (molecule ceph_osd, replace_osd.yml): the reused id made before and after equal,
    # so the run that destroyed and recreated osd.1 reported changed=false.
    out = replaced.run(dict(ARGS, replace_destroyed=True, _ansible_diff=True))
    assert out.result['changed'] is True
    assert out.result['diff']['before']['osds'] == {BOTH[0]: 0, BOTH[1]: None}
    assert out.result['diff']['after']['osds'] == {BOTH[0]: 0, BOTH[1]: 1}


def test_rerun_after_the_destroy_only_recreates(replaced):
    replaced.tree = destroyed_tree()
    replaced.run(dict(ARGS, replace_destroyed=True))
    assert [c for c in replaced.calls if any(word in c for word in CHANGES)] == [
        'ceph-volume lvm create --bluestore --data /dev/vdc4 --osd-id 1', 'ceph osd in 1']


def test_check_mode_lists_the_replacement_and_runs_none_of_it(replaced):
    out = replaced.run(dict(ARGS, replace_destroyed=True, _ansible_check_mode=True))
    assert out.result['created'] == [] and out.result['changed'] is True
    assert out.result['commands'][-3:] == ['/usr/sbin/ceph osd destroy 1 --yes-i-really-mean-it',
                                           '/usr/sbin/ceph-volume lvm create --bluestore --data /dev/vdc4 --osd-id 1',
                                           '/usr/sbin/ceph osd in 1']
    assert not [c for c in replaced.calls if any(word in c for word in CHANGES)]


def test_no_tree_read_when_nothing_is_created(replaced):
    out = replaced.run(dict(ARGS, partitions=BOTH[:1]))
    assert not out.failed and out.result['changed'] is False
    assert 'ceph osd tree --format json' not in replaced.calls
