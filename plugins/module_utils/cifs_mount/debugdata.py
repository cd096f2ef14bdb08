# -*- coding: utf-8 -*-
# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The kernel's /proc/fs/cifs/DebugData: connections, negotiated dialect and reconnect counter."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.isplab.infra.plugins.module_utils.cifs_mount.declaration import unc_of

DIALECTS = {
    0x0202: '2.0.2', 0x0210: '2.1', 0x0300: '3.0', 0x0302: '3.0.2', 0x0311: '3.1.1',
}

# /proc/mounts prints vers=3.02 for dialect 0x302.
_DIALECT_OF_VERS = {'3.02': '3.0.2'}

_SERVER_RE = re.compile(r'^(\d+)\) ConnectionId: (0x[0-9a-fA-F]+)(?: Hostname: (\S+))?')
_DIALECT_RE = re.compile(r'Dialect (0x[0-9a-fA-F]+)')
_STATUS_RE = re.compile(r'TCP status: (\d+) Instance: (\d+)')
_SHARE_RE = re.compile(r'^\s*\d+\) (?:IPC: )?(\\\\\S+)')


def dialect_name(code):
    return DIALECTS.get(code, '0x%x' % code)


def parse_debug_data(text):
    """Servers of /proc/fs/cifs/DebugData: dialect, reconnect Instance, TCP status and shares.

    Format of fs/cifs/cifs_debug.c (Linux 5.x/6.x): one block per server
    starting ``N) ConnectionId: 0x.. Hostname: host``, with ``Dialect 0x311``,
    ``TCP status: 1 Instance: 1`` and a ``Shares:`` list of ``\\\\host\\share``.
    The Instance counter starts at 1 and grows by one per reconnect.
    """
    header = {}
    servers = []
    current = None
    for line in text.splitlines():
        if current is None and line.startswith('CIFS Version'):
            header['cifs_version'] = line.split('CIFS Version', 1)[1].strip()
        match = _SERVER_RE.match(line)
        if match:
            current = {'index': int(match.group(1)), 'connection_id': match.group(2),
                       'hostname': match.group(3), 'dialect_code': None, 'dialect': None,
                       'tcp_status': None, 'instance': None, 'shares': []}
            servers.append(current)
            continue
        if current is None:
            continue
        match = _DIALECT_RE.search(line)
        if match and current['dialect_code'] is None:
            code = int(match.group(1), 16)
            current['dialect_code'] = '0x%x' % code
            current['dialect'] = dialect_name(code)
        match = _STATUS_RE.search(line)
        if match and current['instance'] is None:
            current['tcp_status'] = int(match.group(1))
            current['instance'] = int(match.group(2))
        match = _SHARE_RE.match(line)
        if match and 'ConnectionId' not in line:
            share = match.group(1)
            if not share.upper().endswith('\\IPC$') and share not in current['shares']:
                current['shares'].append(share)
    header['servers'] = servers
    return header


def servers_for(debug, source, vers=None):
    """DebugData servers that carry the share mounted from ``source`` (//host/share).

    Mounts of one share with different echo_interval or vers get separate
    connections, and DebugData prints no echo interval; the negotiated dialect
    (``vers=`` in /proc/mounts) narrows the match.
    """
    unc = unc_of(source)
    servers = [s for s in debug['servers'] if any(share.lower() == unc for share in s['shares'])]
    if vers:
        same_dialect = [s for s in servers if s['dialect'] == _DIALECT_OF_VERS.get(vers, vers)]
        if same_dialect:
            return same_dialect
    return servers


def is_smb3(dialect_code):
    return dialect_code is not None and int(dialect_code, 16) >= 0x300
