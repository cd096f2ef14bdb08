# -*- coding: utf-8 -*-
# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The running kernel: how long the cifs client takes to declare a dead server."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

import os

from ansible_collections.isplab.infra.plugins.module_utils.cifs_mount.declaration import CifsError
from ansible_collections.isplab.infra.plugins.module_utils.common.files import read_text

VERSION_SIGNATURE = '/proc/version_signature'

# The demultiplex thread only checks for a dead server when a socket read
# times out; fs/cifs/connect.c sets sk_rcvtimeo = 7 * HZ, so the reconnect
# happens at the first 7 s tick after the deadline.
SOCKET_READ_TIMEOUT = 7

# Upstream f2caf901c1b7 ("cifs: Fix a race condition with cifs_echo_request")
# raised the dead-server deadline from 2 to 3 echo intervals.  Mainline 5.3;
# stable backports: first release of each branch that carries it.
FIX_MAINLINE = (5, 3)
FIX_STABLE = {
    (5, 2): (5, 2, 7),      # queued 2019-08-05 ("5.2 031/131")
    (4, 19): (4, 19, 65),   # queued 2019-08-05 ("4.19 17/74")
    (4, 9): (4, 9, 224),    # queued 2020-05-15 (backport by H. Schild)
    (4, 4): (4, 4, 224),    # queued 2020-05-18 ("4.4 42/86")
}

_VERSION_RE = re.compile(r'(\d+)\.(\d+)(?:\.(\d+))?')


def _triple(text):
    match = _VERSION_RE.search(text or '')
    if not match:
        return None
    return (int(match.group(1)), int(match.group(2)), int(match.group(3) or 0))


def upstream_kernel_version(release, version='', signature=''):
    """The upstream version a kernel is built from, and where it was read.

    ``uname -r`` is not enough on distributions: Debian's 6.1.0-27-amd64 is
    upstream 6.1.115 (``uname -v``: "... Debian 6.1.115-1 ..."), Ubuntu puts
    it last in /proc/version_signature ("Ubuntu 5.4.0-42.46-generic 5.4.44").
    """
    if signature:
        parts = signature.split()
        if parts and _triple(parts[-1]):
            return _triple(parts[-1]), 'version_signature'
    match = re.search(r'Debian (\d+\.\d+(?:\.\d+)?)', version or '')
    if match:
        return _triple(match.group(1)), 'uname -v (Debian)'
    triple = _triple(release)
    if triple is None:
        raise CifsError('cannot read a kernel version from %r' % (release,))
    return triple, 'uname -r'


def dead_server_multiplier(upstream):
    """(multiplier, reason): 3 when the kernel has f2caf901c1b7, else 2."""
    major_minor = upstream[:2]
    text = '.'.join(str(p) for p in upstream)
    if major_minor >= FIX_MAINLINE:
        return 3, '%s >= 5.3 (fix f2caf901c1b7 is in mainline since 5.3)' % text
    first = FIX_STABLE.get(major_minor)
    if first and upstream >= first:
        return 3, '%s >= %s (stable backport of f2caf901c1b7)' % (text, '.'.join(str(p) for p in first))
    if first:
        return 2, '%s < %s (stable backport of f2caf901c1b7 not included)' % (
            text, '.'.join(str(p) for p in first))
    return 2, '%s: branch %d.%d never received f2caf901c1b7' % (text, major_minor[0], major_minor[1])


def detection_window(echo_interval, multiplier):
    """(earliest, latest) seconds after the last server response until the client gives up."""
    deadline = multiplier * echo_interval
    # First socket read timeout strictly after the deadline.
    latest = (deadline // SOCKET_READ_TIMEOUT + 1) * SOCKET_READ_TIMEOUT
    return deadline, latest


def kernel_facts(override=None):
    """The running kernel, its upstream version and the dead-server multiplier (``override`` wins)."""
    uname = os.uname()
    upstream, source = upstream_kernel_version(uname[2], uname[3], read_text(VERSION_SIGNATURE))
    multiplier, reason = dead_server_multiplier(upstream)
    if override:
        multiplier, reason = override, 'set by dead_server_multiplier (derived: %d, %s)' % (multiplier, reason)
    return {'release': uname[2], 'upstream_version': '.'.join(str(p) for p in upstream),
            'version_source': source, 'multiplier': multiplier, 'reason': reason}
