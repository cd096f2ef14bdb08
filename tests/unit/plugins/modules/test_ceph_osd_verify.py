"""ceph_osd_verify module on output captured from a real Ceph 16.2 node with osd.1 stopped."""

import os

from ansible.module_utils import basic

from ansible_collections.isplab.infra.plugins.modules import ceph_osd_verify

FIXTURES = os.path.join(os.path.dirname(__file__), '..', '..', 'fixtures', 'ceph', 'osd1_down')
BY_ID = {'/dev/disk/by-id/virtio-disk1-part4': '/dev/vdb4', '/dev/disk/by-id/virtio-disk2-part4': '/dev/vdc4'}


def _answer(calls):
    def run_command(_self, argv, environ_update=None, **_kwargs):
        assert environ_update['LC_ALL'] == 'C'
        command = ' '.join([os.path.basename(argv[0])] + argv[1:])
        calls.append(command)
        name = {'ceph-volume lvm list --format json': 'lvm_list.json',
                'ceph osd dump --format json': 'osd_dump.json'}[command]
        with open(os.path.join(FIXTURES, name)) as handle:
            return 0, handle.read(), ''
    return run_command


def _node(monkeypatch):
    calls = []
    monkeypatch.setattr(os.path, 'exists', lambda p: p in BY_ID)
    monkeypatch.setattr(os.path, 'realpath', lambda p: BY_ID[p])
    monkeypatch.setattr(basic.AnsibleModule, 'run_command', _answer(calls))
    monkeypatch.setattr(basic.AnsibleModule, 'get_bin_path', lambda self, name, **k: '/usr/bin/' + name)
    return calls


def test_the_stopped_osd_fails_the_task(monkeypatch, run_module):
    _node(monkeypatch)
    out = run_module(ceph_osd_verify.main, {'partitions': sorted(BY_ID)})
    assert out.failed
    assert out.result['msg'] == '1 of 2 checks failed: osds_up_in: osd.1 is down and in'
    assert out.result['changed'] is False


def test_waiting_by_id_reads_only_the_osd_map(monkeypatch, run_module):
    calls = _node(monkeypatch)
    out = run_module(ceph_osd_verify.main, {'osd_ids': [0], 'fail_on_error': False})
    assert not out.failed
    assert out.result['failed_checks'] == []
    assert out.result['osds'] == [{'osd_id': 0, 'path': None, 'up': True, 'in': True}]
    assert calls == ['ceph osd dump --format json']
