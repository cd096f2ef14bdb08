"""Make ``ansible_collections.isplab.infra`` importable from the working tree."""

import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if REPO not in sys.path:
    sys.path.insert(0, REPO)
from tests.integration.linked_collection import on_sys_path  # noqa: E402

on_sys_path()
