"""module_utils/pve.py on PVE API response bodies (tests/unit/fixtures/pve/README.md)."""

import copy
import json
import os

import pytest

from ansible_collections.isplab.infra.plugins.module_utils.ceph_osd import pve

FIXTURES = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'fixtures', 'pve')
NODE = 'cephnode1'
DISKS = ['/dev/disk/by-id/virtio-disk1', '/dev/disk/by-id/virtio-disk2']


def load(name):
    with open(os.path.join(FIXTURES, name)) as handle:
        return json.load(handle)['data']


@pytest.fixture
def healthy():
    return {'cluster_status': load('cluster_status.json'), 'ceph_status': load('ceph_status.json'),
            'osd_tree': load('ceph_osd.json'), 'disks': load('disks_list.json')}


def problems(checks):
    return dict((c['check'], c['problem']) for c in checks.failed)


def test_healthy_node_passes_every_check(healthy):
    checks, facts = pve.evaluate(healthy, NODE, expected_osd_count=2, expected_disks=DISKS)
    assert checks.summary() == 'all 9 checks passed'
    assert facts['cluster'] == {'cluster': 'isplab', 'quorate': True, 'nodes': {NODE: True}, 'node_online': True}
    assert facts['ceph']['health'] == 'HEALTH_OK'
    assert facts['ceph']['pgs_by_state'] == {'active+clean': facts['ceph']['num_pgs']}
    assert [(o['name'], o['status'], o['in'], o['device_class']) for o in facts['node_osds']] == [
        ('osd.0', 'up', True, 'hdd'), ('osd.1', 'up', True, 'hdd')]
    assert dict((d['devpath'], d['osds']) for d in facts['disks'] if d['osds']) == {
        '/dev/vdb': [0], '/dev/vdb4': [0], '/dev/vdc': [1], '/dev/vdc4': [1]}


def test_lost_quorum(healthy):
    healthy['cluster_status'] = load('cluster_status_no_quorum.json')
    checks, _facts = pve.evaluate(healthy, NODE)
    assert problems(checks) == {'cluster_quorum': 'cluster isplab is not quorate'}


def test_standalone_node_needs_expect_cluster_false(healthy):
    healthy['cluster_status'] = load('cluster_status_standalone.json')
    checks, _facts = pve.evaluate(healthy, NODE)
    assert problems(checks) == {
        'cluster_quorum': '/cluster/status has no cluster entry: cephnode1 is a standalone node; set '
                          'expect_cluster: false if it is meant to be one'}
    checks, _facts = pve.evaluate(healthy, NODE, expect_cluster=False)
    assert checks.failed == []


def test_node_missing_from_the_cluster(healthy):
    checks, _facts = pve.evaluate(healthy, 'pve9')
    assert problems(checks)['node_membership'] == 'node pve9 is not a member of the cluster'


def test_osd_down_from_the_real_cluster(healthy):
    healthy['ceph_status'] = load('ceph_status_osd1_down.json')
    healthy['osd_tree'] = load('ceph_osd_osd1_down.json')
    checks, _facts = pve.evaluate(healthy, NODE, expected_osd_count=2)
    found = problems(checks)
    assert sorted(found) == ['ceph_health', 'ceph_host_osds_up_in', 'ceph_osds_up_in', 'ceph_pgs_active_clean']
    assert found['ceph_osds_up_in'] == '2 OSDs, 1 up, 2 in'
    assert found['ceph_host_osds_up_in'] == 'cephnode1: osd.1 down/in'
    # the only PG lived on osd.1: the real cluster reports it stale
    assert found['ceph_pgs_active_clean'] == '0 of 1 PGs active+clean; others: stale+active+clean=1'
    assert found['ceph_health'].startswith('Ceph reports HEALTH_WARN (OSD_DOWN: 1 osds down')
    assert found['ceph_health'].endswith('accepted: HEALTH_OK')


def test_warn_can_be_accepted(healthy):
    healthy['ceph_status'] = load('ceph_status_osd1_down.json')
    checks, _facts = pve.evaluate(healthy, NODE, accepted_health=('HEALTH_OK', 'HEALTH_WARN'))
    assert 'ceph_health' not in problems(checks)


def test_pgs_not_clean(healthy):
    status = copy.deepcopy(healthy['ceph_status'])
    status['pgmap']['pgs_by_state'] = [{'state_name': 'active+clean', 'count': 1},
                                       {'state_name': 'active+undersized+degraded', 'count': 2}]
    status['pgmap']['num_pgs'] = 3
    healthy['ceph_status'] = status
    checks, _facts = pve.evaluate(healthy, NODE)
    assert problems(checks) == {
        'ceph_pgs_active_clean': '1 of 3 PGs active+clean; others: active+undersized+degraded=2'}


def test_nautilus_nested_osdmap_is_read(healthy):
    status = copy.deepcopy(healthy['ceph_status'])
    status['osdmap'] = {'osdmap': dict(status['osdmap'], num_up_osds=1)}
    healthy['ceph_status'] = status
    checks, _facts = pve.evaluate(healthy, NODE)
    assert problems(checks) == {'ceph_osds_up_in': '2 OSDs, 1 up, 2 in'}


def test_osd_count_and_disks(healthy):
    checks, _facts = pve.evaluate(healthy, NODE, expected_osd_count=3,
                                  expected_disks=DISKS + ['/dev/sdz'])
    assert problems(checks) == {
        'node_osd_count': 'node cephnode1 has 2 OSDs in the CRUSH map (osd.0, osd.1), expected 3',
        'node_disks_present': 'node cephnode1 does not list /dev/sdz'}


def test_osd_without_a_disk_is_reported(healthy):
    healthy['disks'] = [d for d in healthy['disks'] if d['devpath'] not in ('/dev/vdc', '/dev/vdc4')]
    checks, _facts = pve.evaluate(healthy, NODE)
    assert problems(checks) == {'node_osds_on_disks': 'the disk list of cephnode1 shows no disk for osd.1'}
