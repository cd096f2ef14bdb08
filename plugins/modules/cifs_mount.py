#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: cifs_mount
short_description: Manage one CIFS/SMB3 mount (fstab entry and live mount), remounting when options change
version_added: "0.1.0"
description:
  - Writes the fstab entry of a CIFS mount that references a credentials file (never a password),
    mounts it, and unmounts and mounts it again when the live options differ from the declaration.
  - The kernel applies C(echo_interval), C(vers) and C(hard)/C(soft) per connection and tree
    connection; C(mount -o remount) keeps the old values, so a changed mount is unmounted and mounted.
    A busy mount point makes the umount fail with a message naming the changed options.
  - The declaration is validated before anything changes (SMB3 only, echo_interval 1-600,
    absolute paths, no password or managed setting in O(extra_options)).
  - The module never reads the credentials file; write it beforehand (mode 0600, owner root),
    for example with M(ansible.builtin.template) and C(no_log).
author: isplab.infra contributors (@isplab)
options:
  path:
    description: Absolute mount point.
    type: path
    required: true
  server:
    description: SMB server name or address.
    type: str
  share:
    description: Share name on O(server).
    type: str
  credentials_file:
    description:
      - Absolute path of the mount.cifs credentials file (C(username=), C(password=), C(domain=)).
      - Must be mode 0600 and owned by root when it exists; required to exist when O(state=mounted).
    type: path
  version:
    description: SMB dialect (C(vers=)). Only SMB3 dialects; C(3) lets the kernel pick the highest.
    type: str
    default: "3.1.1"
    choices: ["3", "3.0", "3.02", "3.1.1"]
  echo_interval:
    description:
      - Seconds between echo requests. The client declares the server dead after 3 (kernels
        with upstream f2caf901c1b7) or 2 intervals without a response.
      - Must be 1-600; older kernels silently used 60 for other values, newer ones refuse the mount.
    type: int
    default: 60
  uid:
    description: Owner of the files (numeric).
    type: int
  gid:
    description: Group of the files (numeric).
    type: int
  file_mode:
    description: Permission bits of files, octal like C(0644).
    type: str
  dir_mode:
    description: Permission bits of directories, octal like C(0755).
    type: str
  hard:
    description: C(hard) (retry until the server answers) instead of C(soft).
    type: bool
    default: false
  netdev:
    description: Add C(_netdev) so the mount waits for the network at boot.
    type: bool
    default: true
  automount:
    description:
      - Mount on first access through a systemd automount unit (C(x-systemd.automount)).
      - The module starts the automount unit; the cifs mount appears on the first access.
    type: bool
    default: false
  extra_options:
    description:
      - Further mount options, one per item (for example C(nobrl), C(cache=none)).
      - Options that carry a password or that this module sets are refused.
    type: list
    elements: str
    default: []
  force_remount:
    description: Unmount and mount even when the options match, e.g. after the credentials changed.
    type: bool
    default: false
  state:
    description:
      - V(mounted) writes fstab and mounts (or starts the automount unit).
      - V(present) writes fstab only. V(absent) unmounts and removes the fstab entry.
    type: str
    default: mounted
    choices: [mounted, present, absent]
  validate_only:
    description:
      - Only validate the declaration and return; reads nothing from the host, so it can run on the
        controller (C(delegate_to=localhost)) for every mount before any host changes.
    type: bool
    default: false
  fstab:
    description: The fstab file to manage (tests use another file).
    type: path
    default: /etc/fstab
attributes:
  check_mode:
    support: full
    description: Validates and plans (fstab, umount/mount, automount) without changing anything.
  diff_mode:
    support: full
    description: The fstab entry, the compared live options and whether the share is mounted.
  platform:
    platforms: posix
    support: full
    description: Linux with the cifs kernel client and cifs-utils (mount.cifs).
notes:
  - Remounting is umount followed by mount, so open files on the mount make it fail.
seealso:
  - module: isplab.infra.cifs_mount_verify
'''

EXAMPLES = r'''
- name: Mount the backup share with a 30 s echo interval
  isplab.infra.cifs_mount:
    path: /srv/backup
    server: files.example.net
    share: backup
    credentials_file: /etc/cifs-credentials/srv-backup
    version: "3.1.1"
    echo_interval: 30
    uid: 1000
    gid: 1000
    file_mode: "0640"
    dir_mode: "0750"
    hard: true

- name: Remove the mount and its fstab entry
  isplab.infra.cifs_mount:
    path: /srv/backup
    state: absent
'''

RETURN = r'''
fstab_line:
  description: The fstab entry as written (references the credentials file, never a password).
  type: str
  returned: when state is not absent
  sample: //files.example.net/backup /srv/backup cifs credentials=/etc/cifs-credentials/srv-backup,vers=3.1.1,echo_interval=30,soft,_netdev 0 0
live_options:
  description: Options of the live mount before the module acted (empty when it was not mounted).
  type: dict
  returned: always
  sample: {"vers": "3.1.1", "echo_interval": "60", "soft": null}
remount_reasons:
  description: Why the mount was (or, in check mode, would be) unmounted and mounted again.
  type: list
  elements: str
  returned: always
  sample: ["echo_interval: declared 30, live 60"]
actions:
  description: Planned steps in order (mkdir, write_fstab, stop_automount, umount, daemon_reload, mount, start_automount).
  type: list
  elements: str
  returned: always
commands:
  description: Commands run (or, in check mode, planned).
  type: list
  elements: str
  returned: always
'''

import os
import stat

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.isplab.infra.plugins.module_utils.cifs_mount import cifs
from ansible_collections.isplab.infra.plugins.module_utils.common.diff import DiffTracker
from ansible_collections.isplab.infra.plugins.module_utils.common.runner import CommandError, CommandRunner

PROC_MOUNTS = '/proc/self/mounts'


def _read(path):
    try:
        with open(path) as handle:
            return handle.read()
    except IOError:
        return ''


def _spec(params):
    keys = ('path', 'server', 'share', 'credentials_file', 'version', 'echo_interval', 'uid', 'gid',
            'file_mode', 'dir_mode', 'hard', 'netdev', 'automount', 'extra_options')
    spec = dict((key, params[key]) for key in keys)
    spec['path'] = spec['path'].rstrip('/') or '/'
    return spec


def _credentials_problem(path, must_exist):
    try:
        info = os.stat(path)
    except OSError:
        return 'credentials file %s does not exist; write it (mode 0600, owner root) before mounting' % path \
            if must_exist else None
    if info.st_uid != 0 or stat.S_IMODE(info.st_mode) & 0o077:
        return 'credentials file %s has mode %04o owner uid %d; it must be 0600 owned by root' % (
            path, stat.S_IMODE(info.st_mode), info.st_uid)
    return None


def live_or_exists(live, path):
    # A mount point whose server is gone fails stat(); lexists still sees the directory.
    return bool(live) or os.path.lexists(path)


def _systemd_running():
    return os.path.isdir('/run/systemd/system')


def _automount_unit(runner, path):
    result = runner.run(['systemd-escape', '--path', '--suffix=automount', path])
    return result.stdout.strip()


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type='path', required=True),
            server=dict(type='str'),
            share=dict(type='str'),
            credentials_file=dict(type='path'),
            version=dict(type='str', default=cifs.DEFAULT_VERSION, choices=list(cifs.SMB3_VERSIONS)),
            echo_interval=dict(type='int', default=cifs.DEFAULT_ECHO_INTERVAL),
            uid=dict(type='int'),
            gid=dict(type='int'),
            file_mode=dict(type='str'),
            dir_mode=dict(type='str'),
            hard=dict(type='bool', default=False),
            netdev=dict(type='bool', default=True),
            automount=dict(type='bool', default=False),
            extra_options=dict(type='list', elements='str', default=[]),
            force_remount=dict(type='bool', default=False),
            state=dict(type='str', default='mounted', choices=['mounted', 'present', 'absent']),
            fstab=dict(type='path', default='/etc/fstab'),
            validate_only=dict(type='bool', default=False),
        ),
        required_if=[('state', 'mounted', ('server', 'share', 'credentials_file')),
                     ('state', 'present', ('server', 'share', 'credentials_file'))],
        supports_check_mode=True,
    )
    params = module.params
    state = params['state']
    spec = _spec(params)
    runner = CommandRunner(module)

    for option in spec['extra_options']:
        key, _sep, value = option.partition('=')
        if key.strip().lower() in cifs.SECRET_OPTION_KEYS and value:
            # Masks the refused value in the echoed invocation too, not only in our message.
            module.no_log_values.add(value)
    if state != 'absent':
        errors = cifs.validate_spec(spec)
        if not params['validate_only']:
            problem = _credentials_problem(spec['credentials_file'], state == 'mounted' and not module.check_mode)
            if problem:
                errors.append('%s: %s' % (spec['path'], problem))
        if errors:
            module.fail_json(msg='invalid CIFS mount declaration, nothing changed: ' + '; '.join(errors),
                             errors=errors, commands=runner.commands)
    elif not spec['path'].startswith('/'):
        module.fail_json(msg='%s: path must be an absolute mount point' % spec['path'], commands=runner.commands)
    if params['validate_only']:
        module.exit_json(changed=False, actions=[], remount_reasons=[], live_options={}, commands=runner.commands)

    fstab_text = _read(params['fstab'])
    try:
        result = cifs.plan(spec, state, fstab_text, _read(PROC_MOUNTS), params['force_remount'])
    except cifs.CifsError as exc:
        module.fail_json(msg=str(exc), commands=runner.commands)

    actions = list(result['actions'])
    if state == 'mounted' and not live_or_exists(result['live'], spec['path']):
        actions.insert(0, 'mkdir')
    if 'write_fstab' in actions and _systemd_running():
        # systemd-fstab-generator turns fstab into units; without a reload it mounts stale options.
        actions.insert(actions.index('write_fstab') + 1, 'daemon_reload')

    if 'start_automount' in actions:
        unit = _automount_unit(runner, spec['path'])
        # An active automount unit mounts with the reloaded mount unit's options on next access.
        if runner.run(['systemctl', 'is-active', unit], expected_rc=None).stdout.strip() == 'active':
            actions.remove('start_automount')

    live = result['live']
    live_options = cifs.options_dict(live['options']) if live else {}
    tracker = DiffTracker()
    tracker.add('fstab', result['fstab_before'], result['fstab_after'])
    if state == 'mounted':
        wanted = cifs.expected_live_options(spec)
        live_view = dict((key, live_options.get(key, 'absent')) for key in wanted) if live else {}
        tracker.add('live_options', live_view, wanted)
    if spec['automount'] and state == 'mounted':
        tracker.add('mounted', bool(live), 'on first access')
    else:
        tracker.add('mounted', bool(live), state == 'mounted' or (bool(live) and state == 'present'))

    try:
        for action in actions:
            if action == 'mkdir':
                if not module.check_mode:
                    os.makedirs(spec['path'], 0o755)
            elif action == 'write_fstab':
                if not module.check_mode:
                    _write_fstab(module, params['fstab'], result['new_fstab'])
            elif action == 'daemon_reload':
                runner.run(['systemctl', 'daemon-reload'], changes=True)
            elif action == 'stop_automount':
                if _systemd_running():
                    runner.run(['systemctl', 'stop', _automount_unit(runner, spec['path'])], changes=True)
            elif action == 'umount':
                _umount(module, runner, spec['path'], result['remount_reasons'])
            elif action == 'mount':
                runner.run(['mount', spec['path']], changes=True)
            elif action == 'start_automount':
                runner.run(['systemctl', 'start', _automount_unit(runner, spec['path'])], changes=True)
    except CommandError as exc:
        module.fail_json(msg=str(exc), commands=runner.commands, actions=actions,
                         remount_reasons=result['remount_reasons'], stderr=exc.result.stderr)

    changed = bool(actions)
    output = dict(changed=changed, actions=actions, remount_reasons=result['remount_reasons'],
                  live_options=live_options, commands=runner.commands)
    if state != 'absent':
        output['fstab_line'] = result['fstab_after']
    if module._diff:
        output['diff'] = tracker.diff()
    module.exit_json(**output)


def _umount(module, runner, path, reasons):
    try:
        runner.run(['umount', path], changes=True)
    except CommandError as exc:
        why = '; '.join(reasons) or 'state absent'
        module.fail_json(
            msg='umount %s failed (%s); cifs applies these options only on a new mount (%s): '
                'stop the processes using %s and run again' % (path, exc.result.stderr.strip(), why, path),
            commands=runner.commands, remount_reasons=reasons)


def _write_fstab(module, path, text):
    directory = os.path.dirname(path) or '.'
    tmp = os.path.join(directory, '.%s.isplab-tmp' % os.path.basename(path))
    mode = stat.S_IMODE(os.stat(path).st_mode) if os.path.exists(path) else 0o644
    with open(tmp, 'w') as handle:
        handle.write(text)
    os.chmod(tmp, mode)
    module.atomic_move(tmp, path)


if __name__ == '__main__':
    main()
