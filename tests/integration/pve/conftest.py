"""The PVE API twin on 127.0.0.1 for pve_verify and proxmoxer, answering from captured real Ceph output.

Run as one stage:  .venv/bin/pytest tests/integration/pve -q   (about 30 s, no VM)
The twin process is stopped at teardown (by its pid), also when a test fails, and has
its own bounded lifetime as a second line of defence.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
SNAPSHOTS = os.path.join(REPO, 'tests', 'unit', 'fixtures', 'ceph')
TOKEN = {'user': 'root@pam', 'token_id': 'isplab', 'secret': '0b9f2c55-6a1e-4d0e-9d6f-1c2b3a4d5e6f'}
# The minimal grant docs/ceph.md recommends: PVEAuditor (for Sys.Audit) on / for the token, not propagated.
AUDITOR_ACL = {'path': '/', 'token': '%s!%s' % (TOKEN['user'], TOKEN['token_id']), 'roles': ['PVEAuditor'],
               'propagate': 0}


class TwinHandle:
    def __init__(self, workdir, port, ca, control_path):
        self.workdir = workdir
        self.port = port
        self.ca = ca
        self.control_path = control_path

    def control(self, snapshot='two_osds', **extra):
        # Tokens are privilege-separated, as on a real PVE: without this ACL every endpoint answers 403.
        data = dict({'snapshot': os.path.join(SNAPSHOTS, snapshot), 'quorate': True, 'acl': [AUDITOR_ACL]},
                    **extra)
        with open(self.control_path + '.tmp', 'w') as handle:
            json.dump(data, handle)
        os.replace(self.control_path + '.tmp', self.control_path)


@pytest.fixture(scope='session')
def twin():
    workdir = tempfile.mkdtemp(prefix='isplab-pve-twin-')
    token_file = os.path.join(workdir, 'token.json')
    with os.fdopen(os.open(token_file, os.O_WRONLY | os.O_CREAT, 0o600), 'w') as handle:
        json.dump(TOKEN, handle)
    control = os.path.join(workdir, 'control.json')
    handle = TwinHandle(workdir, None, os.path.join(workdir, 'ca.pem'), control)
    handle.control()
    port_file = os.path.join(workdir, 'port')
    proc = subprocess.Popen(
        [sys.executable, '-m', 'tests.twins.pve_api.server', '--token-file', token_file, '--control', control,
         '--tls-dir', workdir, '--port-file', port_file, '--lifetime', '600', '--parent-pid', str(os.getpid())],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while not os.path.exists(port_file):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError('PVE twin did not start (rc=%s)' % proc.poll())
            time.sleep(0.1)
        with open(port_file) as fh:
            handle.port = int(fh.read())
        yield handle
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        shutil.rmtree(workdir, ignore_errors=True)
