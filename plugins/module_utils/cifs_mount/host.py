# -*- coding: utf-8 -*-
# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The work of ``cifs_mount`` on the host: validate, plan, then write fstab and (re)mount."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import stat

from ansible_collections.isplab.infra.plugins.module_utils.cifs_mount.declaration import (
    CifsError, secret_option_values, spec_of, validate_spec)
from ansible_collections.isplab.infra.plugins.module_utils.cifs_mount.live import expected_live_options, options_dict
from ansible_collections.isplab.infra.plugins.module_utils.cifs_mount.planner import plan
from ansible_collections.isplab.infra.plugins.module_utils.common.diff import DiffTracker
from ansible_collections.isplab.infra.plugins.module_utils.common.files import read_text, write_text
from ansible_collections.isplab.infra.plugins.module_utils.common.runner import CommandError, CommandRunner

PROC_MOUNTS = '/proc/self/mounts'


def credentials_problem(path, must_exist):
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


def systemd_running():
    return os.path.isdir('/run/systemd/system')


def automount_unit(runner, path):
    return runner.run(['systemd-escape', '--path', '--suffix=automount', path]).stdout.strip()


def _validate(module, spec, runner):
    """Fail before anything changes when the declaration cannot be mounted."""
    params = module.params
    for value in secret_option_values(spec['extra_options']):
        # Masks the refused value in the echoed invocation too, not only in our message.
        module.no_log_values.add(value)
    if params['state'] == 'absent':
        if not spec['path'].startswith('/'):
            module.fail_json(msg='%s: path must be an absolute mount point' % spec['path'], commands=runner.commands)
        return
    errors = validate_spec(spec)
    if not params['validate_only']:
        problem = credentials_problem(spec['credentials_file'],
                                      params['state'] == 'mounted' and not module.check_mode)
        if problem:
            errors.append('%s: %s' % (spec['path'], problem))
    if errors:
        module.fail_json(msg='invalid CIFS mount declaration, nothing changed: ' + '; '.join(errors),
                         errors=errors, commands=runner.commands)


def _host_actions(spec, state, result, runner):
    """The plan's actions with the steps that depend on the host (mount point, systemd) added or dropped."""
    actions = list(result['actions'])
    if state == 'mounted' and not live_or_exists(result['live'], spec['path']):
        actions.insert(0, 'mkdir')
    if 'write_fstab' in actions and systemd_running():
        # systemd-fstab-generator turns fstab into units; without a reload it mounts stale options.
        actions.insert(actions.index('write_fstab') + 1, 'daemon_reload')
    if 'start_automount' in actions:
        unit = automount_unit(runner, spec['path'])
        # An active automount unit mounts with the reloaded mount unit's options on next access.
        if runner.run(['systemctl', 'is-active', unit], expected_rc=None).stdout.strip() == 'active':
            actions.remove('start_automount')
    return actions


def _diff(spec, state, result, live_options):
    tracker = DiffTracker()
    live = result['live']
    tracker.add('fstab', result['fstab_before'], result['fstab_after'])
    if state == 'mounted':
        wanted = expected_live_options(spec)
        live_view = dict((key, live_options.get(key, 'absent')) for key in wanted) if live else {}
        tracker.add('live_options', live_view, wanted)
    if spec['automount'] and state == 'mounted':
        tracker.add('mounted', bool(live), 'on first access')
    else:
        tracker.add('mounted', bool(live), state == 'mounted' or (bool(live) and state == 'present'))
    return tracker.diff()


def _umount(module, runner, path, reasons):
    try:
        runner.run(['umount', path], changes=True)
    except CommandError as exc:
        why = '; '.join(reasons) or 'state absent'
        module.fail_json(
            msg='umount %s failed (%s); cifs applies these options only on a new mount (%s): '
                'stop the processes using %s and run again' % (path, exc.result.stderr.strip(), why, path),
            commands=runner.commands, remount_reasons=reasons)


def _execute(module, runner, spec, result, actions):
    path = spec['path']
    for action in actions:
        if action == 'mkdir' and not module.check_mode:
            os.makedirs(path, 0o755)
        elif action == 'write_fstab' and not module.check_mode:
            write_text(module, module.params['fstab'], result['new_fstab'])
        elif action == 'daemon_reload':
            runner.run(['systemctl', 'daemon-reload'], changes=True)
        elif action == 'stop_automount' and systemd_running():
            runner.run(['systemctl', 'stop', automount_unit(runner, path)], changes=True)
        elif action == 'umount':
            _umount(module, runner, path, result['remount_reasons'])
        elif action == 'mount':
            runner.run(['mount', path], changes=True)
        elif action == 'start_automount':
            runner.run(['systemctl', 'start', automount_unit(runner, path)], changes=True)


def run(module):
    """Validate, plan and apply one mount declaration; exits the module."""
    params = module.params
    state = params['state']
    spec = spec_of(params)
    runner = CommandRunner(module)
    _validate(module, spec, runner)
    if params['validate_only']:
        module.exit_json(changed=False, actions=[], remount_reasons=[], live_options={}, commands=runner.commands)
    try:
        result = plan(spec, state, read_text(params['fstab']), read_text(PROC_MOUNTS), params['force_remount'])
    except CifsError as exc:
        module.fail_json(msg=str(exc), commands=runner.commands)
    actions = _host_actions(spec, state, result, runner)
    live_options = options_dict(result['live']['options']) if result['live'] else {}
    try:
        _execute(module, runner, spec, result, actions)
    except CommandError as exc:
        module.fail_json(msg=str(exc), commands=runner.commands, actions=actions,
                         remount_reasons=result['remount_reasons'], stderr=exc.result.stderr)
    output = dict(changed=bool(actions), actions=actions, remount_reasons=result['remount_reasons'],
                  live_options=live_options, commands=runner.commands)
    if state != 'absent':
        output['fstab_line'] = result['fstab_after']
    if module._diff:
        output['diff'] = _diff(spec, state, result, live_options)
    module.exit_json(**output)
