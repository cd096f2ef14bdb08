#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: cifs_mount_verify
short_description: Check live CIFS mounts against their declaration and report how fast a dead server is detected
version_added: "0.1.0"
description:
  - Reads C(/proc/self/mounts) and C(/proc/fs/cifs/DebugData) and checks, per declared mount, that it is
    mounted from the declared share, that the live C(echo_interval) and options match, and that the
    negotiated dialect is SMB3.
  - Reports the reconnect C(Instance) counter of the connection, the kernel's dead-server multiplier
    (3 with upstream fix f2caf901c1b7, 2 before) and the resulting detection time.
  - Changes nothing. For O(mounts[].automount=true) it lists the mount point first, which triggers the
    systemd automount.
author: isplab.infra contributors (@isplab)
options:
  mounts:
    description: The declared mounts.
    type: list
    elements: dict
    required: true
    suboptions:
      path:
        description: Mount point.
        type: path
        required: true
      server:
        description: Expected server (compared with the mount source).
        type: str
      share:
        description: Expected share.
        type: str
      version:
        description: Expected C(vers=); V(3) or omitted accepts any SMB3 dialect.
        type: str
        choices: ["3", "3.0", "3.02", "3.1.1"]
      echo_interval:
        description: Expected echo interval in seconds.
        type: int
        default: 60
      uid:
        description: Expected C(uid=).
        type: int
      gid:
        description: Expected C(gid=).
        type: int
      file_mode:
        description: Expected C(file_mode=) (octal).
        type: str
      dir_mode:
        description: Expected C(dir_mode=) (octal).
        type: str
      hard:
        description: Expected C(hard) (true) or C(soft) (false); omitted accepts either.
        type: bool
      automount:
        description: The mount is a systemd automount; access it before checking.
        type: bool
        default: false
  max_detection_seconds:
    description: Fail when the client may take longer than this to declare a dead server (worst case, see RV(mounts[].detection_latest_seconds)).
    type: int
  max_reconnects:
    description: Fail when a connection reconnected more often than this since it was established.
    type: int
  dead_server_multiplier:
    description:
      - Override the multiplier derived from the kernel version, for vendor kernels that carry the fix
        under an older version number.
    type: int
    choices: [2, 3]
  fail_on_error:
    description: Fail the task when a check fails (otherwise report only).
    type: bool
    default: true
extends_documentation_fragment:
  - isplab.infra.attributes.verifier
attributes:
  platform:
    platforms: posix
    support: full
    description: Linux with the cifs kernel client; reading DebugData needs root.
'''

EXAMPLES = r'''
- name: Verify the backup mount and that a dead server is noticed within 3 minutes
  isplab.infra.cifs_mount_verify:
    mounts:
      - path: /srv/backup
        server: files.example.net
        share: backup
        version: "3.1.1"
        echo_interval: 60
        hard: true
    max_detection_seconds: 190
'''

RETURN = r'''
kernel:
  description: The running kernel and the dead-server multiplier derived from it.
  type: dict
  returned: always
  sample: {"release": "6.1.0-27-amd64", "upstream_version": "6.1.115", "version_source": "uname -v (Debian)",
           "multiplier": 3, "reason": "6.1.115 >= 5.3 (fix f2caf901c1b7 is in mainline since 5.3)"}
mounts:
  description: Per declared mount, what the kernel shows.
  type: list
  elements: dict
  returned: always
  contains:
    path: {description: Mount point., type: str}
    mounted: {description: A cifs mount is at the path., type: bool}
    source: {description: Live mount source., type: str}
    live_options: {description: Live options from /proc/mounts (flags map to null)., type: dict}
    echo_interval: {description: Live echo interval (s)., type: int}
    connection_id: {description: DebugData ConnectionId of the connection the figures come from., type: str}
    connection_ambiguous:
      description: Several connections carry this share with the same dialect; the one with the highest Instance is reported.
      type: bool
    dialect: {description: Negotiated dialect (e.g. 3.1.1)., type: str}
    instance: {description: Reconnect Instance counter of the connection (1 = never reconnected)., type: int}
    reconnects: {description: Instance - 1., type: int}
    multiplier: {description: Dead-server multiplier., type: int}
    detection_seconds: {description: "multiplier x echo_interval: the deadline the kernel logs.", type: int}
    detection_latest_seconds:
      description: The deadline rounded up to the next 7 s socket read timeout, when the check actually runs.
      type: int
checks:
  description: Every check with C(ok) and, when failed, C(problem).
  type: list
  elements: dict
  returned: always
failed_checks:
  description: The failed checks.
  type: list
  elements: dict
  returned: always
commands:
  description: Commands run (none; the module reads /proc only).
  type: list
  elements: str
  returned: always
'''

import os

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.isplab.infra.plugins.module_utils.cifs_mount import cifs
from ansible_collections.isplab.infra.plugins.module_utils.common.checks import CheckList

PROC_MOUNTS = '/proc/self/mounts'
DEBUG_DATA = '/proc/fs/cifs/DebugData'
VERSION_SIGNATURE = '/proc/version_signature'


def _read(path):
    try:
        with open(path) as handle:
            return handle.read()
    except (IOError, OSError):
        return None


def kernel_facts(override=None):
    uname = os.uname()
    upstream, source = cifs.upstream_kernel_version(uname[2], uname[3], _read(VERSION_SIGNATURE) or '')
    multiplier, reason = cifs.dead_server_multiplier(upstream)
    if override:
        multiplier, reason = override, 'set by dead_server_multiplier (derived: %d, %s)' % (multiplier, reason)
    return {'release': uname[2], 'upstream_version': '.'.join(str(p) for p in upstream),
            'version_source': source, 'multiplier': multiplier, 'reason': reason}


def expected_options(declared):
    spec = {'version': declared.get('version') or '3', 'echo_interval': declared['echo_interval'],
            'uid': declared.get('uid'), 'gid': declared.get('gid'),
            'file_mode': declared.get('file_mode'), 'dir_mode': declared.get('dir_mode'),
            'hard': declared.get('hard')}
    expected = cifs.expected_live_options(spec)
    if declared.get('hard') is None:
        expected.pop('hard', None)
        expected.pop('soft', None)
    return expected


def verify(declared_mounts, mounts_text, debug_text, kernel, checks, max_detection_seconds=None,
           max_reconnects=None):
    """Run the checks; returns the per-mount facts.  Pure, so unit tests feed captured /proc text."""
    live_mounts = cifs.parse_proc_mounts(mounts_text)
    debug = cifs.parse_debug_data(debug_text or '')
    facts = []
    for declared in declared_mounts:
        path = declared['path'].rstrip('/') or '/'
        live = cifs.live_mount(live_mounts, path)
        fact = {'path': path, 'mounted': bool(live)}
        facts.append(fact)
        if not checks.expect('%s mounted' % path, live, 'no cifs mount at %s' % path):
            continue
        options = cifs.options_dict(live['options'])
        fact.update(source=live['source'], live_options=options)
        if declared.get('server') and declared.get('share'):
            wanted = '//%s/%s' % (declared['server'], declared['share'])
            checks.expect('%s source' % path, cifs.unc_of(live['source']) == cifs.unc_of(wanted),
                          'mounted from %s, declared %s' % (live['source'], wanted))
        try:
            differences = cifs.option_differences(expected_options(declared), live['options'])
        except cifs.CifsError as exc:
            differences = [('declaration', str(exc), '')]
        checks.expect('%s options' % path, not differences,
                      '; '.join('%s: declared %s, live %s' % (k, 'set' if want is None else want, have)
                                for k, want, have in differences))
        echo = int(options['echo_interval']) if options.get('echo_interval', '').isdigit() else None
        fact['echo_interval'] = echo
        servers = cifs.servers_for(debug, live['source'], options.get('vers'))
        if checks.expect('%s connection in DebugData' % path, servers,
                         'no server in /proc/fs/cifs/DebugData carries %s' % live['source']):
            # Still ambiguous when two mounts share server, share and dialect but not the
            # echo interval: report the connection that reconnected most.
            server = max(servers, key=lambda s: s['instance'] or 0)
            fact.update(connection_id=server['connection_id'], connection_ambiguous=len(servers) > 1,
                        dialect=server['dialect'], dialect_code=server['dialect_code'],
                        instance=server['instance'], tcp_status=server['tcp_status'],
                        reconnects=(server['instance'] - 1) if server['instance'] else None)
            checks.expect('%s dialect is SMB3' % path, cifs.is_smb3(server['dialect_code']),
                          'negotiated dialect %s is not SMB3' % (server['dialect'],))
            if max_reconnects is not None and fact['reconnects'] is not None:
                checks.expect('%s reconnects' % path, fact['reconnects'] <= max_reconnects,
                              '%d reconnects since the connection was set up, allowed %d' % (
                                  fact['reconnects'], max_reconnects))
        if echo is not None:
            earliest, latest = cifs.detection_window(echo, kernel['multiplier'])
            fact.update(multiplier=kernel['multiplier'], detection_seconds=earliest,
                        detection_latest_seconds=latest)
            if max_detection_seconds is not None:
                checks.expect('%s detection time' % path, latest <= max_detection_seconds,
                              'a dead server is noticed after up to %d s (%d x echo_interval %d, next 7 s read '
                              'timeout), allowed %d' % (latest, kernel['multiplier'], echo, max_detection_seconds))
    return facts


def main():
    module = AnsibleModule(
        argument_spec=dict(
            mounts=dict(type='list', elements='dict', required=True, options=dict(
                path=dict(type='path', required=True),
                server=dict(type='str'),
                share=dict(type='str'),
                version=dict(type='str', choices=list(cifs.SMB3_VERSIONS)),
                echo_interval=dict(type='int', default=cifs.DEFAULT_ECHO_INTERVAL),
                uid=dict(type='int'),
                gid=dict(type='int'),
                file_mode=dict(type='str'),
                dir_mode=dict(type='str'),
                hard=dict(type='bool'),
                automount=dict(type='bool', default=False),
            )),
            max_detection_seconds=dict(type='int'),
            max_reconnects=dict(type='int'),
            dead_server_multiplier=dict(type='int', choices=[2, 3]),
            fail_on_error=dict(type='bool', default=True),
        ),
        supports_check_mode=True,
    )
    params = module.params
    for declared in params['mounts']:
        if declared['automount']:
            try:
                os.listdir(declared['path'])
            except OSError:
                pass  # reported by the "mounted" check
    try:
        kernel = kernel_facts(params['dead_server_multiplier'])
    except cifs.CifsError as exc:
        module.fail_json(msg=str(exc), commands=[])
    checks = CheckList()
    facts = verify(params['mounts'], _read(PROC_MOUNTS) or '', _read(DEBUG_DATA), kernel, checks,
                   params['max_detection_seconds'], params['max_reconnects'])
    checks.exit(module, fail_on_error=params['fail_on_error'], changed=False, kernel=kernel, mounts=facts,
                commands=[])


if __name__ == '__main__':
    main()
