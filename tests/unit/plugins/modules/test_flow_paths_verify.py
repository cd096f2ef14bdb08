"""flow_paths_verify on slots the flow_paths module wrote from REAL nfcapd files (real nfdump).

nfcapd.sample (capture.py: unknown router 127.0.0.5, unknown ifindex 7 of rudo5, unknown 100.64.5.0/26 on
purpose) and nfcapd.empty (a file nfcapd closed without flows) are under tests/unit/fixtures/flow_paths/.
systemctl is a stand-in script printing what systemd 252 (Debian bookworm) prints: `is-enabled` "enabled" (rc 0) /
"disabled" (rc 1), `is-active` "active" (rc 0) / "inactive" (rc 3) - the lab VM's systemd, not this container's.
"""

import json
import os
import shutil

import pytest
from ansible.module_utils import basic

from ansible_collections.isplab.infra.plugins.modules import flow_paths, flow_paths_verify

FIXTURES = os.path.join(os.path.dirname(__file__), '..', '..', 'fixtures', 'flow_paths')
STAMP = '202612031105'
FAKE_SYSTEMCTL = '''#!/bin/sh
case "$1" in
  is-enabled) state=$FAKE_ENABLED; [ "$state" = enabled ]; rc=$? ;;
  is-active) state=$FAKE_ACTIVE; [ "$state" = active ] && rc=0 || rc=3 ;;
esac
echo "$state"
exit $rc
'''

pytestmark = pytest.mark.skipif(shutil.which('nfdump') is None, reason='needs the real nfdump (Debian package nfdump)')


def place(flow_dir, stamp, fixture):
    day = flow_dir / stamp[:4] / stamp[4:6] / stamp[6:8]
    day.mkdir(parents=True, exist_ok=True)
    shutil.copy(os.path.join(FIXTURES, fixture), str(day / ('nfcapd.' + stamp)))


@pytest.fixture
def host(tmp_path, monkeypatch):
    """A collector: flow dir, config file, out dir, and systemctl answering for the timer."""
    script = tmp_path / 'systemctl'
    script.write_text(FAKE_SYSTEMCTL)
    script.chmod(0o755)
    real = basic.AnsibleModule.get_bin_path
    monkeypatch.setattr(basic.AnsibleModule, 'get_bin_path',
                        lambda self, name, *a, **kw: str(script) if name == 'systemctl' else real(self, name, *a, **kw))
    monkeypatch.setenv('FAKE_ENABLED', 'enabled')
    monkeypatch.setenv('FAKE_ACTIVE', 'active')
    with open(os.path.join(FIXTURES, 'tables.json')) as handle:
        config = json.load(handle)
    config.update(flow_dirs=[{'ident': 'edge1', 'dir': str(tmp_path / 'flows')}], out_dir=str(tmp_path / 'out'))
    path = tmp_path / 'flow_paths.json'
    path.write_text(json.dumps(config))
    return {'flows': tmp_path / 'flows', 'out': tmp_path / 'out', 'config_path': str(path), 'config': config}


def aggregate(run_module, host):
    result = run_module(flow_paths.main, {'config_path': host['config_path'], 'pending': True, 'render': True})
    assert not result.failed, result.result['msg']


def verify(run_module, host, **args):
    return run_module(flow_paths_verify.main, dict({'config_path': host['config_path']}, **args))


def failed(result):
    return dict((c['check'], c['problem']) for c in result.result['failed_checks'])


def test_current_slot_without_problems_passes(run_module, host):
    place(host['flows'], STAMP, 'nfcapd.empty')
    aggregate(run_module, host)
    result = verify(run_module, host)
    assert not result.failed and result.result['failed_checks'] == []
    assert [c['check'] for c in result.result['checks']] == [
        'isplab-flow-paths.timer enabled', 'isplab-flow-paths.timer active', 'config valid', 'newest slot current',
        'no unknown routers, interfaces or networks', 'page current']
    assert result.result['summary'] == {'newest_file': STAMP, 'newest_slot': STAMP, 'behind': 0, 'problems': [],
                                        'page': str(host['out'] / 'index.html')}


def test_unknowns_of_the_newest_slot_are_named(run_module, host):
    place(host['flows'], STAMP, 'nfcapd.sample')
    aggregate(run_module, host)
    result = verify(run_module, host, fail_on_error=False)
    assert not result.failed
    problems = failed(result)
    assert list(problems) == ['no unknown routers, interfaces or networks']
    text = problems['no unknown routers, interfaces or networks']
    assert text.startswith('slot %s: ' % STAMP) and text.endswith('; add them to flow_paths_routers / flow_paths_networks')
    for unknown in ('127.0.0.5 exported flows', 'rudo5 exported flows on ifindex 7', '100.64.5.0/26'):
        assert unknown in text
    assert verify(run_module, host).failed


def test_slot_behind_the_flow_files_fails(run_module, host):
    place(host['flows'], STAMP, 'nfcapd.empty')
    aggregate(run_module, host)
    place(host['flows'], '202612031120', 'nfcapd.empty')  # three rotations later, not aggregated
    problems = failed(verify(run_module, host, fail_on_error=False))
    assert problems == {'newest slot current': (
        'the newest slot %s is 3 rotations behind the newest nfcapd file 202612031120 (at most 2 allowed): '
        'read journalctl -u isplab-flow-paths.service' % STAMP)}
    assert failed(verify(run_module, host, fail_on_error=False, max_behind=3)) == {}


def test_stopped_timer_missing_page_and_bad_config_are_named(run_module, host, monkeypatch):
    place(host['flows'], STAMP, 'nfcapd.empty')
    aggregate(run_module, host)
    (host['out'] / 'index.html').unlink()
    monkeypatch.setenv('FAKE_ENABLED', 'disabled')
    monkeypatch.setenv('FAKE_ACTIVE', 'inactive')
    problems = failed(verify(run_module, host, fail_on_error=False))
    assert problems == {
        'isplab-flow-paths.timer enabled': 'isplab-flow-paths.timer is disabled, not enabled: '
                                           'rerun the isplab.infra.flow_paths role (tag flow_paths_timer)',
        'isplab-flow-paths.timer active': 'isplab-flow-paths.timer is inactive, not active: '
                                          'rerun the isplab.infra.flow_paths role (tag flow_paths_timer)',
        'page current': '%s does not exist: the aggregator has not rendered it yet' % (host['out'] / 'index.html'),
    }
    host['config']['routers'][1]['capacity_mbps'] = 0
    with open(host['config_path'], 'w') as handle:
        json.dump(host['config'], handle)
    problems = failed(verify(run_module, host, fail_on_error=False))
    assert problems['config valid'] == '%s: flow_paths_routers[1] (rudo6): capacity_mbps must be a number > 0' % host['config_path']


def test_no_slot_yet(run_module, host):
    place(host['flows'], STAMP, 'nfcapd.empty')
    problems = failed(verify(run_module, host, fail_on_error=False))
    assert problems['newest slot current'] == (
        'no slots in %s: start isplab-flow-paths.service and read its journal' % host['out'])
