"""verify_report: the one place that turns registered verifier results into verdicts."""

import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.isplab.infra.plugins.filter.verify_report import FilterModule, verify_report
from ansible_collections.isplab.infra.plugins.module_utils.common.checks import CheckList

CAPS = [
    {'name': 'root_raid1', 'groups': ['pve_nodes'], 'role': 'root_raid1'},
    {'name': 'ceph_osd', 'groups': ['pve_nodes'], 'role': 'ceph_osd'},
    {'name': 'l2_bridge', 'groups': ['netgraph_hosts', 'linux_bridge_hosts'], 'role': 'l2_bridge'},
]
GROUPS = {'pve_nodes': ['pve1', 'pve2'], 'netgraph_hosts': ['ng1'], 'linux_bridge_hosts': ['br1']}


def result(*checks):
    """What a *_verify module returns (CheckList.exit's keys), built by the same CheckList."""
    cl = CheckList()
    for name, ok in checks:
        cl.expect(name, ok, '%s is wrong' % name)
    return {'changed': False, 'checks': cl.results, 'failed_checks': cl.failed, 'msg': cl.summary()}


def test_capability_without_any_result_is_not_reported():
    hostvars = {'pve1': {'root_raid1_verify_result': result(('mirror', True))}, 'pve2': {}, 'ng1': {}, 'br1': {}}
    out = verify_report(CAPS, hostvars, GROUPS, ['pve1'])
    assert [r['capability'] for r in out['reports']] == ['root_raid1']
    assert out['reports'][0]['verdict'] == 'pass'
    assert out['failures'] == {}


def test_failed_checks_fail_the_host_and_the_capability():
    hostvars = {'pve1': {'root_raid1_verify_result': result(('mirror', True), ('grub', False))},
                'pve2': {'root_raid1_verify_result': result(('mirror', True))}}
    out = verify_report(CAPS, hostvars, GROUPS, ['pve1', 'pve2'])
    (report,) = out['reports']
    assert report['verdict'] == 'fail'
    assert sorted(report['details']) == ['pve1', 'pve2']
    assert report['details']['pve1']['failed_checks'][0]['check'] == 'grub'
    assert out['failures'] == {'pve1': ['root_raid1: grub: grub is wrong']}


def test_host_without_result_fails_once_its_capability_ran():
    hostvars = {'ng1': {'l2_bridge_verify_result': result(('ports', True))}, 'br1': {}}
    out = verify_report(CAPS, hostvars, GROUPS, ['ng1', 'br1'])
    assert out['reports'][0]['verdict'] == 'fail'
    assert list(out['failures']) == ['br1']
    assert 'l2_bridge verifier did not run' in out['failures']['br1'][0]


def test_skipped_result_counts_as_not_run():
    hostvars = {'pve1': {'ceph_osd_verify_result': {'changed': False, 'skipped': True}}}
    assert verify_report(CAPS, hostvars, GROUPS, ['pve1']) == {'reports': [], 'failures': {}}


def test_verifier_task_error_is_a_failed_check():
    hostvars = {'pve1': {'ceph_osd_verify_result': {'failed': True, 'msg': 'api_token_secret is required'}}}
    out = verify_report(CAPS, hostvars, GROUPS, ['pve1'])
    assert out['failures'] == {'pve1': ['ceph_osd: verifier: api_token_secret is required']}


def test_hosts_outside_the_play_are_not_judged():
    hostvars = {'pve1': {'root_raid1_verify_result': result(('mirror', True))}}
    out = verify_report(CAPS, hostvars, GROUPS, ['pve1', 'other'])
    assert list(out['reports'][0]['details']) == ['pve1']


@pytest.mark.parametrize('caps', [{'name': 'x'}, [{'name': 'x', 'groups': ['g']}]])
def test_malformed_table_is_refused(caps):
    with pytest.raises(AnsibleFilterError):
        verify_report(caps, {}, {}, [])


def test_registered_as_filter():
    assert FilterModule().filters()['verify_report'] is verify_report


def test_facts_reach_the_report_but_module_arguments_do_not():
    """The report draws from the verifiers' facts (md, pvs, ...); invocation holds secrets and stays out."""
    registered = dict(result(('mirror', False)), md={'state': ['clean', 'degraded']}, pvs=[{'vg_name': 'pve'}],
                      invocation={'module_args': {'api_token_secret': 's3cret'}})
    out = verify_report(CAPS, {'pve1': {'root_raid1_verify_result': registered}}, GROUPS, ['pve1'])
    entry = out['reports'][0]['details']['pve1']
    assert entry['facts'] == {'md': {'state': ['clean', 'degraded']}, 'pvs': [{'vg_name': 'pve'}]}
    assert 's3cret' not in repr(out)
