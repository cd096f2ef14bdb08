"""DiffTracker and CheckList behaviour."""

import pytest

from ansible_collections.isplab.infra.plugins.module_utils.common.checks import CheckList
from ansible_collections.isplab.infra.plugins.module_utils.common.diff import DiffTracker


def test_diff_tracker_reports_only_real_differences():
    tracker = DiffTracker()
    tracker.add('metadata', before='1.2', after='0.90')
    tracker.add('level', before='raid1', after='raid1')
    assert tracker.changed
    assert tracker.differences() == ['metadata']
    assert tracker.diff() == {'before': {'metadata': '1.2', 'level': 'raid1'},
                              'after': {'metadata': '0.90', 'level': 'raid1'}}


def test_diff_tracker_unchanged_when_equal():
    tracker = DiffTracker()
    tracker.add('members', before=['a', 'b'], after=['a', 'b'])
    assert not tracker.changed


class ExitModule:
    def exit_json(self, **kw):
        self.result = ('exit', kw)
        raise SystemExit(0)

    def fail_json(self, **kw):
        self.result = ('fail', kw)
        raise SystemExit(1)


def test_checklist_fails_module_with_every_problem_named():
    checks = CheckList()
    checks.expect('metadata', False, 'md0 has metadata 1.2, expected 0.90')
    checks.expect('level', True, 'unused')
    module = ExitModule()
    with pytest.raises(SystemExit):
        checks.exit(module, facts={'x': 1})
    kind, result = module.result
    assert kind == 'fail'
    assert result['msg'] == '1 of 2 checks failed: metadata: md0 has metadata 1.2, expected 0.90'
    assert result['failed_checks'] == [{'check': 'metadata', 'ok': False,
                                        'problem': 'md0 has metadata 1.2, expected 0.90'}]


def test_checklist_reports_without_failing_when_asked():
    checks = CheckList()
    checks.expect('quorum', False, 'cluster not quorate')
    module = ExitModule()
    with pytest.raises(SystemExit):
        checks.exit(module, fail_on_error=False)
    assert module.result[0] == 'exit'
