"""The collector load stage (issue 18): real nfcapd in a network namespace this stage creates.

Run as one stage:  .venv/bin/pytest -q tests/integration/flow_load   (needs root, ip, nfdump; about 10 s)
"""

import os
import shutil

import pytest

import loadbed

# loadbed puts ansible_collections.isplab.infra (this tree) on sys.path for the tests' imports.
COLLECTIONS = loadbed.collections_root()


def pytest_configure(config):
    config.addinivalue_line('markers', 'flow_load: NetFlow v9 bursts into a real nfcapd in a network namespace (needs root)')


@pytest.fixture(autouse=True)
def _needs_root_and_nfdump():
    missing = [tool for tool in ('ip', 'nfcapd', 'nfdump', 'ss') if not shutil.which(tool)]
    if missing:
        pytest.fail('the load bed needs %s (apt-get install iproute2 nfdump)' % ', '.join(missing))
    if os.geteuid() != 0:
        pytest.fail('the load bed creates a network namespace and needs root')
