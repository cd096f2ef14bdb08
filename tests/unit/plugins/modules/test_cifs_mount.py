"""cifs_mount end to end on a temporary fstab, with /proc/mounts captured in a lab VM."""

import json
import os

import pytest

from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args
from ansible_collections.isplab.infra.plugins.module_utils.cifs_mount import declaration, host
from ansible_collections.isplab.infra.plugins.modules import cifs_mount

FIXTURES = os.path.join(os.path.dirname(__file__), '..', '..', 'fixtures', 'cifs')
SECRET = 'Hunter2-never-shown'


@pytest.fixture
def lab(tmp_path, monkeypatch):
    credentials = tmp_path / 'mnt-lab'
    credentials.write_text('username=labuser\npassword=%s\n' % SECRET)
    credentials.chmod(0o600)
    fstab = tmp_path / 'fstab'
    calls = []

    def run_command(self, args, **kwargs):
        calls.append(list(args))
        return 0, '', ''

    monkeypatch.setattr(host, 'PROC_MOUNTS', os.path.join(FIXTURES, 'proc_mounts_one_share.txt'))
    monkeypatch.setattr(host, 'systemd_running', lambda: False)
    monkeypatch.setattr(host, 'live_or_exists', lambda live, path: True)
    monkeypatch.setattr(basic.AnsibleModule, 'run_command', run_command)
    monkeypatch.setattr(basic.AnsibleModule, 'get_bin_path', lambda self, name, required=False, opt_dirs=None: '/bin/' + name)
    return {'fstab': fstab, 'credentials': str(credentials), 'calls': calls}


def args(lab, **overrides):
    base = {'path': '/mnt/lab', 'server': '127.0.0.1', 'share': 'labshare', 'credentials_file': lab['credentials'],
            'version': '3.1.1', 'echo_interval': 60, 'uid': 0, 'gid': 0, 'file_mode': '0644',
            'dir_mode': '0755', 'fstab': str(lab['fstab'])}
    base.update(overrides)
    return base


def run(module_args, capsys):
    with patch_module_args(module_args):
        with pytest.raises(SystemExit):
            cifs_mount.main()
    out = capsys.readouterr().out
    assert SECRET not in out
    return json.loads(out)


def spec_line(lab, **overrides):
    values = args(lab, **overrides)
    values.update(hard=False, netdev=True, automount=False, extra_options=[])
    return declaration.fstab_line(values)


def test_matching_mount_is_unchanged(lab, capsys):
    lab['fstab'].write_text(spec_line(lab) + '\n')
    result = run(args(lab), capsys)
    assert (result['changed'], result['actions'], result['commands']) == (False, [], [])


def test_check_mode_plans_remount_and_touches_nothing(lab, capsys):
    old = spec_line(lab) + '\n'
    lab['fstab'].write_text(old)
    result = run(args(lab, echo_interval=9, _ansible_check_mode=True, _ansible_diff=True), capsys)
    assert result['changed'] is True
    assert result['actions'] == ['write_fstab', 'umount', 'mount']
    assert result['commands'] == ['/bin/umount /mnt/lab', '/bin/mount /mnt/lab']
    assert lab['calls'] == []
    assert lab['fstab'].read_text() == old
    assert result['diff']['before']['live_options']['echo_interval'] == '60'
    assert result['diff']['after']['live_options']['echo_interval'] == '9'
    assert 'echo_interval=9' in result['diff']['after']['fstab']


def test_apply_rewrites_fstab_and_remounts(lab, capsys):
    lab['fstab'].write_text('proc /proc proc defaults 0 0\n' + spec_line(lab) + '\n')
    result = run(args(lab, echo_interval=9), capsys)
    assert result['changed'] is True
    assert lab['calls'] == [['/bin/umount', '/mnt/lab'], ['/bin/mount', '/mnt/lab']]
    assert lab['fstab'].read_text() == 'proc /proc proc defaults 0 0\n' + spec_line(lab, echo_interval=9) + '\n'
    assert result['remount_reasons'] == ['echo_interval: declared 9, live 60', 'fstab options changed']


def test_password_in_options_fails_before_any_change(lab, capsys):
    lab['fstab'].write_text('')
    result = run(args(lab, extra_options=['password=' + SECRET]), capsys)
    assert result['failed'] is True
    assert result['msg'] == ('invalid CIFS mount declaration, nothing changed: /mnt/lab: extra_options must not '
                             'carry a password (password=...); the password belongs in the credentials file')
    assert lab['calls'] == [] and lab['fstab'].read_text() == ''


@pytest.mark.parametrize('field, value, message', [
    ('server', 'fs1,password=x', "server 'fs1...' contains ',' '=': it must be a host name, an IPv4 or an IPv6 "
                                 "address (no brackets)"),
    ('share', 'data,uid=0', "share 'data...' contains ',' '=': share names must not contain \" / \\ [ ] : | < > "
                            "+ = ; , * ?, whitespace or control characters"),
])
def test_option_smuggled_into_server_or_share_fails_before_any_change(lab, capsys, field, value, message):
    lab['fstab'].write_text('')
    result = run(args(lab, **{field: value}), capsys)
    assert result['failed'] is True
    assert result['msg'] == 'invalid CIFS mount declaration, nothing changed: /mnt/lab: ' + message
    assert lab['calls'] == [] and lab['fstab'].read_text() == ''


def test_world_readable_credentials_file_is_refused(lab, capsys):
    os.chmod(lab['credentials'], 0o644)
    lab['fstab'].write_text('')
    result = run(args(lab), capsys)
    assert result['msg'] == ('invalid CIFS mount declaration, nothing changed: /mnt/lab: credentials file %s has '
                             'mode 0644 owner uid %d; it must be 0600 owned by root' % (lab['credentials'], os.getuid()))
    assert lab['calls'] == []


def test_smb1_is_refused_by_the_argument_spec(lab, capsys):
    result = run(args(lab, version='1.0'), capsys)
    assert result['failed'] is True
    assert result['msg'].startswith('value of version must be one of: 3, 3.0, 3.02, 3.1.1, got: 1.0')


def test_validate_only_reads_nothing_and_changes_nothing(lab, capsys):
    result = run(args(lab, echo_interval=9, validate_only=True, fstab='/nonexistent/fstab'), capsys)
    assert (result['changed'], result['actions'], result['commands']) == (False, [], [])
    assert lab['calls'] == []
    result = run(args(lab, echo_interval=601, validate_only=True), capsys)
    assert result['msg'] == ('invalid CIFS mount declaration, nothing changed: /mnt/lab: echo_interval 601 is '
                             'outside 1-600 s (older kernels silently use 60, newer ones refuse the mount)')
