# -*- coding: utf-8 -*-
# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A netmiko session to an IOS-XE router that records every command it sends.

This is the network-device counterpart of runner.CommandRunner: modules talk
to the router only through it, configuration is skipped in check mode, and
``commands`` lists what was (or would be) sent.  Passwords are handed to
netmiko directly and never appear in a command.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import traceback

try:
    from netmiko import ConnectHandler
    HAS_NETMIKO = True
    NETMIKO_IMPORT_ERROR = None
except ImportError:
    ConnectHandler = None
    HAS_NETMIKO = False
    NETMIKO_IMPORT_ERROR = traceback.format_exc()

# IOS marks every rejected line with one of these; the match runs to the end of the line, so it carries
# the router's whole message.
ERROR_PATTERN = (r'% ?(Invalid input|Incomplete command|Ambiguous command|Unknown command|'
                 r'\S.*(error|in use|not found|cannot|refused)).*$')

CONNECTION_ARGS = dict(
    host=dict(type='str', required=True),
    port=dict(type='int', default=22),
    username=dict(type='str', required=True),
    password=dict(type='str', required=True, no_log=True),
    secret=dict(type='str', no_log=True),
    device_type=dict(type='str', default='cisco_xe', choices=['cisco_xe', 'cisco_ios']),
    timeout=dict(type='int', default=30),
)


class IosSessionError(Exception):
    """The router rejected a command or could not be reached."""


class IosSession:
    def __init__(self, module, connect=None):
        self.module = module
        self.commands = []
        self._connect = connect or ConnectHandler
        self._conn = None

    def open(self):
        params = self.module.params
        try:
            self._conn = self._connect(
                device_type=params['device_type'], host=params['host'], port=params['port'],
                username=params['username'], password=params['password'], secret=params.get('secret') or '',
                timeout=params['timeout'], conn_timeout=params['timeout'], fast_cli=False)
            if params.get('secret'):
                self._conn.enable()
        except Exception as exc:  # netmiko raises many unrelated types; the message is what the user needs
            raise IosSessionError('cannot open an SSH session to %s:%s: %s'
                                  % (params['host'], params['port'], _scrub(str(exc), params)))
        return self

    def show(self, command):
        self.commands.append(command)
        output = self._conn.send_command(command, read_timeout=self.module.params['timeout'])
        if re.search(ERROR_PATTERN, output, re.M):
            raise IosSessionError('%s: %s' % (command, output.strip()))
        return output

    def configure(self, lines):
        """Send configuration lines; in check mode only record them."""
        self.commands.extend(lines)
        if self.module.check_mode or not lines:
            return ''
        try:
            output = self._conn.send_config_set(lines, cmd_verify=True, error_pattern=ERROR_PATTERN,
                                                read_timeout=self.module.params['timeout'])
        except Exception as exc:  # netmiko's ConfigInvalidException and read timeouts; both leave config mode open
            self._leave_config_mode()
            raise IosSessionError('the router refused the configuration: %s' % _scrub(str(exc), self.module.params))
        match = re.search(ERROR_PATTERN, output, re.M)
        if match:
            raise IosSessionError('the router refused the configuration: %s'
                                  % _error_context(output, match.start()))
        return output

    def _leave_config_mode(self):
        # a refusal stops netmiko inside a sub-mode; the rollback that follows starts from exec mode
        try:
            self._conn.exit_config_mode()
        except Exception:  # the session may be gone; the caller reports the refusal either way
            pass

    def save(self):
        self.commands.append('write memory')
        if self.module.check_mode:
            return ''
        output = self._conn.save_config(cmd='write memory', confirm=False)
        if '[OK]' not in output:
            raise IosSessionError('write memory did not report [OK]: %s' % output.strip())
        return output

    def close(self):
        if self._conn is not None:
            try:
                self._conn.disconnect()
            finally:
                self._conn = None


def _error_context(output, position):
    lines = output[:position].splitlines()[-3:] + output[position:].splitlines()[:1]
    return ' | '.join(line.strip() for line in lines if line.strip())


def _scrub(text, params):
    for key in ('password', 'secret'):
        if params.get(key):
            text = text.replace(params[key], '********')
    return text
