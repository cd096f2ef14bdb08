# -*- coding: utf-8 -*-
# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Result collector shared by the ``*_verify`` modules."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class CheckList:
    """Records named checks; ``failed`` lists the ones that did not hold, with the reason."""

    def __init__(self):
        self.results = []

    def expect(self, name, ok, problem, **details):
        entry = {'check': name, 'ok': bool(ok)}
        if not ok:
            entry['problem'] = problem
        if details:
            entry['details'] = details
        self.results.append(entry)
        return bool(ok)

    @property
    def failed(self):
        return [r for r in self.results if not r['ok']]

    def summary(self):
        failed = self.failed
        if not failed:
            return 'all %d checks passed' % len(self.results)
        return '%d of %d checks failed: %s' % (
            len(failed), len(self.results), '; '.join('%s: %s' % (r['check'], r['problem']) for r in failed))

    def exit(self, module, fail_on_error=True, **result):
        """Exit the module: fails (with every result attached) when a check failed and fail_on_error."""
        result.update(checks=self.results, failed_checks=self.failed, msg=self.summary())
        if self.failed and fail_on_error:
            module.fail_json(**result)
        module.exit_json(**result)
