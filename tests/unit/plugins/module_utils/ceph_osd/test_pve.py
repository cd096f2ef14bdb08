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


# ---------------------------------------------------------------- answers other than 200 (issue 16)

IDENTITY = 'root@pam!verify'


def test_403_names_the_privilege_and_path_from_pves_message():
    message = pve.api_problem('osd_tree', 'GET /api2/json/nodes/n1/ceph/osd', 403,
                              'Permission check failed (/, Sys.Audit|Datastore.Audit)', IDENTITY, 'n1')
    assert message == ("GET /api2/json/nodes/n1/ceph/osd answered 403 Permission check failed (/, Sys.Audit|"
                       "Datastore.Audit): token root@pam!verify lacks Sys.Audit or Datastore.Audit on /. A "
                       "privilege-separated token has only what its own ACL grants: pveum acl modify / --tokens "
                       "'root@pam!verify' --roles PVEAuditor (ceph_osd_api_token_enabled does it, docs/ceph.md)")


def test_403_without_pves_wording_falls_back_to_the_known_requirement():
    message = pve.api_problem('cluster_status', 'GET /api2/json/cluster/status', 403, 'Forbidden', IDENTITY, 'n1')
    assert 'lacks Sys.Audit on /.' in message


@pytest.mark.parametrize('status, reason, expected', [
    (500, 'pveceph configuration not initialized', 'node n1 has no Ceph set up: run pveceph install'),
    (500, 'no tree nodes found', 'Ceph on n1 has no OSD tree yet (no OSDs or CRUSH buckets)'),
    (595, 'No route to host', "node n1 did not answer the API node's proxy; it is offline"),
])
def test_other_refusals_say_what_they_mean(status, reason, expected):
    message = pve.api_problem('ceph_status', 'GET /x', status, reason, IDENTITY, 'n1')
    assert message.startswith('GET /x answered %d %s: ' % (status, reason)) and expected in message


def test_refused_answers_fail_only_the_checks_that_read_them(healthy):
    errors = {'cluster_status': 'E1', 'disks': 'E2'}
    healthy.update(cluster_status=None, disks=None)
    checks, facts = pve.evaluate(healthy, NODE, expected_osd_count=2, errors=errors)
    assert problems(checks) == {'cluster_quorum': 'E1', 'node_membership': 'E1', 'node_osds_on_disks': 'E2'}
    assert len(checks.results) == 8  # no expected_disks: node_disks_present is not run
    assert sorted(facts) == ['ceph', 'hosts', 'node_osds']


def test_refused_osd_tree_fails_the_osd_checks_with_its_reason(healthy):
    checks, _facts = pve.evaluate(dict(healthy, osd_tree=None), NODE, expected_disks=DISKS,
                                  errors={'osd_tree': 'E3'})
    assert problems(checks) == {'ceph_host_osds_up_in': 'E3', 'node_osds_on_disks': 'E3'}
    assert len(checks.results) == 8
