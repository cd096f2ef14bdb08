# -*- coding: utf-8 -*-
# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The checks of ``cifs_mount_verify``: live mounts and connections against the declaration."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.isplab.infra.plugins.module_utils.cifs_mount.debugdata import (
    is_smb3, parse_debug_data, servers_for)
from ansible_collections.isplab.infra.plugins.module_utils.cifs_mount.declaration import CifsError, unc_of
from ansible_collections.isplab.infra.plugins.module_utils.cifs_mount.kernel import detection_window, kernel_facts
from ansible_collections.isplab.infra.plugins.module_utils.cifs_mount.live import (
    describe_differences, expected_live_options, live_mount, option_differences, options_dict, parse_proc_mounts)
from ansible_collections.isplab.infra.plugins.module_utils.common.checks import CheckList
from ansible_collections.isplab.infra.plugins.module_utils.common.files import read_text

PROC_MOUNTS = '/proc/self/mounts'
DEBUG_DATA = '/proc/fs/cifs/DebugData'


def expected_options(declared):
    """Live options the declaration requires; an omitted version or hard accepts any SMB3 dialect, hard or soft."""
    spec = dict((key, declared.get(key)) for key in ('echo_interval', 'uid', 'gid', 'file_mode', 'dir_mode', 'hard'))
    spec['version'] = declared.get('version') or '3'
    return expected_live_options(spec)


def _check_connection(path, fact, servers, checks, max_reconnects):
    # Still ambiguous when two mounts share server, share and dialect but not the
    # echo interval: report the connection that reconnected most.
    server = max(servers, key=lambda s: s['instance'] or 0)
    fact.update(connection_id=server['connection_id'], connection_ambiguous=len(servers) > 1,
                dialect=server['dialect'], dialect_code=server['dialect_code'],
                instance=server['instance'], tcp_status=server['tcp_status'],
                reconnects=(server['instance'] - 1) if server['instance'] else None)
    checks.expect('%s dialect is SMB3' % path, is_smb3(server['dialect_code']),
                  'negotiated dialect %s is not SMB3' % (server['dialect'],))
    if max_reconnects is not None and fact['reconnects'] is not None:
        checks.expect('%s reconnects' % path, fact['reconnects'] <= max_reconnects,
                      '%d reconnects since the connection was set up, allowed %d' % (
                          fact['reconnects'], max_reconnects))


def _check_detection(path, fact, echo, kernel, checks, max_detection_seconds):
    earliest, latest = detection_window(echo, kernel['multiplier'])
    fact.update(multiplier=kernel['multiplier'], detection_seconds=earliest, detection_latest_seconds=latest)
    if max_detection_seconds is not None:
        checks.expect('%s detection time' % path, latest <= max_detection_seconds,
                      'a dead server is noticed after up to %d s (%d x echo_interval %d, next 7 s read '
                      'timeout), allowed %d' % (latest, kernel['multiplier'], echo, max_detection_seconds))


def _check_mount(declared, live, debug, kernel, checks, limits):
    path = live['target']
    options = options_dict(live['options'])
    fact = {'path': path, 'mounted': True, 'source': live['source'], 'live_options': options}
    if declared.get('server') and declared.get('share'):
        wanted = '//%s/%s' % (declared['server'], declared['share'])
        checks.expect('%s source' % path, unc_of(live['source']) == unc_of(wanted),
                      'mounted from %s, declared %s' % (live['source'], wanted))
    try:
        differences = describe_differences(option_differences(expected_options(declared), live['options']))
    except CifsError as exc:
        differences = ['declaration: declared %s, live ' % exc]
    checks.expect('%s options' % path, not differences, '; '.join(differences))
    echo = int(options['echo_interval']) if options.get('echo_interval', '').isdigit() else None
    fact['echo_interval'] = echo
    servers = servers_for(debug, live['source'], options.get('vers'))
    if checks.expect('%s connection in DebugData' % path, servers,
                     'no server in /proc/fs/cifs/DebugData carries %s' % live['source']):
        _check_connection(path, fact, servers, checks, limits.get('max_reconnects'))
    if echo is not None:
        _check_detection(path, fact, echo, kernel, checks, limits.get('max_detection_seconds'))
    return fact


def verify(declared_mounts, mounts_text, debug_text, kernel, checks, max_detection_seconds=None,
           max_reconnects=None):
    """Run the checks; returns the per-mount facts.  Pure, so unit tests feed captured /proc text."""
    live_mounts = parse_proc_mounts(mounts_text)
    debug = parse_debug_data(debug_text or '')
    limits = {'max_detection_seconds': max_detection_seconds, 'max_reconnects': max_reconnects}
    facts = []
    for declared in declared_mounts:
        path = declared['path'].rstrip('/') or '/'
        live = live_mount(live_mounts, path)
        if checks.expect('%s mounted' % path, live, 'no cifs mount at %s' % path):
            facts.append(_check_mount(declared, live, debug, kernel, checks, limits))
        else:
            facts.append({'path': path, 'mounted': False})
    return facts


def run(module):
    """The module's work on the host: trigger automounts, read /proc, check and exit."""
    params = module.params
    for declared in params['mounts']:
        if declared['automount']:
            try:
                os.listdir(declared['path'])
            except OSError:
                pass  # reported by the "mounted" check
    try:
        kernel = kernel_facts(params['dead_server_multiplier'])
    except CifsError as exc:
        module.fail_json(msg=str(exc), commands=[])
    checks = CheckList()
    facts = verify(params['mounts'], read_text(PROC_MOUNTS), read_text(DEBUG_DATA, default=None), kernel, checks,
                   params['max_detection_seconds'], params['max_reconnects'])
    checks.exit(module, fail_on_error=params['fail_on_error'], changed=False, kernel=kernel, mounts=facts,
                commands=[])
