# -*- coding: utf-8 -*-
# Copyright: isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading and atomically replacing files on the managed host."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import stat
import tempfile


def read_text(path, default=''):
    """The file's text, or ``default`` when it cannot be read (missing file, no permission)."""
    try:
        with open(path) as handle:
            return handle.read()
    except (IOError, OSError):
        return default


def write_text(module, path, text, mode=None):
    """Replace ``path`` atomically, so a crash leaves the old or the new file, never half of one.

    The data is fsynced before the rename: after a power cut the new name never points at an empty file; the
    directory after it: until then a power cut brings the old file back (the crash matrix lost lvm.conf's
    new filter that way, seconds after the write). ``mode`` defaults to the mode of the file being replaced,
    0644 for a new file.
    """
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        os.makedirs(directory)
    if mode is None:
        mode = stat.S_IMODE(os.stat(path).st_mode) if os.path.exists(path) else 0o644
    fd, tmp = tempfile.mkstemp(dir=directory, prefix='.%s.isplab-' % os.path.basename(path))
    try:
        with os.fdopen(fd, 'w') as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
    except BaseException:
        os.unlink(tmp)
        raise
    module.atomic_move(tmp, path)
    fsync_directory(directory)


def fsync_directory(directory):
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def update_text(module, path, text, mode=None):
    """Write ``text`` when it differs from the file; True when it changed (or would, in check mode)."""
    if read_text(path, default=None) == text:
        return False
    if not module.check_mode:
        write_text(module, path, text, mode)
    return True
