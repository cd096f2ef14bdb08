"""Fixtures for the flow integration stage: the IOS-XE twin and a local nfcapd, both on 127.0.0.1.

Run as one stage:  .venv/bin/pytest -m flow_twin tests/integration/flow -q
Every process started here is stopped at fixture teardown, also when a test fails,
and has its own bounded lifetime as a second line of defence.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


# this tree as ansible_collections.isplab.infra (tests/integration/linked_collection.py)
if REPO not in sys.path:
    sys.path.insert(0, REPO)
from tests.integration.linked_collection import on_sys_path  # noqa: E402
from tests.integration.local_nfcapd import LocalNfcapd  # noqa: E402

on_sys_path()

CREDS = {'username': 'lab', 'password': 'Tw1n-pass', 'secret': 'Tw1n-enable'}


def pytest_configure(config):
    config.addinivalue_line('markers', 'flow_twin: IOS-XE twin + local nfcapd integration tests (about 1 minute)')


def _wait_for(path, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if os.path.exists(path):
            return
        time.sleep(0.1)
    raise RuntimeError('%s did not appear within %d s' % (path, timeout))


class Twin:
    def __init__(self, workdir):
        self.workdir = workdir
        self.proc = None
        self.port = None
        self.creds_file = os.path.join(workdir, 'creds.json')
        fd = os.open(self.creds_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, 'w') as handle:
            json.dump(CREDS, handle)

    def start(self, startup_config=None, traffic=None, scale=600, origin=None, lifetime=300):
        port_file = os.path.join(self.workdir, 'port')
        if os.path.exists(port_file):
            os.unlink(port_file)
        argv = [sys.executable, '-m', 'tests.twins.ios_xe.server', '--credentials', self.creds_file,
                '--port-file', port_file, '--lifetime', str(lifetime), '--scale', str(scale),
                '--parent-pid', str(os.getpid()), '--save-to', os.path.join(self.workdir, 'startup-config')]
        if startup_config:
            path = os.path.join(self.workdir, 'startup.in')
            with open(path, 'w') as handle:
                handle.write(startup_config)
            argv += ['--startup-config', path]
        if traffic is not None:
            path = os.path.join(self.workdir, 'traffic.json')
            with open(path, 'w') as handle:
                json.dump(traffic, handle)
            argv += ['--traffic', path]
        if origin is not None:
            argv += ['--origin', str(origin)]
        self.log = open(os.path.join(self.workdir, 'twin.log'), 'a')
        self.proc = subprocess.Popen(argv, cwd=REPO, stdout=self.log, stderr=subprocess.STDOUT)
        _wait_for(port_file)
        with open(port_file) as handle:
            self.port = int(handle.read())
        return self

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None

    def connect(self):
        from netmiko import ConnectHandler
        conn = ConnectHandler(device_type='cisco_xe', host='127.0.0.1', port=self.port, username=CREDS['username'],
                              password=CREDS['password'], secret=CREDS['secret'], fast_cli=False)
        conn.enable()
        return conn


@pytest.fixture
def twin(tmp_path):
    instance = Twin(str(tmp_path))
    yield instance
    instance.stop()


@pytest.fixture
def nfcapd(tmp_path):
    if not shutil.which('nfcapd'):
        pytest.fail('nfcapd is not installed (apt-get install nfdump)')
    instance = LocalNfcapd(str(tmp_path / 'flows'))
    yield instance
    instance.kill()
