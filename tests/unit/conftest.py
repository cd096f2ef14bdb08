"""Make ``ansible_collections.isplab.infra`` importable from the working tree."""

import os
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _collection_root():
    root = os.path.join(tempfile.gettempdir(), 'isplab-unit-collections')
    link_dir = os.path.join(root, 'ansible_collections', 'isplab')
    link = os.path.join(link_dir, 'infra')
    os.makedirs(link_dir, exist_ok=True)
    if os.path.islink(link) and os.readlink(link) != REPO:
        os.unlink(link)
    if not os.path.lexists(link):
        os.symlink(REPO, link)
    return root


_root = _collection_root()
if _root not in sys.path:
    sys.path.insert(0, _root)
