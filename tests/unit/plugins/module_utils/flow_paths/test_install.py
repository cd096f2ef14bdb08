"""The timer's copy of the aggregator: the file list follows the cli's imports, and the installed tree runs alone.

The end-to-end tests run the installed cli on the system python3 in isolated mode without site-packages
(``-I -S``: no Ansible, no PYTHONPATH) against the REAL nfcapd file of capture.py (see fixtures/flow_paths/README.md)
and the real nfdump.
"""

import json
import os
import shutil
import subprocess

import pytest

from ansible_collections.isplab.infra.plugins.module_utils.flow_paths import install
from conftest import fixture_path

SYSTEM_PYTHON = '/usr/bin/python3'
PKG = 'ansible_collections/isplab/infra/plugins/module_utils'
ME = (os.getuid(), os.getgid())
# Runs the cli as `python3 -m` would, with only the lib dir added to the standard library's path.
RUN_CLI = ('import runpy, sys; sys.path.insert(0, sys.argv.pop(1)); '
           'runpy.run_module("%s", run_name="__main__", alter_sys=True)' % install.ENTRY)
needs_host = pytest.mark.skipif(shutil.which('nfdump') is None or not os.path.exists(SYSTEM_PYTHON),
                                reason='needs the real nfdump and the system python3')


class Host:
    """What write_text needs from AnsibleModule."""

    check_mode = False

    @staticmethod
    def atomic_move(src, dest):
        os.replace(src, dest)


def install_tree(lib, files=None):
    files = install.required_files() if files is None else files
    install.apply(Host(), str(lib), files, install.pending(str(lib), files, ME), install.stale(str(lib), files), ME)
    return files


@pytest.fixture
def bed(tables, scenario, tmp_path):
    day = tmp_path / 'flows' / scenario['stamp'][:4] / scenario['stamp'][4:6] / scenario['stamp'][6:8]
    day.mkdir(parents=True)
    shutil.copyfile(fixture_path('nfcapd.sample'), str(day / ('nfcapd.' + scenario['stamp'])))
    tables.update(flow_dirs=[{'ident': 'edge1', 'dir': str(tmp_path / 'flows')}], out_dir=str(tmp_path / 'out'),
                  lifetime_days=36500)  # the fixture's stamp must not expire whenever the test runs
    config = tmp_path / 'flow_paths.json'
    config.write_text(json.dumps(tables))
    return {'config': str(config), 'stamp': scenario['stamp'], 'out': tmp_path / 'out', 'lib': tmp_path / 'lib'}


def run_cli(bed):
    argv = [SYSTEM_PYTHON, '-I', '-S', '-c', RUN_CLI, str(bed['lib']), '--config', bed['config'],
            '--stamp', bed['stamp'], '--render']
    return subprocess.run(argv, env={'PATH': os.environ['PATH']}, cwd=str(bed['lib'].parent), capture_output=True,
                          text=True, check=False, timeout=60)


@needs_host
def test_installed_tree_runs_the_cli_on_the_standard_library_alone(bed):
    install_tree(bed['lib'])
    proc = run_cli(bed)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith('slot %s: ' % bed['stamp'])
    assert 'DHCP rudo5 8220 3320 94' in (bed['out'] / 'slots' / (bed['stamp'] + '.txt')).read_text().splitlines()
    assert bed['stamp'] in (bed['out'] / 'index.html').read_text()


@needs_host
def test_every_installed_module_is_needed(bed):
    files = install_tree(bed['lib'])
    modules = sorted(rel for rel in files if files[rel])  # the empty package markers are only markers
    assert PKG + '/flow_paths/cli.py' in modules and PKG + '/flow_paths/page_script.py' in modules
    for rel in modules:
        path = bed['lib'] / rel
        kept = path.read_bytes()
        path.unlink()
        try:
            assert run_cli(bed).returncode != 0, '%s is installed but the cli runs without it' % rel
        finally:
            path.write_bytes(kept)


def test_files_are_the_collection_sources_under_their_package_paths():
    files = install.required_files()
    repo = os.path.abspath(os.path.join(os.path.dirname(install.__file__), '..', '..', '..'))
    for rel, data in files.items():
        if data:
            with open(os.path.join(repo, rel[len('ansible_collections/isplab/infra/'):]), 'rb') as handle:
                assert handle.read() == data, rel
    markers = ['ansible_collections', 'ansible_collections/isplab', 'ansible_collections/isplab/infra',
               'ansible_collections/isplab/infra/plugins', PKG, PKG + '/common', PKG + '/flow_paths']
    assert set(rel for rel in files if rel.endswith('/__init__.py')) == set(m + '/__init__.py' for m in markers)
    # helpers of other modules that the aggregator does not import stay out
    assert PKG + '/common/checks.py' not in files and PKG + '/flow_paths/install.py' not in files


def fake_finder(sources):
    def find(name):
        for rel, is_package in ((name.replace('.', '/') + '.py', False), (name.replace('.', '/') + '/__init__.py', True)):
            if rel in sources:
                return rel, sources[rel].encode()
        return None
    return find


def test_imports_are_followed_through_packages_submodules_and_relative_imports():
    root = install.ROOT.replace('.', '/')
    sources = {
        root + '/a/__init__.py': 'from . import c\n',
        root + '/a/main.py': ('from __future__ import annotations\nimport json\n'
                              'from %s.a.b import helper\nfrom %s.a import d\n'
                              'def late():\n    from ..z import zed\n' % (install.ROOT, install.ROOT)),
        root + '/a/b.py': 'def helper():\n    pass\n',
        root + '/a/c.py': '',
        root + '/a/d.py': 'import %s.a.b\n' % install.ROOT,
        root + '/z/__init__.py': 'zed = 1\n',
        root + '/a/unused.py': '',
    }
    files = install.required_files(entry=install.ROOT + '.a.main', find=fake_finder(sources))
    assert sorted(rel for rel in files if rel.startswith(root + '/') and rel != root + '/__init__.py') == sorted(
        rel for rel in sources if not rel.endswith('unused.py'))
    assert files[root + '/__init__.py'] == b''
    assert files['ansible_collections/isplab/infra/__init__.py'] == b''
    assert files[root + '/a/__init__.py'] == b'from . import c\n'


@pytest.mark.parametrize('line, culprit', [
    ('from ansible.module_utils.basic import AnsibleModule', 'ansible.module_utils.basic'),
    ('import ansible_collections.community.general.plugins.module_utils.x', 'ansible_collections.community.general'),
    ('import yaml', 'yaml'),
])
def test_an_import_the_timer_cannot_load_is_refused(line, culprit):
    root = install.ROOT.replace('.', '/')
    find = fake_finder({root + '/a/main.py': 'import os\n' + line + '\n'})
    with pytest.raises(install.InstallError) as exc:
        install.required_files(entry=install.ROOT + '.a.main', find=find)
    assert str(exc.value).startswith('%s.a.main imports %s' % (install.ROOT, culprit))
    assert 'standard library only' in str(exc.value)


def test_a_module_missing_from_the_payload_is_refused():
    with pytest.raises(install.InstallError) as exc:
        install.required_files(entry=install.ROOT + '.a.gone', find=fake_finder({}))
    assert 'must import %s.a.gone so AnsiballZ ships its imports' % install.ROOT in str(exc.value)


def test_only_what_differs_is_written_and_stale_modules_go(tmp_path):
    lib = tmp_path / 'lib'
    files = install.required_files()
    first = install.pending(str(lib), files, ME)
    assert first[0] == './' and set(files) <= set(first)
    install_tree(lib, files)
    assert install.pending(str(lib), files, ME) == [] and install.stale(str(lib), files) == []
    rows = lib / PKG / 'flow_paths' / 'rows.py'
    rows.write_text(rows.read_text() + '# local edit\n')
    (lib / PKG / 'common' / 'runner.py').chmod(0o600)
    (lib / PKG / 'common').chmod(0o700)
    (lib / PKG / 'common' / 'checks.py').write_text('')  # left by the copy of every common/*.py
    (lib / PKG / 'flow_paths' / 'notes.txt').write_text('')  # not a module: left alone
    before = install.listing(str(lib), list(files) + install.stale(str(lib), files))
    assert install.pending(str(lib), files, ME) == [PKG + '/common/', PKG + '/common/runner.py', PKG + '/flow_paths/rows.py']
    assert install.stale(str(lib), files) == [PKG + '/common/checks.py']
    assert PKG + '/common/runner.py %s 0600' % install.digest(files[PKG + '/common/runner.py']) in before
    install_tree(lib, files)
    assert install.pending(str(lib), files, ME) == [] and install.stale(str(lib), files) == []
    assert not (lib / PKG / 'common' / 'checks.py').exists() and (lib / PKG / 'flow_paths' / 'notes.txt').exists()
    assert install.listing(str(lib), files) == install.planned_listing(files, ME)
    assert oct((lib / PKG / 'common').stat().st_mode & 0o777) == '0o755'
