"""Parsers and planning of module_utils/cifs_mount/ on output captured from the bookworm kernel."""

import os

import pytest

from ansible_collections.isplab.infra.plugins.module_utils.cifs_mount import debugdata, declaration, kernel, live, planner
from ansible_collections.isplab.infra.plugins.module_utils.common import fstab
from ansible_collections.isplab.infra.tests.unit.plugins.module_utils.cifs_mount import kernel_log

FIXTURES = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'fixtures', 'cifs')


def fixture(name):
    with open(os.path.join(FIXTURES, name)) as handle:
        return handle.read()


def spec(**overrides):
    base = {'path': '/mnt/lab', 'server': '127.0.0.1', 'share': 'labshare',
            'credentials_file': '/etc/cifs-credentials/mnt-lab', 'version': '3.1.1',
            'echo_interval': 60, 'uid': 0, 'gid': 0, 'file_mode': '0644', 'dir_mode': '0755',
            'hard': False, 'netdev': True, 'automount': False, 'extra_options': []}
    base.update(overrides)
    return base


# ---------------------------------------------------------------- /proc/mounts

def test_proc_mounts_only_cifs_entries():
    entries = live.parse_proc_mounts(fixture('proc_mounts_one_share.txt'))
    assert [(e['source'], e['target'], e['fstype']) for e in entries] == [
        ('//127.0.0.1/labshare', '/mnt/lab', 'cifs')]
    options = live.options_dict(entries[0]['options'])
    assert options['vers'] == '3.1.1'
    assert options['echo_interval'] == '60'
    assert options['soft'] is None
    assert options['file_mode'] == '0644'
    assert options['username'] == 'labuser'
    assert 'password' not in options


def test_proc_mounts_decodes_octal_space_in_mount_point():
    entries = live.parse_proc_mounts(fixture('proc_mounts_two_connections.txt'))
    assert [e['target'] for e in entries] == ['/mnt/lab', '/mnt/lab two']
    second = live.options_dict(entries[1]['options'])
    assert (second['vers'], second['echo_interval'], second['uid'], second['file_mode']) == (
        '3.0', '30', '1000', '0640')
    assert 'hard' in second and 'soft' not in second


def test_encode_field_roundtrips_with_decode():
    assert fstab.encode_field('/mnt/lab two') == '/mnt/lab\\040two'
    assert fstab.decode_field(fstab.encode_field('/a b\\c\td')) == '/a b\\c\td'


# ---------------------------------------------------------------- DebugData

def test_debug_data_one_server():
    debug = debugdata.parse_debug_data(fixture('debugdata_one_share.txt'))
    assert debug['cifs_version'] == '2.40'
    assert len(debug['servers']) == 1
    server = debug['servers'][0]
    assert (server['connection_id'], server['hostname'], server['dialect_code'], server['dialect']) == (
        '0x1', '127.0.0.1', '0x311', '3.1.1')
    assert (server['tcp_status'], server['instance']) == (1, 1)
    assert server['shares'] == ['\\\\127.0.0.1\\labshare']


def test_debug_data_instance_counts_reconnects():
    server = debugdata.parse_debug_data(fixture('debugdata_after_reconnect.txt'))['servers'][0]
    assert (server['connection_id'], server['instance']) == ('0x2', 2)


def test_two_connections_to_one_share_are_told_apart_by_dialect():
    debug = debugdata.parse_debug_data(fixture('debugdata_two_connections.txt'))
    assert [(s['connection_id'], s['dialect'], s['instance']) for s in debug['servers']] == [
        ('0x4', '3.0', 1), ('0x3', '3.1.1', 2)]
    both = debugdata.servers_for(debug, '//127.0.0.1/labshare')
    assert len(both) == 2
    assert [s['connection_id'] for s in debugdata.servers_for(debug, '//127.0.0.1/labshare', '3.0')] == ['0x4']
    assert [s['connection_id'] for s in debugdata.servers_for(debug, '//127.0.0.1/LABSHARE', '3.1.1')] == ['0x3']
    assert debugdata.servers_for(debug, '//127.0.0.1/other') == []


def test_is_smb3():
    assert debugdata.is_smb3('0x300') and debugdata.is_smb3('0x311')
    assert not debugdata.is_smb3('0x210')
    assert not debugdata.is_smb3(None)


# ---------------------------------------------------------------- kernel log

def test_unresponsive_lines_and_measured_delay():
    text = fixture('dmesg_outage_echo9_echo5.txt')
    events = kernel_log.parse_unresponsive(text)
    assert [(e['server'], e['seconds']) for e in events] == [('127.0.0.1', 27), ('127.0.0.1', 15)]
    markers = [float(line.split(']')[0].strip('[ ')) for line in text.splitlines() if 'isplab: stopping' in line]
    delays = [round(e['timestamp'] - m, 1) for e, m in zip(events, markers)]
    # The captured delays follow the 7 s read-timeout model of detection_window().
    assert delays == [28.0, 20.8]
    assert kernel.detection_window(9, 3) == (27, 28)
    assert kernel.detection_window(5, 3) == (15, 21)


def test_unresponsive_old_kernel_format():
    line = 'CIFS VFS: Server files.example.net has not responded in 120 seconds. Reconnecting...'
    assert kernel_log.parse_unresponsive(line) == [{'timestamp': None, 'server': 'files.example.net', 'seconds': 120}]


# ---------------------------------------------------------------- kernel version

@pytest.mark.parametrize('release, version, signature, expected, source', [
    ('6.1.0-56-amd64', '#1 SMP PREEMPT_DYNAMIC Debian 6.1.192-2 (2026-11-16)', '', (6, 1, 192), 'uname -v (Debian)'),
    ('4.19.0-6-amd64', '#1 SMP Debian 4.19.67-2+deb10u2 (2019-11-11)', '', (4, 19, 67), 'uname -v (Debian)'),
    ('5.4.0-42-generic', '#46-Ubuntu SMP', 'Ubuntu 5.4.0-42.46-generic 5.4.44', (5, 4, 44), 'version_signature'),
    ('5.2.6', '#1 SMP', '', (5, 2, 6), 'uname -r'),
])
def test_upstream_kernel_version(release, version, signature, expected, source):
    assert kernel.upstream_kernel_version(release, version, signature) == (expected, source)


@pytest.mark.parametrize('upstream, multiplier', [
    ((6, 1, 192), 3), ((5, 3, 0), 3), ((5, 2, 7), 3), ((5, 2, 6), 2),
    ((4, 19, 65), 3), ((4, 19, 64), 2), ((4, 9, 224), 3), ((4, 9, 223), 2),
    ((4, 4, 224), 3), ((4, 4, 223), 2), ((4, 14, 300), 2), ((5, 1, 21), 2), ((3, 10, 0), 2),
])
def test_dead_server_multiplier(upstream, multiplier):
    assert kernel.dead_server_multiplier(upstream)[0] == multiplier


def test_multiplier_reason_names_the_branch():
    assert kernel.dead_server_multiplier((4, 14, 300))[1] == '4.14.300: branch 4.14 never received f2caf901c1b7'
    assert kernel.dead_server_multiplier((4, 19, 64))[1] == \
        '4.19.64 < 4.19.65 (stable backport of f2caf901c1b7 not included)'


def test_unreadable_kernel_version():
    with pytest.raises(declaration.CifsError, match="cannot read a kernel version from 'weird'"):
        kernel.upstream_kernel_version('weird')


# ---------------------------------------------------------------- validation

def test_valid_spec_has_no_errors():
    assert declaration.validate_spec(spec()) == []


@pytest.mark.parametrize('overrides, message', [
    ({'echo_interval': 0}, '/mnt/lab: echo_interval 0 is outside 1-600 s (older kernels silently use 60, '
                           'newer ones refuse the mount)'),
    ({'echo_interval': 601}, '/mnt/lab: echo_interval 601 is outside 1-600 s (older kernels silently use 60, '
                             'newer ones refuse the mount)'),
    ({'echo_interval': '60'}, "/mnt/lab: echo_interval must be an integer, got '60'"),
    ({'echo_interval': True}, '/mnt/lab: echo_interval must be an integer, got True'),
    ({'version': '1.0'}, "/mnt/lab: version '1.0' is refused: only SMB3 dialects (3, 3.0, 3.02, 3.1.1) are "
                         "allowed; SMB1 (vers=1.0) and SMB2 are not"),
    ({'version': '2.1'}, "/mnt/lab: version '2.1' is refused: only SMB3 dialects (3, 3.0, 3.02, 3.1.1) are "
                         "allowed; SMB1 (vers=1.0) and SMB2 are not"),
    ({'path': 'mnt/lab'}, 'mnt/lab: path must be an absolute mount point'),
    ({'file_mode': '0999'}, "/mnt/lab: file_mode mode '0999' is not an octal permission like 0644"),
    ({'server': 'a/b'}, "/mnt/lab: server 'a/b' must be a plain name without slashes or whitespace"),
    ({'credentials_file': 'creds'}, '/mnt/lab: credentials_file must be an absolute path'),
    ({'uid': -1}, '/mnt/lab: uid must be a non-negative integer, got -1'),
])
def test_invalid_spec_exact_error(overrides, message):
    assert declaration.validate_spec(spec(**overrides)) == [message]


SHARE_RULE = 'share names must not contain " / \\ [ ] : | < > + = ; , * ?, whitespace or control characters'


@pytest.mark.parametrize('server', [
    'files.example.net', 'fs1', 'FS_1', 'fs1.example.net.', '10.0.0.1', '2001:db8::10', 'fe80::1%eth0'])
def test_servers_that_are_host_names_or_addresses_pass(server):
    assert declaration.validate_spec(spec(server=server)) == []


@pytest.mark.parametrize('server, message', [
    # issue 16: a comma smuggles mount options (here a password) into the fstab line; the value after the
    # first bad character is not echoed
    ('fs1,password=x', "/mnt/lab: server 'fs1...' contains ',' '=': it must be a host name, an IPv4 or an IPv6 "
                       "address (no brackets)"),
    ('fs1;uid=0', "/mnt/lab: server 'fs1...' contains ';' '=': it must be a host name, an IPv4 or an IPv6 "
                  "address (no brackets)"),
    ('[2001:db8::10]', "/mnt/lab: server '...' contains '[' ':' ']': it must be a host name, an IPv4 or an IPv6 "
                       "address (no brackets)"),
    ('fs1\x00', "/mnt/lab: server 'fs1...' contains '\\x00': it must be a host name, an IPv4 or an IPv6 "
                "address (no brackets)"),
    ('10.0.0.256', "/mnt/lab: server '10.0.0.256' is not a host name, an IPv4 or an IPv6 address"),
    ('-fs1', "/mnt/lab: server '-fs1' is not a host name, an IPv4 or an IPv6 address"),
    ('fs1..example', "/mnt/lab: server 'fs1..example' is not a host name, an IPv4 or an IPv6 address"),
    ('a' * 64, "/mnt/lab: server '%s' is not a host name, an IPv4 or an IPv6 address" % ('a' * 64)),
])
def test_server_that_is_no_host_name_or_address_is_refused(server, message):
    errors = declaration.validate_spec(spec(server=server))
    assert errors == [message]
    assert 'password=x' not in errors[0]


@pytest.mark.parametrize('share, shown, bad', [
    ('data,uid=0', 'data', "',' '='"),
    ('my share', 'my', "' '"),
    ('data\tx', 'data', "'\\t'"),
    ('a"b', 'a', "'\"'"),
    ('c:x', 'c', "':'"),
    ('x[1]', 'x', "'[' ']'"),
    ('a|b<c>d+e', 'a', "'|' '<' '>' '+'"),
    ('a;b', 'a', "';'"),
    ('w*?', 'w', "'*' '?'"),
    ('del\x7f', 'del', "'\\x7f'"),
])
def test_share_with_characters_no_share_name_may_hold_is_refused(share, shown, bad):
    assert declaration.validate_spec(spec(share=share)) == [
        "/mnt/lab: share '%s...' contains %s: %s" % (shown, bad, SHARE_RULE)]


@pytest.mark.parametrize('share', ['labshare', 'Data$', 'team-files_2', 'ÄÖÜ'])
def test_ordinary_share_names_pass(share):
    assert declaration.validate_spec(spec(share=share)) == []


@pytest.mark.parametrize('option', ['password=Hunter2-secret', 'pass=Hunter2-secret', 'PASSWORD2=Hunter2-secret'])
def test_password_in_extra_options_is_refused_without_echoing_it(option):
    errors = declaration.validate_spec(spec(extra_options=['nobrl', option]))
    key = option.split('=')[0].lower()
    assert errors == ['/mnt/lab: extra_options must not carry a password (%s=...); the password belongs in '
                      'the credentials file' % key]
    assert 'Hunter2' not in errors[0]


def test_managed_extra_option_is_refused():
    assert declaration.validate_spec(spec(extra_options=['echo_interval=5'])) == [
        "/mnt/lab: extra option 'echo_interval' is managed by this module; set echo_interval instead"]
    assert declaration.validate_spec(spec(extra_options=['credentials=/tmp/x'])) == [
        "/mnt/lab: extra option 'credentials' is managed by this module; set credentials_file instead"]


# ---------------------------------------------------------------- fstab and plan

def test_fstab_line_references_credentials_only():
    line = declaration.fstab_line(spec(path='/mnt/lab two', hard=True, automount=True, extra_options=['nobrl']))
    assert line == ('//127.0.0.1/labshare /mnt/lab\\040two cifs credentials=/etc/cifs-credentials/mnt-lab,'
                    'vers=3.1.1,echo_interval=60,uid=0,gid=0,file_mode=0644,dir_mode=0755,hard,_netdev,'
                    'x-systemd.automount,nobrl 0 0')


def test_plan_new_mount_writes_fstab_and_mounts():
    result = planner.plan(spec(), 'mounted', 'proc /proc proc defaults 0 0\n', '')
    assert result['actions'] == ['write_fstab', 'mount']
    assert result['new_fstab'] == 'proc /proc proc defaults 0 0\n' + declaration.fstab_line(spec()) + '\n'


def test_plan_matching_live_mount_is_a_noop():
    fstab = declaration.fstab_line(spec()) + '\n'
    result = planner.plan(spec(), 'mounted', fstab, fixture('proc_mounts_one_share.txt'))
    assert (result['actions'], result['differences'], result['new_fstab']) == ([], [], None)


def test_plan_changed_echo_interval_unmounts_and_mounts():
    old = declaration.fstab_line(spec()) + '\n'
    result = planner.plan(spec(echo_interval=9), 'mounted', old, fixture('proc_mounts_one_share.txt'))
    assert result['actions'] == ['write_fstab', 'umount', 'mount']
    assert result['differences'] == [('echo_interval', '9', '60')]
    assert result['remount_reasons'] == ['echo_interval: declared 9, live 60', 'fstab options changed']


def test_plan_drift_of_live_mount_is_repaired_without_fstab_change():
    # fstab already declares 9, but the live mount still runs with 60 (e.g. a failed earlier run).
    fstab = declaration.fstab_line(spec(echo_interval=9)) + '\n'
    result = planner.plan(spec(echo_interval=9), 'mounted', fstab, fixture('proc_mounts_one_share.txt'))
    assert result['actions'] == ['umount', 'mount']


def test_plan_fstab_only_option_change_keeps_the_mount():
    old = declaration.fstab_line(spec(netdev=False)) + '\n'
    result = planner.plan(spec(), 'mounted', old, fixture('proc_mounts_one_share.txt'))
    assert result['actions'] == ['write_fstab']


def test_plan_force_remount():
    fstab = declaration.fstab_line(spec()) + '\n'
    result = planner.plan(spec(), 'mounted', fstab, fixture('proc_mounts_one_share.txt'), force_remount=True)
    assert result['actions'] == ['umount', 'mount']


def test_plan_absent_unmounts_and_removes_entry():
    fstab = 'proc /proc proc defaults 0 0\n' + declaration.fstab_line(spec()) + '\n'
    result = planner.plan(spec(), 'absent', fstab, fixture('proc_mounts_one_share.txt'))
    assert result['actions'] == ['umount', 'write_fstab']
    assert result['new_fstab'] == 'proc /proc proc defaults 0 0\n'


def test_plan_refuses_duplicate_fstab_entries():
    line = declaration.fstab_line(spec())
    with pytest.raises(declaration.CifsError, match=r'^/mnt/lab appears 2 times in fstab \(lines 1, 2\); remove the '
                                                    r'duplicates first$'):
        planner.plan(spec(echo_interval=9), 'mounted', line + '\n' + line + '\n', '')


def test_plan_automount_starts_unit_instead_of_mounting():
    result = planner.plan(spec(automount=True), 'mounted', '', '')
    assert result['actions'] == ['write_fstab', 'start_automount']
    old = declaration.fstab_line(spec(automount=True)) + '\n'
    result = planner.plan(spec(), 'mounted', old, '')
    assert result['actions'] == ['stop_automount', 'write_fstab', 'mount']
