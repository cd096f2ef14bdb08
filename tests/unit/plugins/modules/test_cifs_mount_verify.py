"""cifs_mount_verify checks on /proc text captured in a lab VM."""

import os

from ansible_collections.isplab.infra.plugins.module_utils.common.checks import CheckList
from ansible_collections.isplab.infra.plugins.module_utils.cifs_mount import verifier

FIXTURES = os.path.join(os.path.dirname(__file__), '..', '..', 'fixtures', 'cifs')
KERNEL = {'multiplier': 3}


def fixture(name):
    with open(os.path.join(FIXTURES, name)) as handle:
        return handle.read()


def declared(**overrides):
    base = {'path': '/mnt/lab', 'server': '127.0.0.1', 'share': 'labshare', 'version': '3.1.1',
            'echo_interval': 60, 'uid': 0, 'gid': 0, 'file_mode': '0644', 'dir_mode': '0755',
            'hard': False, 'automount': False}
    base.update(overrides)
    return base


def run(mounts, proc='proc_mounts_one_share.txt', debug='debugdata_one_share.txt', **kwargs):
    checks = CheckList()
    facts = verifier.verify(mounts, fixture(proc), fixture(debug), KERNEL, checks, **kwargs)
    return facts, checks


def test_matching_mount_passes_and_reports_detection():
    facts, checks = run([declared()], max_detection_seconds=190, max_reconnects=0)
    assert checks.failed == []
    fact = facts[0]
    assert (fact['dialect'], fact['instance'], fact['reconnects'], fact['echo_interval']) == ('3.1.1', 1, 0, 60)
    assert (fact['multiplier'], fact['detection_seconds'], fact['detection_latest_seconds']) == (3, 180, 182)
    assert fact['connection_ambiguous'] is False


def test_echo_interval_mismatch_fails_with_both_values():
    _facts, checks = run([declared(echo_interval=30)])
    assert [c['check'] for c in checks.failed] == ['/mnt/lab options']
    assert checks.failed[0]['problem'] == 'echo_interval: declared 30, live 60'


def test_hard_expected_but_soft_live():
    _facts, checks = run([declared(hard=True)])
    assert checks.failed[0]['problem'] == 'hard: declared set, live absent'


def test_reconnect_limit_and_detection_limit():
    _facts, checks = run([declared(echo_interval=9, file_mode='0755')], proc='proc_mounts_echo9.txt',
                         debug='debugdata_after_reconnect.txt', max_reconnects=0, max_detection_seconds=20)
    assert sorted((c['check'], c['problem']) for c in checks.failed) == [
        ('/mnt/lab detection time', 'a dead server is noticed after up to 28 s (3 x echo_interval 9, next 7 s '
                                    'read timeout), allowed 20'),
        ('/mnt/lab reconnects', '1 reconnects since the connection was set up, allowed 0'),
    ]


def test_second_connection_reports_its_own_dialect():
    facts, checks = run([declared(echo_interval=5, file_mode='0755'),
                         declared(path='/mnt/lab two', version='3.0', echo_interval=30, uid=1000, gid=1000,
                                  file_mode='0640', dir_mode='0750', hard=True)],
                        proc='proc_mounts_two_connections.txt', debug='debugdata_two_connections.txt')
    assert checks.failed == []
    assert [(f['path'], f['connection_id'], f['dialect'], f['instance']) for f in facts] == [
        ('/mnt/lab', '0x3', '3.1.1', 2), ('/mnt/lab two', '0x4', '3.0', 1)]


def test_missing_mount_and_missing_debug_data():
    facts, checks = run([declared(path='/srv/none')])
    assert facts == [{'path': '/srv/none', 'mounted': False}]
    assert checks.failed == [{'check': '/srv/none mounted', 'ok': False, 'problem': 'no cifs mount at /srv/none'}]
    checks = CheckList()
    verifier.verify([declared()], fixture('proc_mounts_one_share.txt'), None, KERNEL, checks)
    assert [c['problem'] for c in checks.failed] == [
        'no server in /proc/fs/cifs/DebugData carries //127.0.0.1/labshare']


def test_wrong_source_is_reported():
    _facts, checks = run([declared(share='other')])
    assert checks.failed[0]['problem'] == 'mounted from //127.0.0.1/labshare, declared //127.0.0.1/other'
