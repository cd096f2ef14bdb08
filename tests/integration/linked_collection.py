"""Makes this tree importable as ``ansible_collections.isplab.infra`` for the integration stages.

Same layout as tests/unit/conftest.py: <tmp>/isplab-unit-collections/ansible_collections/isplab/infra -> the tree.
"""

import os
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def collections_root():
    root = os.path.join(tempfile.gettempdir(), 'isplab-unit-collections')
    link_dir = os.path.join(root, 'ansible_collections', 'isplab')
    os.makedirs(link_dir, exist_ok=True)
    link = os.path.join(link_dir, 'infra')
    if os.path.islink(link) and os.readlink(link) != REPO:
        os.unlink(link)
    if not os.path.lexists(link):
        os.symlink(REPO, link)
    return root


def on_sys_path():
    """Puts the collections root and the tree itself on sys.path (once)."""
    for path in (REPO, collections_root()):
        if path not in sys.path:
            sys.path.insert(0, path)
