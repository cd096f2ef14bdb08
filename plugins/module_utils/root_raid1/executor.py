# -*- coding: utf-8 -*-
# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runs a plan's phases (see ops.py for what each step does) and keeps what they changed."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.isplab.infra.plugins.module_utils.common.files import read_text, write_text
from ansible_collections.isplab.infra.plugins.module_utils.common.runner import CommandError
from ansible_collections.isplab.infra.plugins.module_utils.root_raid1 import gpt, state


def phases_before(phases, stop_before, order):
    """The planned phases that come before ``stop_before`` in ``order`` (the conversion's phase order): a run
    with stop_before never starts that phase or any after it, also when the phase itself is done already."""
    if not stop_before:
        return phases
    limit = order.index(stop_before)
    return [p for p in phases if order.index(p['phase']) < limit]


class PhaseFailed(Exception):
    def __init__(self, phase, error):
        super(PhaseFailed, self).__init__('phase %s failed: %s' % (phase, error))
        self.result = error.result


class Executor:
    """Carries out planned ops for one module run and collects what they changed."""

    def __init__(self, module, runner, params, diff):
        self.module = module
        self.runner = runner
        self.params = params
        self.diff = diff
        self.files_changed = []
        self.timings = {}
        self._pending = {}

    def read(self, path):
        """The file as the ops so far left it (in check mode, as they would have)."""
        return self._pending.get(path, read_text(path))

    def replace(self, path, text, label, view):
        """Give ``path`` the content ``text``; the diff shows ``view`` of the file under ``label``."""
        self.diff.add(label, view(read_text(path)), view(text))
        if text == self.read(path):
            return False
        if self.module.check_mode:
            self._pending[path] = text
            return True
        write_text(self.module, path, text)
        self.files_changed.append(path)
        return True

    def partuuid_alias(self, disk):
        result, table = gpt.read_table(self.runner, disk)
        info = table['parts'].get(3)
        if info is None:
            if not self.module.check_mode:
                raise CommandError(result, '%s has no partition 3 to keep out of LVM' % disk)
            # check mode on a disk whose table is not copied yet: the GUID does not exist
            return '/dev/disk/by-partuuid/new-guid-of-%s' % gpt.partition_path(disk, 3).rsplit('/', 1)[-1]
        return '/dev/disk/by-partuuid/%s' % info['unique_guid'].lower()

    def run_op(self, op):
        """Returns the name of what to wait for when the op starts something that runs on."""
        return op.preview(self) if self.module.check_mode else op.apply(self)

    def run_phases(self, phases, result):
        """Run ``phases`` in order until one leaves pvmove or the resync running (``waiting_for``)."""
        for phase in phases:
            waiting = None
            try:
                for op in phase['ops']:
                    waiting = self.run_op(op) or waiting
                    if op.kind != 'wait':
                        result['changed'] = True
            except CommandError as exc:
                raise PhaseFailed(phase['phase'], exc)
            if self.module.check_mode:
                continue
            if waiting == 'resync' and not state.still_syncing(self.params['md_device']):
                waiting = None
            if waiting:
                result['waiting_for'] = waiting
                break
            result['phases_done'].append(phase['phase'])
