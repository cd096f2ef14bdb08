"""Makes ``ansible_collections.isplab.infra`` importable from the working tree (tests/integration/linked_collection.py)."""

import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
ARTIFACTS = os.path.join(REPO, 'build', 'test-artifacts', 'report')

if REPO not in sys.path:
    sys.path.insert(0, REPO)
from tests.integration.linked_collection import collections_root, on_sys_path  # noqa: E402

on_sys_path()
COLLECTIONS = collections_root()
if os.path.dirname(os.path.abspath(__file__)) not in sys.path:
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
