"""pve_verify and proxmoxer against the PVE API twin (HTTPS on 127.0.0.1, API token auth).

The twin answers the Ceph endpoints from output captured on a real Ceph 16.2 node
(tests/unit/fixtures/ceph/two_osds and osd1_down); see docs/ceph.md.
"""

import json
import os
import subprocess
import tempfile

import pytest
from proxmoxer import ProxmoxAPI
from proxmoxer.core import ResourceException

from conftest import AUDITOR_ACL, REPO, TOKEN

NODE = 'cephnode1'
IDENTITY = '%s!%s' % (TOKEN['user'], TOKEN['token_id'])
DISKS = ['/dev/disk/by-id/virtio-disk1', '/dev/disk/by-id/virtio-disk2']


def api(twin, secret=TOKEN['secret'], verify=None):
    return ProxmoxAPI('127.0.0.1', port=twin.port, user=TOKEN['user'], token_name=TOKEN['token_id'],
                      token_value=secret, verify_ssl=twin.ca if verify is None else verify, timeout=10)


def run_verify(twin, **overrides):
    """Runs pve_verify through ansible-playbook; returns (task result, full output text)."""
    variables = {'twin_port': twin.port, 'twin_token_id': TOKEN['token_id'], 'twin_token_secret': TOKEN['secret'],
                 'twin_ca': twin.ca, 'twin_node': NODE, 'twin_expected_osd_count': 2, 'twin_expected_disks': DISKS}
    variables.update(overrides)
    variables = dict((k, v) for k, v in variables.items() if v is not None)
    fd, path = tempfile.mkstemp(suffix='.json', dir=twin.workdir)
    result_file = path + '.result'
    variables['twin_result_file'] = result_file
    # the module needs proxmoxer: run it with the venv's interpreter, not whatever discovery finds
    variables['ansible_python_interpreter'] = os.path.join(REPO, '.venv', 'bin', 'python')
    with os.fdopen(fd, 'w') as handle:
        json.dump(variables, handle)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(REPO, 'build', 'collections'),
               ANSIBLE_CONFIG=os.path.join(REPO, 'ansible.cfg'))
    playbook = os.path.join(REPO, 'tests', 'integration', 'pve', 'pve_verify.yml')
    try:
        proc = subprocess.run([os.path.join(REPO, '.venv', 'bin', 'ansible-playbook'), '-v', '-i', 'localhost,',
                               '-c', 'local', playbook, '-e', '@' + path], cwd=REPO, env=env, capture_output=True,
                              text=True, timeout=120, check=False)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
        with open(result_file) as handle:
            result = json.load(handle)
    finally:
        for leftover in (path, result_file):
            if os.path.exists(leftover):
                os.unlink(leftover)
    return result, proc.stdout + proc.stderr


def failed_names(result):
    return [c['check'] for c in result['failed_checks']]


def test_proxmoxer_reads_the_published_shapes(twin):
    twin.control()
    client = api(twin)
    status = client.cluster.status.get()
    assert [e['type'] for e in status] == ['cluster', 'node']
    assert status[1]['name'] == NODE and status[1]['online'] == 1
    ceph = client.nodes(NODE).ceph.status.get()
    assert ceph['osdmap']['num_up_osds'] == 2
    assert client.cluster.ceph.status.get() == ceph
    tree = client.nodes(NODE).ceph.osd.get()
    host = tree['root']['children'][0]['children'][0]
    assert (host['type'], host['name']) == ('host', NODE)
    assert sorted((o['name'], o['status'], o['in'], o['host']) for o in host['children']) == [
        ('osd.0', 'up', 1, NODE), ('osd.1', 'up', 1, NODE)]
    disks = client.nodes(NODE).disks.list.get(**{'include-partitions': 1})
    parts = dict((d['devpath'], d) for d in disks if d.get('parent'))
    # PVE renders a Ceph-owned osdid as a string, an unused one as the number -1
    assert parts['/dev/vdb4']['osdid'] == '0' and parts['/dev/vdb4']['used'] == 'LVM'
    assert parts['/dev/vdc3']['osdid'] == -1 and 'used' not in parts['/dev/vdc3']
    assert parts['/dev/vdc5']['used'] == 'ext4'
    assert parts['/dev/vdb1']['used'] == 'BIOS boot'
    whole = dict((d['devpath'], d) for d in client.nodes(NODE).disks.list.get())
    # without include-partitions PVE names the first partition's use, as on real nodes
    assert whole['/dev/vdc']['osdid-list'] == ['1'] and whole['/dev/vdc']['used'] == 'BIOS boot'
    assert '/dev/vdc4' not in whole


def test_wrong_token_is_a_401(twin):
    twin.control()
    with pytest.raises(ResourceException) as err:
        api(twin, secret='not-the-secret').cluster.status.get()
    assert err.value.status_code == 401


def test_certificate_is_verified(twin):
    twin.control()
    with pytest.raises(Exception) as err:
        api(twin, verify=True).cluster.status.get()
    assert 'CERTIFICATE_VERIFY_FAILED' in str(err.value)


def test_pve_verify_passes_on_the_healthy_cluster(twin):
    twin.control()
    result, output = run_verify(twin)
    assert result['failed_checks'] == [], result['msg']
    assert result['msg'] == 'all 9 checks passed'
    assert [o['name'] for o in result['pve']['node_osds']] == ['osd.0', 'osd.1']
    assert result['commands'][0] == 'GET /api2/json/cluster/status'
    assert TOKEN['secret'] not in output


def test_pve_verify_reads_ceph_through_the_cluster_endpoint(twin):
    twin.control()
    result, _output = run_verify(twin, twin_ceph_status_source='cluster')
    assert result['msg'] == 'all 9 checks passed'
    assert 'GET /api2/json/cluster/ceph/status' in result['commands']


def test_pve_verify_reports_lost_quorum(twin):
    twin.control(quorate=False, extra_nodes=[{'name': 'pve2', 'online': False}, {'name': 'pve3', 'online': False}])
    result, _output = run_verify(twin)
    assert result['failed_checks']  # failed_when: false in the playbook keeps 'failed' false
    assert result['failed_checks'] == [{'check': 'cluster_quorum', 'ok': False,
                                        'problem': 'cluster isplab is not quorate'}]
    assert result['pve']['cluster']['nodes'] == {NODE: True, 'pve2': False, 'pve3': False}


def test_pve_verify_reports_a_down_osd(twin):
    twin.control(snapshot='osd1_down')
    result, _output = run_verify(twin)
    assert result['failed_checks']  # failed_when: false in the playbook keeps 'failed' false
    problems = dict((c['check'], c['problem']) for c in result['failed_checks'])
    assert sorted(problems) == ['ceph_health', 'ceph_host_osds_up_in', 'ceph_osds_up_in', 'ceph_pgs_active_clean']
    assert problems['ceph_osds_up_in'] == '2 OSDs, 1 up, 2 in'
    assert problems['ceph_host_osds_up_in'] == 'cephnode1: osd.1 down/in'
    # the only PG lived on osd.1: the real cluster reports it stale
    assert problems['ceph_pgs_active_clean'] == '0 of 1 PGs active+clean; others: stale+active+clean=1'
    assert problems['ceph_health'].startswith('Ceph reports HEALTH_WARN (OSD_DOWN: 1 osds down')


def test_pve_verify_wrong_token_fails_without_leaking_it(twin):
    twin.control()
    wrong = 'ffffffff-0000-4000-8000-123456789abc'
    result, output = run_verify(twin, twin_token_secret=wrong)
    assert result['failed_checks']  # failed_when: false in the playbook keeps 'failed' false
    assert result['msg'] == ('PVE API at https://127.0.0.1:%d refused token root@pam!isplab (401 authentication '
                             'failure): check api_user, api_token_id and api_token_secret' % twin.port)
    assert wrong not in output


def test_pve_verify_refuses_an_unverified_certificate(twin):
    twin.control()
    result, _output = run_verify(twin, twin_ca=None)
    assert result['failed_checks']  # failed_when: false in the playbook keeps 'failed' false
    assert result['msg'].startswith('PVE API at https://127.0.0.1:%d: TLS verification failed (' % twin.port)
    assert result['msg'].endswith("pass ca_path with the node's CA, or validate_certs=false for a throw-away "
                                  "lab certificate")


def test_pve_verify_counts_the_node_osds(twin):
    twin.control()
    result, _output = run_verify(twin, twin_expected_osd_count=3,
                                 twin_expected_disks=DISKS + ['/dev/disk/by-id/virtio-disk3'])
    problems = dict((c['check'], c['problem']) for c in result['failed_checks'])
    assert problems == {
        'node_osd_count': 'node cephnode1 has 2 OSDs in the CRUSH map (osd.0, osd.1), expected 3',
        'node_disks_present': 'node cephnode1 does not list /dev/disk/by-id/virtio-disk3'}


def refusal(call):
    with pytest.raises(ResourceException) as err:
        call()
    return err.value.status_code, err.value.content


def test_privilege_separated_token_without_acl_is_refused(twin):
    twin.control(acl=[])
    client = api(twin)
    # PVE::RPCEnvironment's message, in the status line; proxmoxer puts it in content
    assert refusal(client.cluster.status.get) == (403, 'Permission check failed (/, Sys.Audit)')
    assert refusal(client.nodes(NODE).ceph.osd.get) == (403, 'Permission check failed (/, Sys.Audit|Datastore.Audit)')
    assert refusal(client.nodes(NODE).disks.list.get) == (403, 'Permission check failed (/, Sys.Audit)')


def test_token_without_privilege_separation_has_its_users_rights(twin):
    twin.control(acl=[], privsep=0)
    assert api(twin).cluster.status.get()[0]['type'] == 'cluster'


def test_acl_reaches_a_path_only_where_it_applies(twin):
    client = api(twin)
    # an ACL below / does not cover the checks on /
    twin.control(acl=[dict(AUDITOR_ACL, path='/nodes', propagate=1)])
    assert refusal(client.cluster.status.get)[0] == 403
    # a deeper entry replaces what / grants, even with propagate on /
    twin.control(acl=[dict(AUDITOR_ACL, propagate=1),
                      dict(AUDITOR_ACL, path='/nodes/%s' % NODE, roles=['NoAccess'])])
    assert api(twin).cluster.status.get()
    # an ACL for another token grants this one nothing
    twin.control(acl=[dict(AUDITOR_ACL, token='root@pam!other')])
    assert refusal(client.cluster.status.get)[0] == 403


def test_pve_verify_names_the_missing_privilege_and_path(twin):
    # PVEDatastoreUser holds Datastore.Audit: enough for the Ceph answers, not for cluster status or disks
    twin.control(acl=[dict(AUDITOR_ACL, roles=['PVEDatastoreUser'])])
    result, _output = run_verify(twin)
    problems = dict((c['check'], c['problem']) for c in result['failed_checks'])
    assert sorted(problems) == ['cluster_quorum', 'node_disks_present', 'node_membership', 'node_osds_on_disks']
    fix = (": token %s lacks Sys.Audit on /. A privilege-separated token has only what its own ACL grants: "
           "pveum acl modify / --tokens '%s' --roles PVEAuditor (ceph_osd_api_token_enabled does it, "
           "docs/ceph.md)" % (IDENTITY, IDENTITY))
    assert problems['cluster_quorum'] == ('GET /api2/json/cluster/status answered 403 Permission check failed '
                                          '(/, Sys.Audit)' + fix)
    assert problems['node_disks_present'] == ('GET /api2/json/nodes/%s/disks/list?include-partitions=1 answered '
                                              '403 Permission check failed (/, Sys.Audit)%s' % (NODE, fix))


def test_pve_verify_without_any_acl_fails_every_check_with_the_reason(twin):
    twin.control(acl=[])
    result, _output = run_verify(twin)
    assert len(result['failed_checks']) == 9
    assert all('lacks Sys.Audit' in c['problem'] for c in result['failed_checks'])
    osd = [c['problem'] for c in result['failed_checks'] if c['check'] == 'ceph_host_osds_up_in'][0]
    assert 'lacks Sys.Audit or Datastore.Audit on /' in osd


def test_pve_verify_on_a_node_without_ceph(twin):
    twin.control(ceph=False)
    result, _output = run_verify(twin, twin_expected_disks=None)
    problems = dict((c['check'], c['problem']) for c in result['failed_checks'])
    assert sorted(problems) == ['ceph_health', 'ceph_host_osds_up_in', 'ceph_osds_up_in', 'ceph_pgs_active_clean',
                                'node_osd_count', 'node_osds_on_disks']
    assert problems['ceph_health'] == ('GET /api2/json/nodes/%s/ceph/status answered 500 pveceph configuration not '
                                       'initialized: node %s has no Ceph set up: run pveceph install and pveceph '
                                       'init there, or do not verify Ceph on it' % (NODE, NODE))
    assert problems['node_osds_on_disks'].startswith('GET /api2/json/nodes/%s/ceph/osd answered 500' % NODE)


def test_pve_verify_with_an_empty_osd_tree(twin):
    twin.control(osd_tree_empty=True)
    result, _output = run_verify(twin)
    problems = dict((c['check'], c['problem']) for c in result['failed_checks'])
    assert sorted(problems) == ['ceph_host_osds_up_in', 'node_osd_count', 'node_osds_on_disks']
    assert problems['node_osd_count'] == ('GET /api2/json/nodes/%s/ceph/osd answered 500 no tree nodes found: Ceph '
                                          'on %s has no OSD tree yet (no OSDs or CRUSH buckets)' % (NODE, NODE))


def test_pve_verify_on_an_offline_node(twin):
    twin.control(extra_nodes=[{'name': 'pve2', 'online': False}])
    result, _output = run_verify(twin, twin_node='pve2', twin_expected_osd_count=None, twin_expected_disks=None)
    problems = dict((c['check'], c['problem']) for c in result['failed_checks'])
    assert problems['node_membership'] == 'node pve2 is a member but offline'
    assert problems['ceph_health'] == ("GET /api2/json/nodes/pve2/ceph/status answered 595 No route to host: node "
                                       "pve2 did not answer the API node's proxy; it is offline or its pveproxy is "
                                       "down (/cluster/status shows which nodes are online)")
    assert sorted(problems) == ['ceph_health', 'ceph_host_osds_up_in', 'ceph_osds_up_in', 'ceph_pgs_active_clean',
                                'node_membership', 'node_osds_on_disks']


def test_pve_verify_on_a_standalone_node(twin):
    twin.control(standalone=True)
    client = api(twin)
    assert [(e['type'], e['name'], e['nodeid']) for e in client.cluster.status.get()] == [('node', NODE, 0)]
    result, _output = run_verify(twin)
    assert [(c['check'], c['problem']) for c in result['failed_checks']] == [
        ('cluster_quorum', '/cluster/status has no cluster entry: %s is a standalone node; set expect_cluster: '
                           'false if it is meant to be one' % NODE)]
    result, _output = run_verify(twin, twin_expect_cluster=False)
    assert result['msg'] == 'all 9 checks passed'


@pytest.mark.parametrize('quorate, verdict, rc', [(True, 'pass', 0), (False, 'fail', 2)])
def test_verify_ceph_playbook_writes_the_report(twin, quorate, verdict, rc):
    twin.control(quorate=quorate)
    report_dir = tempfile.mkdtemp(dir=twin.workdir)
    inventory = {'pve_nodes': {'hosts': {NODE: {
        'ansible_connection': 'local', 'ansible_python_interpreter': os.path.join(REPO, '.venv', 'bin', 'python'),
        'pve_api_host': '127.0.0.1', 'pve_api_port': twin.port, 'pve_api_user': TOKEN['user'],
        'pve_api_token_id': TOKEN['token_id'], 'pve_api_token_secret': TOKEN['secret'], 'pve_api_ca_path': twin.ca,
        'ceph_osd_partitions': ['/dev/disk/by-id/virtio-disk1-part4', '/dev/disk/by-id/virtio-disk2-part4'],
        'pve_expected_disks': DISKS}}}}
    fd, inventory_path = tempfile.mkstemp(suffix='.json', dir=twin.workdir)
    with os.fdopen(fd, 'w') as handle:
        json.dump(inventory, handle)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(REPO, 'build', 'collections'),
               ANSIBLE_CONFIG=os.path.join(REPO, 'ansible.cfg'))
    try:
        proc = subprocess.run([os.path.join(REPO, '.venv', 'bin', 'ansible-playbook'), '-i', inventory_path,
                               os.path.join(REPO, 'playbooks', 'verify_ceph.yml'), '-e', 'verify_report_dir=' + report_dir],
                              cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=False)
    finally:
        os.unlink(inventory_path)
    assert proc.returncode == rc, proc.stdout[-3000:]
    with open(os.path.join(report_dir, 'ceph_osd.json')) as handle:
        report = json.load(handle)
    assert report['capability'] == 'ceph_osd' and report['verdict'] == verdict
    assert len(report['details'][NODE]['checks']) == 9
    assert TOKEN['secret'] not in proc.stdout + proc.stderr
