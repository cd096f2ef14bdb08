# -*- coding: utf-8 -*-
# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""CIFS mount logic shared by ``cifs_mount`` and ``cifs_mount_verify``.

Pure functions: parsers for ``/proc/mounts``, ``/etc/fstab``,
``/proc/fs/cifs/DebugData`` and the kernel log, the validation of a mount
declaration, the fstab line it produces, and the plan that turns the current
state into the declared one.  Unit tests feed them output captured from the
Debian bookworm kernel (6.1) in a lab VM.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

# vers= values that negotiate SMB3 only.  "3" lets the kernel pick 3.0-3.1.1.
SMB3_VERSIONS = ('3', '3.0', '3.02', '3.1.1')
DEFAULT_VERSION = '3.1.1'
ECHO_INTERVAL_MIN = 1
ECHO_INTERVAL_MAX = 600
DEFAULT_ECHO_INTERVAL = 60
CIFS_FSTYPES = ('cifs', 'smb3')

# The demultiplex thread only checks for a dead server when a socket read
# times out; fs/cifs/connect.c sets sk_rcvtimeo = 7 * HZ, so the reconnect
# happens at the first 7 s tick after the deadline.
SOCKET_READ_TIMEOUT = 7

# Upstream f2caf901c1b7 ("cifs: Fix a race condition with cifs_echo_request")
# raised the dead-server deadline from 2 to 3 echo intervals.  Mainline 5.3;
# stable backports: first release of each branch that carries it.
FIX_MAINLINE = (5, 3)
FIX_STABLE = {
    (5, 2): (5, 2, 7),      # queued 2019-08-05 ("5.2 031/131")
    (4, 19): (4, 19, 65),   # queued 2019-08-05 ("4.19 17/74")
    (4, 9): (4, 9, 224),    # queued 2020-05-15 (backport by H. Schild)
    (4, 4): (4, 4, 224),    # queued 2020-05-18 ("4.4 42/86")
}

# Keys a free option must not set: secrets, and settings the mount owns.
SECRET_OPTION_KEYS = ('password', 'password2', 'pass', 'passwd')
MANAGED_OPTION_KEYS = {
    'credentials': 'credentials_file', 'cred': 'credentials_file',
    'user': 'the credentials file', 'username': 'the credentials file',
    'domain': 'the credentials file', 'dom': 'the credentials file',
    'workgroup': 'the credentials file',
    'vers': 'version', 'echo_interval': 'echo_interval',
    'uid': 'uid', 'gid': 'gid', 'file_mode': 'file_mode', 'dir_mode': 'dir_mode',
    'hard': 'hard', 'soft': 'hard', '_netdev': 'netdev',
    'x-systemd.automount': 'automount', 'noauto': 'automount',
}
# fstab options that only steer boot ordering or systemd, never the mount itself.
FSTAB_ONLY_OPTIONS = ('_netdev', 'noauto', 'auto', 'nofail', 'x-systemd.automount')

DIALECTS = {
    0x0202: '2.0.2', 0x0210: '2.1', 0x0300: '3.0', 0x0302: '3.0.2', 0x0311: '3.1.1',
}

# /proc/mounts prints vers=3.02 for dialect 0x302.
_DIALECT_OF_VERS = {'3.02': '3.0.2'}

_MODE_RE = re.compile(r'^0?[0-7]{3}$')
_OCTAL_ESCAPE_RE = re.compile(r'\\([0-7]{3})')


class CifsError(Exception):
    """A declaration or an input file that cannot be used; the message says how to fix it."""


# --------------------------------------------------------------------------
# /proc/mounts and fstab fields
# --------------------------------------------------------------------------

def decode_field(field):
    """Undo the kernel's octal escapes (``\\040`` space, ``\\011`` tab, ``\\134`` backslash)."""
    return _OCTAL_ESCAPE_RE.sub(lambda m: chr(int(m.group(1), 8)), field)


def encode_field(value):
    """Escape a value for an fstab field the way the kernel does in /proc/mounts."""
    out = []
    for char in value:
        if char in ' \t\n\\':
            out.append('\\%03o' % ord(char))
        else:
            out.append(char)
    return ''.join(out)


def parse_options(text):
    """``a,b=c`` -> ordered list of (key, value-or-None)."""
    options = []
    for item in text.split(','):
        if not item:
            continue
        key, sep, value = item.partition('=')
        options.append((key, value if sep else None))
    return options


def options_dict(options):
    return dict(options)


def _parse_table(text, fstypes):
    entries = []
    for number, line in enumerate(text.splitlines()):
        stripped = line.strip()
        if not stripped or stripped.startswith('#'):
            continue
        fields = stripped.split()
        if len(fields) < 4:
            continue
        if fstypes and fields[2] not in fstypes:
            continue
        entries.append({
            'line': number,
            'source': decode_field(fields[0]),
            'target': decode_field(fields[1]),
            'fstype': fields[2],
            'options': parse_options(fields[3]),
        })
    return entries


def parse_proc_mounts(text):
    """CIFS entries of /proc/mounts (or /proc/self/mounts), in mount order."""
    return _parse_table(text, CIFS_FSTYPES)


def parse_fstab(text):
    """Every entry of an fstab, with its 0-based line number."""
    return _parse_table(text, None)


def live_mount(entries, target):
    """The mount visible at ``target`` (the last one mounted there wins)."""
    found = [e for e in entries if e['target'] == target]
    return found[-1] if found else None


def unc_of(source):
    """``//server/share`` -> ``\\\\server\\share`` (lower-cased for comparison)."""
    return source.replace('/', '\\').lower()


# --------------------------------------------------------------------------
# The declaration
# --------------------------------------------------------------------------

def normalize_mode(value):
    """'644', '0644' -> '0644' (how /proc/mounts prints file_mode/dir_mode)."""
    if value is None:
        return None
    text = str(value)
    if not _MODE_RE.match(text):
        raise CifsError('mode %r is not an octal permission like 0644' % (text,))
    return '0' + text[-3:]


def validate_spec(spec):
    """Every problem with a mount declaration, as messages; empty when it is usable.

    ``spec`` keys: path, server, share, credentials_file, version,
    echo_interval, uid, gid, file_mode, dir_mode, hard, netdev, automount,
    extra_options.
    """
    errors = []
    path = spec.get('path') or ''
    where = path or '<no path>'
    if not path.startswith('/'):
        errors.append('%s: path must be an absolute mount point' % where)
    elif path != '/' and path.endswith('/'):
        errors.append('%s: path must not end with "/"' % where)
    for key in ('server', 'share'):
        value = spec.get(key)
        if not value:
            errors.append('%s: %s is required' % (where, key))
        elif '/' in value or '\\' in value or (key == 'server' and any(c.isspace() for c in value)):
            errors.append('%s: %s %r must be a plain name without slashes%s' % (
                where, key, value, ' or whitespace' if key == 'server' else ''))
    version = spec.get('version')
    if version not in SMB3_VERSIONS:
        errors.append('%s: version %r is refused: only SMB3 dialects (%s) are allowed; '
                      'SMB1 (vers=1.0) and SMB2 are not' % (where, version, ', '.join(SMB3_VERSIONS)))
    echo = spec.get('echo_interval')
    if isinstance(echo, bool) or not isinstance(echo, int):
        errors.append('%s: echo_interval must be an integer, got %r' % (where, echo))
    elif not ECHO_INTERVAL_MIN <= echo <= ECHO_INTERVAL_MAX:
        errors.append('%s: echo_interval %d is outside %d-%d s (older kernels silently use 60, '
                      'newer ones refuse the mount)' % (where, echo, ECHO_INTERVAL_MIN, ECHO_INTERVAL_MAX))
    for key in ('file_mode', 'dir_mode'):
        try:
            normalize_mode(spec.get(key))
        except CifsError as exc:
            errors.append('%s: %s %s' % (where, key, exc))
    for key in ('uid', 'gid'):
        value = spec.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            errors.append('%s: %s must be a non-negative integer, got %r' % (where, key, value))
    credentials = spec.get('credentials_file') or ''
    if not credentials.startswith('/'):
        errors.append('%s: credentials_file must be an absolute path' % where)
    elif ',' in credentials or any(c.isspace() for c in credentials):
        errors.append('%s: credentials_file must not contain commas or whitespace' % where)
    for option in spec.get('extra_options') or []:
        key = option.partition('=')[0].strip().lower()
        if key in SECRET_OPTION_KEYS:
            # Never echo the option: its value is the secret.
            errors.append('%s: extra_options must not carry a password (%s=...); the password '
                          'belongs in the credentials file' % (where, key))
        elif key in MANAGED_OPTION_KEYS:
            errors.append('%s: extra option %r is managed by this module; set %s instead' % (
                where, key, MANAGED_OPTION_KEYS[key]))
        elif ',' in option or any(c.isspace() for c in option):
            errors.append('%s: extra option %r must be one option without commas or whitespace' % (
                where, option))
    return errors


def fstab_options(spec):
    """The option list written to fstab, in a fixed order (so reruns compare equal)."""
    options = ['credentials=%s' % spec['credentials_file'],
               'vers=%s' % spec['version'],
               'echo_interval=%d' % spec['echo_interval']]
    for key in ('uid', 'gid'):
        if spec.get(key) is not None:
            options.append('%s=%d' % (key, spec[key]))
    for key in ('file_mode', 'dir_mode'):
        if spec.get(key) is not None:
            options.append('%s=%s' % (key, normalize_mode(spec[key])))
    options.append('hard' if spec.get('hard') else 'soft')
    if spec.get('netdev', True):
        options.append('_netdev')
    if spec.get('automount'):
        options.append('x-systemd.automount')
    options.extend(spec.get('extra_options') or [])
    return options


def source_of(spec):
    return '//%s/%s' % (spec['server'], spec['share'])


def fstab_line(spec):
    return '%s %s cifs %s 0 0' % (
        encode_field(source_of(spec)), encode_field(spec['path']), ','.join(fstab_options(spec)))


def expected_live_options(spec):
    """What /proc/mounts must show for the declaration (keys the kernel prints back)."""
    expected = {'echo_interval': str(spec['echo_interval'])}
    if spec['version'] != '3':
        # The kernel prints the negotiated dialect; 3.02 is printed as 3.02.
        expected['vers'] = spec['version']
    for key in ('uid', 'gid'):
        if spec.get(key) is not None:
            expected[key] = str(spec[key])
    for key in ('file_mode', 'dir_mode'):
        if spec.get(key) is not None:
            expected[key] = normalize_mode(spec[key])
    expected['hard' if spec.get('hard') else 'soft'] = None
    return expected


def option_differences(expected, live_options):
    """[(key, expected, live)] for every expected option the live mount does not show."""
    live = options_dict(live_options)
    differences = []
    for key in sorted(expected):
        want = expected[key]
        if key not in live:
            differences.append((key, want, 'absent'))
        elif want is not None and live[key] != want:
            differences.append((key, want, live[key]))
    if 'vers' not in expected and not (live.get('vers') or '').startswith('3'):
        differences.append(('vers', '3.x', live.get('vers', 'absent')))
    return differences


def mount_affecting(options):
    """The fstab options that reach the kernel (ignores boot/systemd-only ones)."""
    return sorted((k, v) for k, v in options if k not in FSTAB_ONLY_OPTIONS and not k.startswith('x-systemd.'))


# --------------------------------------------------------------------------
# Planning
# --------------------------------------------------------------------------

def replace_fstab_entry(text, target, new_line):
    """fstab text with the entry for ``target`` replaced (or appended; removed when new_line is None)."""
    lines = text.splitlines()
    matches = [e['line'] for e in parse_fstab(text) if e['target'] == target]
    if len(matches) > 1:
        raise CifsError('%s appears %d times in fstab (lines %s); remove the duplicates first' % (
            target, len(matches), ', '.join(str(m + 1) for m in matches)))
    if matches:
        if new_line is None:
            del lines[matches[0]]
        else:
            lines[matches[0]] = new_line
    elif new_line is not None:
        lines.append(new_line)
    return '\n'.join(lines) + '\n' if lines else ''


def fstab_entry_line(text, target):
    for entry in parse_fstab(text):
        if entry['target'] == target:
            return text.splitlines()[entry['line']]
    return None


def plan(spec, state, fstab_text, mounts_text, force_remount=False):
    """What to do to reach ``state`` (mounted | present | absent).

    Returns a dict: ``fstab_before``/``fstab_after`` (the entry lines),
    ``new_fstab`` (full text, or None when unchanged), ``live`` (the current
    cifs entry or None), ``differences`` (live vs declared), ``remount_reasons``
    and ``actions`` (ordered: mkdir, write_fstab, stop_automount, umount, mount,
    start_automount).
    """
    target = spec['path']
    before_line = fstab_entry_line(fstab_text, target)
    before_entry = parse_fstab(before_line)[0] if before_line else None
    live = live_mount(parse_proc_mounts(mounts_text), target)
    after_line = None if state == 'absent' else fstab_line(spec)
    new_fstab = None
    if before_line != after_line:
        new_fstab = replace_fstab_entry(fstab_text, target, after_line)
    was_automount = bool(before_entry) and 'x-systemd.automount' in options_dict(before_entry['options'])
    result = {'fstab_before': before_line, 'fstab_after': after_line, 'new_fstab': new_fstab,
              'live': live, 'differences': [], 'remount_reasons': [], 'actions': []}
    actions = result['actions']
    if state == 'absent':
        if live:
            actions.append('umount')
        if was_automount:
            actions.insert(0, 'stop_automount')
        if new_fstab is not None:
            actions.append('write_fstab')
        return result

    if new_fstab is not None:
        if was_automount and not spec.get('automount'):
            actions.append('stop_automount')
        actions.append('write_fstab')
    if state == 'present':
        return result

    reasons = result['remount_reasons']
    if live:
        differences = option_differences(expected_live_options(spec), live['options'])
        result['differences'] = differences
        for key, want, have in differences:
            reasons.append('%s: declared %s, live %s' % (key, want if want is not None else 'set', have))
        if unc_of(live['source']) != unc_of(source_of(spec)):
            reasons.append('source: declared %s, live %s' % (source_of(spec), live['source']))
        if before_entry and mount_affecting(before_entry['options']) != mount_affecting(
                parse_options(','.join(fstab_options(spec)))):
            reasons.append('fstab options changed')
        if force_remount:
            reasons.append('remount requested (credentials changed)')
        if reasons:
            actions.append('umount')
    if spec.get('automount'):
        actions.append('start_automount')
    elif not live or reasons:
        actions.append('mount')
    return result


# --------------------------------------------------------------------------
# /proc/fs/cifs/DebugData
# --------------------------------------------------------------------------

_SERVER_RE = re.compile(r'^(\d+)\) ConnectionId: (0x[0-9a-fA-F]+)(?: Hostname: (\S+))?')
_DIALECT_RE = re.compile(r'Dialect (0x[0-9a-fA-F]+)')
_STATUS_RE = re.compile(r'TCP status: (\d+) Instance: (\d+)')
_SHARE_RE = re.compile(r'^\s*\d+\) (?:IPC: )?(\\\\\S+)')


def dialect_name(code):
    return DIALECTS.get(code, '0x%x' % code)


def parse_debug_data(text):
    """Servers of /proc/fs/cifs/DebugData: dialect, reconnect Instance, TCP status and shares.

    Format of fs/cifs/cifs_debug.c (Linux 5.x/6.x): one block per server
    starting ``N) ConnectionId: 0x.. Hostname: host``, with ``Dialect 0x311``,
    ``TCP status: 1 Instance: 1`` and a ``Shares:`` list of ``\\\\host\\share``.
    The Instance counter starts at 1 and grows by one per reconnect.
    """
    header = {}
    servers = []
    current = None
    for line in text.splitlines():
        if current is None and line.startswith('CIFS Version'):
            header['cifs_version'] = line.split('CIFS Version', 1)[1].strip()
        match = _SERVER_RE.match(line)
        if match:
            current = {'index': int(match.group(1)), 'connection_id': match.group(2),
                       'hostname': match.group(3), 'dialect_code': None, 'dialect': None,
                       'tcp_status': None, 'instance': None, 'shares': []}
            servers.append(current)
            continue
        if current is None:
            continue
        match = _DIALECT_RE.search(line)
        if match and current['dialect_code'] is None:
            code = int(match.group(1), 16)
            current['dialect_code'] = '0x%x' % code
            current['dialect'] = dialect_name(code)
        match = _STATUS_RE.search(line)
        if match and current['instance'] is None:
            current['tcp_status'] = int(match.group(1))
            current['instance'] = int(match.group(2))
        match = _SHARE_RE.match(line)
        if match and 'ConnectionId' not in line:
            share = match.group(1)
            if not share.upper().endswith('\\IPC$') and share not in current['shares']:
                current['shares'].append(share)
    header['servers'] = servers
    return header


def servers_for(debug, source, vers=None):
    """DebugData servers that carry the share mounted from ``source`` (//host/share).

    Mounts of one share with different echo_interval or vers get separate
    connections, and DebugData prints no echo interval; the negotiated dialect
    (``vers=`` in /proc/mounts) narrows the match.
    """
    unc = unc_of(source)
    servers = [s for s in debug['servers'] if any(share.lower() == unc for share in s['shares'])]
    if vers:
        same_dialect = [s for s in servers if s['dialect'] == _DIALECT_OF_VERS.get(vers, vers)]
        if same_dialect:
            return same_dialect
    return servers


def is_smb3(dialect_code):
    return dialect_code is not None and int(dialect_code, 16) >= 0x300


# --------------------------------------------------------------------------
# Kernel version -> dead-server multiplier
# --------------------------------------------------------------------------

_VERSION_RE = re.compile(r'(\d+)\.(\d+)(?:\.(\d+))?')


def _triple(text):
    match = _VERSION_RE.search(text or '')
    if not match:
        return None
    return (int(match.group(1)), int(match.group(2)), int(match.group(3) or 0))


def upstream_kernel_version(release, version='', signature=''):
    """The upstream version a kernel is built from, and where it was read.

    ``uname -r`` is not enough on distributions: Debian's 6.1.0-27-amd64 is
    upstream 6.1.115 (``uname -v``: "... Debian 6.1.115-1 ..."), Ubuntu puts
    it last in /proc/version_signature ("Ubuntu 5.4.0-42.46-generic 5.4.44").
    """
    if signature:
        parts = signature.split()
        if parts and _triple(parts[-1]):
            return _triple(parts[-1]), 'version_signature'
    match = re.search(r'Debian (\d+\.\d+(?:\.\d+)?)', version or '')
    if match:
        return _triple(match.group(1)), 'uname -v (Debian)'
    triple = _triple(release)
    if triple is None:
        raise CifsError('cannot read a kernel version from %r' % (release,))
    return triple, 'uname -r'


def dead_server_multiplier(upstream):
    """(multiplier, reason): 3 when the kernel has f2caf901c1b7, else 2."""
    major_minor = upstream[:2]
    text = '.'.join(str(p) for p in upstream)
    if major_minor >= FIX_MAINLINE:
        return 3, '%s >= 5.3 (fix f2caf901c1b7 is in mainline since 5.3)' % text
    first = FIX_STABLE.get(major_minor)
    if first and upstream >= first:
        return 3, '%s >= %s (stable backport of f2caf901c1b7)' % (text, '.'.join(str(p) for p in first))
    if first:
        return 2, '%s < %s (stable backport of f2caf901c1b7 not included)' % (
            text, '.'.join(str(p) for p in first))
    return 2, '%s: branch %d.%d never received f2caf901c1b7' % (text, major_minor[0], major_minor[1])


def detection_window(echo_interval, multiplier):
    """(earliest, latest) seconds after the last server response until the client gives up."""
    deadline = multiplier * echo_interval
    # First socket read timeout strictly after the deadline.
    latest = (deadline // SOCKET_READ_TIMEOUT + 1) * SOCKET_READ_TIMEOUT
    return deadline, latest


# --------------------------------------------------------------------------
# Kernel log
# --------------------------------------------------------------------------

# 6.1: "CIFS: VFS: \\127.0.0.1 has not responded in 27 seconds. Reconnecting..."
# <5.9: "CIFS VFS: Server 127.0.0.1 has not responded in 120 seconds. Reconnecting..."
_UNRESPONSIVE_RE = re.compile(
    r'^(?:\[\s*(?P<ts>\d+\.\d+)\]\s*)?CIFS:? VFS: (?:\\\\(?P<host1>\S+)|Server (?P<host2>\S+)) '
    r'has not responded in (?P<seconds>\d+) seconds\. Reconnecting')


def parse_unresponsive(text):
    """'has not responded' events of a kernel log (``dmesg`` output, timestamps optional)."""
    events = []
    for line in text.splitlines():
        match = _UNRESPONSIVE_RE.search(line.strip())
        if match:
            events.append({'timestamp': float(match.group('ts')) if match.group('ts') else None,
                           'server': match.group('host1') or match.group('host2'),
                           'seconds': int(match.group('seconds'))})
    return events
