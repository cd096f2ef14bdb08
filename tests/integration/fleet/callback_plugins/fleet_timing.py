# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test-only callback of the fleet benchmarks: per host and task, when it started and ended, its status,
and the ``commands`` its module reported; plus the recap counts.  Written as JSON to $FLEET_TIMING_FILE."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = '''
name: fleet_timing
type: aggregate
short_description: per-host task timing for the fleet benchmarks (test-only)
description:
  - Writes task start/end times per host, module C(commands) and the recap counts to C($FLEET_TIMING_FILE).
requirements:
  - enabled in callbacks_enabled
'''


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'fleet_timing'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super(CallbackModule, self).__init__(*args, **kwargs)
        self._tasks = []
        self._open = {}
        self._started = time.time()

    def v2_runner_on_start(self, host, task):
        self._open[(host.get_name(), task._uuid)] = time.time()

    def _finish(self, result, status):
        host = result._host.get_name()
        key = (host, result._task._uuid)
        commands = result._result.get('commands') if isinstance(result._result, dict) else None
        self._tasks.append(dict(host=host, task=result._task.get_name(), status=status,
                                start=self._open.pop(key, None), end=time.time(),
                                changed=bool(result._result.get('changed')),
                                commands=commands if isinstance(commands, list) else None))

    def v2_runner_on_ok(self, result):
        self._finish(result, 'ok')

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._finish(result, 'failed')

    def v2_runner_on_unreachable(self, result):
        self._finish(result, 'unreachable')

    def v2_runner_on_skipped(self, result):
        self._finish(result, 'skipped')

    def v2_playbook_on_stats(self, stats):
        recap = dict((host, stats.summarize(host)) for host in sorted(stats.processed))
        path = os.environ.get('FLEET_TIMING_FILE')
        if not path:
            return
        with open(path, 'w') as handle:
            json.dump(dict(started=self._started, ended=time.time(), tasks=self._tasks, recap=recap), handle)
