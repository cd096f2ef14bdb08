"""CommandRunner: C locale, check-mode skip, command recording, secret masking."""

import pytest

from ansible_collections.isplab.infra.plugins.module_utils.common.runner import CommandError, CommandRunner


class FakeModule:
    def __init__(self, check_mode=False, rc=0, out='', err=''):
        self.check_mode = check_mode
        self.calls = []
        self._reply = (rc, out, err)
        self.failed = None

    def get_bin_path(self, name, required=False):
        return '/usr/sbin/' + name

    def run_command(self, argv, environ_update=None, data=None, binary_data=False):
        self.calls.append((argv, environ_update, data))
        return self._reply

    def fail_json(self, **kwargs):
        self.failed = kwargs
        raise SystemExit(1)


def test_runs_with_c_locale_and_records_command():
    module = FakeModule(out='ok\n')
    runner = CommandRunner(module)
    result = runner.run(['mdadm', '--detail', '/dev/md0'])
    argv, env, stdin_data = module.calls[0]
    assert stdin_data is None
    assert argv == ['/usr/sbin/mdadm', '--detail', '/dev/md0']
    assert env['LC_ALL'] == 'C' and env['LANG'] == 'C'
    assert result.stdout == 'ok\n' and not result.skipped
    assert runner.commands == ['/usr/sbin/mdadm --detail /dev/md0']


def test_check_mode_skips_changing_commands_but_runs_queries():
    module = FakeModule(check_mode=True)
    runner = CommandRunner(module)
    runner.run(['pvs', '--reportformat', 'json'])
    planned = runner.run(['pvmove', '/dev/sda3'], changes=True)
    assert planned.skipped
    assert [c[0][0] for c in module.calls] == ['/usr/sbin/pvs']
    assert runner.commands[-1] == '/usr/sbin/pvmove /dev/sda3'


def test_unexpected_rc_raises_with_stderr():
    runner = CommandRunner(FakeModule(rc=5, err='Physical volume "/dev/sda3" still in use\n'))
    with pytest.raises(CommandError, match='vgreduce pve /dev/sda3 exited with 5: Physical volume "/dev/sda3" still in use'):
        runner.run(['vgreduce', 'pve', '/dev/sda3'], changes=True)


def test_run_or_fail_reports_commands_so_far():
    module = FakeModule(rc=1, err='boom')
    runner = CommandRunner(module)
    with pytest.raises(SystemExit):
        runner.run_or_fail(['wipefs', '-n', '/dev/sdb'])
    assert module.failed['msg'].endswith('exited with 1: boom')
    assert module.failed['commands'] == ['/usr/sbin/wipefs -n /dev/sdb']


def test_secrets_are_masked_in_recorded_commands():
    runner = CommandRunner(FakeModule(), secrets=['s3cr3t'])
    runner.run(['smbclient', '-U', 'user%s3cr3t', '-L', '127.0.0.1'])
    assert 's3cr3t' not in runner.commands[0]
    assert 'user%********' in runner.commands[0]
