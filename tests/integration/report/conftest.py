"""Makes ``ansible_collections.isplab.infra`` importable from the working tree (as tests/unit/conftest.py)."""

import os
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
ARTIFACTS = os.path.join(REPO, 'build', 'test-artifacts', 'report')

COLLECTIONS = _root = os.path.join(tempfile.gettempdir(), 'isplab-report-collections')
_link = os.path.join(_root, 'ansible_collections', 'isplab', 'infra')
os.makedirs(os.path.dirname(_link), exist_ok=True)
if not os.path.lexists(_link):
    os.symlink(REPO, _link)
for path in (_root, os.path.dirname(os.path.abspath(__file__))):
    if path not in sys.path:
        sys.path.insert(0, path)
