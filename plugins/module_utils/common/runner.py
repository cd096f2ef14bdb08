# -*- coding: utf-8 -*-
# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one way modules of this collection run external commands.

Modelled on community.general's cmd_runner: binaries are looked up once,
every command runs with a forced C locale (parsers rely on English output),
commands that change state are skipped in check mode, and every command is
recorded so the module can return it as ``commands``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import shlex

C_LOCALE = {'LC_ALL': 'C', 'LANG': 'C', 'LANGUAGE': 'C'}


class CommandResult:
    """Outcome of one command; ``skipped`` is True when check mode held it back."""

    def __init__(self, argv, rc=0, stdout='', stderr='', skipped=False):
        self.argv = argv
        self.rc = rc
        self.stdout = stdout
        self.stderr = stderr
        self.skipped = skipped

    @property
    def ok(self):
        return self.rc == 0


class CommandError(Exception):
    """A command exited with an unexpected status."""

    def __init__(self, result, message):
        super(CommandError, self).__init__(message)
        self.result = result


class CommandRunner:
    """Runs commands for one module invocation and records them.

    ``run(argv, changes=True)`` marks a command that modifies the system: in
    check mode it is recorded as planned and not executed.  Read-only
    commands always run, so plans are computed from the live state.
    """

    def __init__(self, module, secrets=None):
        self.module = module
        self.commands = []
        self._binaries = {}
        self._secrets = [s for s in (secrets or []) if s]

    def binary(self, name, required=True):
        if name not in self._binaries:
            path = self.module.get_bin_path(name, required=required)
            self._binaries[name] = path
        return self._binaries[name]

    def _display(self, argv):
        text = ' '.join(shlex.quote(str(a)) for a in argv)
        for secret in self._secrets:
            text = text.replace(secret, '********')
        return text

    def run(self, argv, changes=False, expected_rc=(0,), data=None, binary_data=False, environ=None):
        """Run ``argv``; argv[0] is a binary name resolved with ``binary()``.

        ``environ`` adds variables for this command only (e.g. ``TZ``); the C locale always wins.
        """
        argv = [self.binary(argv[0])] + [str(a) for a in argv[1:]]
        display = self._display(argv)
        if changes and self.module.check_mode:
            self.commands.append(display)
            return CommandResult(argv, skipped=True)
        self.commands.append(display)
        rc, out, err = self.module.run_command(
            argv, environ_update=dict(environ or {}, **C_LOCALE), data=data, binary_data=binary_data)
        result = CommandResult(argv, rc, out, err)
        if expected_rc is not None and rc not in expected_rc:
            detail = (err or out or '').strip()
            raise CommandError(result, '%s exited with %d: %s' % (display, rc, detail))
        return result

    def run_or_fail(self, argv, **kwargs):
        """Like ``run`` but turns a failure into ``fail_json`` with the commands so far."""
        try:
            return self.run(argv, **kwargs)
        except CommandError as exc:
            self.module.fail_json(msg=str(exc), commands=self.commands,
                                  rc=exc.result.rc, stdout=exc.result.stdout,
                                  stderr=exc.result.stderr)
