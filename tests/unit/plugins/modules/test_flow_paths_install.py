"""flow_paths_install end to end on a temporary lib dir, owned by the test's user instead of root."""

import os

import pytest

from ansible_collections.isplab.infra.plugins.module_utils.flow_paths import install
from ansible_collections.isplab.infra.plugins.modules import flow_paths_install

PKG = 'ansible_collections/isplab/infra/plugins/module_utils'


@pytest.fixture
def lib(tmp_path, monkeypatch):
    monkeypatch.setattr(flow_paths_install, 'OWNER', (os.getuid(), os.getgid()))
    return tmp_path / 'lib'


def tree(path):
    return sorted(str(p.relative_to(path)) for p in path.rglob('*')) if path.exists() else []


def test_check_mode_reports_and_writes_nothing(lib, run_module):
    result = run_module(flow_paths_install.main, {'lib_dir': str(lib), '_ansible_check_mode': True, '_ansible_diff': True})
    assert not result.failed and result.result['changed']
    assert set(result.result['files']) <= set(result.result['files_changed']) and './' in result.result['files_changed']
    assert result.result['diff']['before'] == {'files': ''}
    assert (PKG + '/flow_paths/cli.py ') in result.result['diff']['after']['files']
    assert result.result['commands'] == [] and tree(lib) == []


def test_installs_once_then_changes_nothing(lib, run_module):
    first = run_module(flow_paths_install.main, {'lib_dir': str(lib)}).result
    assert first['changed'] and first['files_removed'] == []
    assert sorted(first['files']) == sorted(p for p in tree(lib) if p.endswith('.py'))
    assert (lib / PKG / 'flow_paths' / 'cli.py').stat().st_mode & 0o777 == 0o644
    second = run_module(flow_paths_install.main, {'lib_dir': str(lib), '_ansible_diff': True}).result
    assert not second['changed'] and second['files_changed'] == [] and second['files_removed'] == []
    assert second['diff']['before'] == second['diff']['after']


def test_a_stale_module_and_a_changed_file_are_the_only_changes(lib, run_module):
    run_module(flow_paths_install.main, {'lib_dir': str(lib)})
    (lib / PKG / 'common' / 'fstab.py').write_text('')
    store = lib / PKG / 'flow_paths' / 'store.py'
    store.write_text('raise SystemExit(1)\n')
    check = run_module(flow_paths_install.main, {'lib_dir': str(lib), '_ansible_check_mode': True}).result
    assert check['files_changed'] == [PKG + '/flow_paths/store.py'] and check['files_removed'] == [PKG + '/common/fstab.py']
    assert store.read_text() == 'raise SystemExit(1)\n'
    done = run_module(flow_paths_install.main, {'lib_dir': str(lib)}).result
    assert done['changed'] and done['files_changed'] == check['files_changed']
    assert not (lib / PKG / 'common' / 'fstab.py').exists() and 'def load_slot' in store.read_text()


def test_an_aggregator_that_needs_ansible_fails_before_writing(lib, run_module, monkeypatch):
    real = install.find_source

    def find(name):
        found = real(name)
        if name.endswith('.flow_paths.rows'):
            return found[0], found[1] + b'\nfrom ansible.module_utils.basic import AnsibleModule\n'
        return found

    monkeypatch.setattr(install, 'find_source', find)
    result = run_module(flow_paths_install.main, {'lib_dir': str(lib)})
    assert result.failed and result.result['commands'] == []
    assert result.result['msg'].startswith('%s.flow_paths.rows imports ansible.module_utils.basic, which the collector '
                                           'timer cannot load' % install.ROOT)
    assert tree(lib) == []


def test_a_lib_dir_that_cannot_be_created_fails_with_the_fix(lib, run_module):
    lib.parent.mkdir(exist_ok=True)
    lib.write_text('a file where the directory belongs')
    result = run_module(flow_paths_install.main, {'lib_dir': str(lib)})
    assert result.failed and result.result['msg'].startswith('cannot install the aggregator below %s: ' % lib)
    assert 'run the task as root (become: true)' in result.result['msg']
