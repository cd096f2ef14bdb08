"""Bridge integration tests: namespaces on this host (root) and the netgraph twin.

Run as one stage:  .venv/bin/pytest -q -s -m bridges tests/integration/bridges
"""

import json
import os
import subprocess
import sys

import pytest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..'))
TWIN_DIR = os.path.join(REPO, 'tests', 'twins', 'netgraph')
MODULES = os.path.join(REPO, 'plugins', 'modules')
sys.path.insert(0, os.path.join(REPO, 'build', 'collections'))


def pytest_configure(config):
    config.addinivalue_line('markers', 'bridges: bridge integration tests (root, network namespaces, ngctl twin)')


def pytest_collection_modifyitems(items):
    for item in items:
        item.add_marker(pytest.mark.bridges)


def host_paths(tmp_path, module_name):
    """The host files the modules write, under tmp_path: never /boot/loader.conf or /etc/sysctl.conf here."""
    paths = dict(state_dir=str(tmp_path / 'db'))
    if module_name == 'ng_bridge':
        paths.update(loader_conf=str(tmp_path / 'loader.conf'), sysctl_conf=str(tmp_path / 'sysctl.conf'))
    return paths


class Twin:
    """The ngctl twin with its own state file, plus a way to run this collection's modules against it."""

    def __init__(self, tmp_path, interfaces=()):
        self.tmp_path = tmp_path
        self.env = dict(os.environ, NGCTL_TWIN_STATE=str(tmp_path / 'graph.json'),
                        NGCTL_TWIN_IFACES=','.join(interfaces),
                        PATH=TWIN_DIR + os.pathsep + os.environ['PATH'],
                        PYTHONPATH=os.path.join(REPO, 'build', 'collections'))

    def module(self, module_name, **args):
        args = dict(host_paths(self.tmp_path, module_name), **args)
        args_file = self.tmp_path / ('%s-args.json' % module_name)
        args_file.write_text(json.dumps({'ANSIBLE_MODULE_ARGS': args}))
        proc = subprocess.run([sys.executable, os.path.join(MODULES, module_name + '.py'), str(args_file)],
                              env=self.env, capture_output=True, text=True, timeout=600, check=False)
        return json.loads(proc.stdout)

    def ngctl(self, *argv, stdin=None):
        return self.run('ngctl', *argv, stdin=stdin)

    def run(self, program, *argv, stdin=None):
        """A twin program (ngctl, sysctl, kldload, kldstat) that must succeed; its stdout."""
        proc = subprocess.run([os.path.join(TWIN_DIR, program)] + list(argv), env=self.env, input=stdin,
                              capture_output=True, text=True, timeout=600, check=False)
        assert proc.returncode == 0, proc.stderr
        return proc.stdout


@pytest.fixture
def twin_factory(tmp_path):
    def make(interfaces=(), subdir='twin'):
        path = tmp_path / subdir
        path.mkdir()
        return Twin(path, interfaces)
    return make
