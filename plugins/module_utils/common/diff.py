# -*- coding: utf-8 -*-
# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Before/after tracking for ``--diff`` output (after community.docker's DifferenceTracker)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class DiffTracker:
    """Collects named before/after values; a module returns ``diff()`` when ``_diff`` is set."""

    def __init__(self):
        self._entries = {}

    def add(self, name, before=None, after=None):
        self._entries[name] = (before, after)

    def set_after(self, name, after):
        before = self._entries.get(name, (None, None))[0]
        self._entries[name] = (before, after)

    @property
    def changed(self):
        return any(before != after for before, after in self._entries.values())

    def differences(self):
        return sorted(name for name, (before, after) in self._entries.items() if before != after)

    def diff(self):
        before = dict((name, value[0]) for name, value in self._entries.items())
        after = dict((name, value[1]) for name, value in self._entries.items())
        return {'before': before, 'after': after}
