"""Makes this tree importable as ``ansible_collections.isplab.infra`` for the unit and integration tests.

<tmp>/isplab-collections-<hash of this tree's path>/ansible_collections/isplab/infra -> the tree. The directory
is per checkout: two checkouts testing at once (CI's clone and a working tree) never see each other's code,
and a link left by a checkout that is gone is not reused.
"""

import hashlib
import os
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def collections_root():
    digest = hashlib.sha1(REPO.encode()).hexdigest()[:12]
    root = os.path.join(tempfile.gettempdir(), 'isplab-collections-' + digest)
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
