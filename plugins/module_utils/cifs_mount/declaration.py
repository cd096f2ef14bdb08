# -*- coding: utf-8 -*-
# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A CIFS mount declaration: its validation and the fstab line it produces.

Pure functions, so unit tests feed declarations without a host.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import re

from ansible_collections.isplab.infra.plugins.module_utils.common.fstab import encode_field

# vers= values that negotiate SMB3 only.  "3" lets the kernel pick 3.0-3.1.1.
SMB3_VERSIONS = ('3', '3.0', '3.02', '3.1.1')
DEFAULT_VERSION = '3.1.1'
ECHO_INTERVAL_MIN = 1
ECHO_INTERVAL_MAX = 600
DEFAULT_ECHO_INTERVAL = 60

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
SPEC_KEYS = ('path', 'server', 'share', 'credentials_file', 'version', 'echo_interval', 'uid', 'gid',
             'file_mode', 'dir_mode', 'hard', 'netdev', 'automount', 'extra_options')

_MODE_RE = re.compile(r'^0?[0-7]{3}$')

# Characters Windows refuses in a share name (the list its share dialogs and NetShareAdd reject, as issue 16
# quotes it); ',' among them would also add mount options to the fstab line. Whitespace and control
# characters are refused as well (see _bad_characters).
SHARE_FORBIDDEN = '"/\\[]:|<>+=;,*?'
# A host name holds letters, digits, '-', '_' and dots only; anything else (',' '=' '@' ...) is refused.
_SERVER_FORBIDDEN = ''.join(chr(c) for c in range(33, 127) if not (chr(c).isalnum() or chr(c) in '-_.'))
_HOST_LABEL_RE = re.compile(r'^(?!-)[A-Za-z0-9_-]{1,63}(?<!-)$')


class CifsError(Exception):
    """A declaration or an input file that cannot be used; the message says how to fix it."""


def spec_of(params):
    """The declaration from module parameters, with the mount point written without a trailing slash."""
    spec = dict((key, params[key]) for key in SPEC_KEYS)
    spec['path'] = spec['path'].rstrip('/') or '/'
    return spec


def secret_option_values(extra_options):
    """Values of password options in ``extra_options``, to mask them wherever the invocation is echoed."""
    values = []
    for option in extra_options or []:
        key, _sep, value = option.partition('=')
        if key.strip().lower() in SECRET_OPTION_KEYS and value:
            values.append(value)
    return values


def unc_of(source):
    """``//server/share`` -> ``\\\\server\\share`` (lower-cased for comparison)."""
    return source.replace('/', '\\').lower()


def normalize_mode(value):
    """'644', '0644' -> '0644' (how /proc/mounts prints file_mode/dir_mode)."""
    if value is None:
        return None
    text = str(value)
    if not _MODE_RE.match(text):
        raise CifsError('mode %r is not an octal permission like 0644' % (text,))
    return '0' + text[-3:]


def _bad_characters(value, forbidden):
    """The characters of ``value`` that are in ``forbidden``, whitespace or control characters, in order."""
    found = []
    for char in value:
        if (char in forbidden or char.isspace() or ord(char) < 32 or ord(char) == 127) and char not in found:
            found.append(char)
    return found


def _shown(value, bad):
    """``value`` up to its first bad character: what follows may be a smuggled option such as password=..."""
    cut = min(value.index(char) for char in bad)
    return repr(value[:cut] + '...')


def _server_error(value):
    """Why ``value`` is not a host name, an IPv4 or an IPv6 literal (None when it is one)."""
    try:
        # mount.cifs (cifs-utils mount.cifs.c) hands the host part of //host/share to getaddrinfo(3),
        # which takes an IPv6 literal without brackets (fe80::1%eth0 with a scope).
        ipaddress.ip_address(value)
        return None
    except ValueError:
        pass
    bad = _bad_characters(value, _SERVER_FORBIDDEN)
    if bad:
        return 'server %s contains %s: it must be a host name, an IPv4 or an IPv6 address (no brackets)' % (
            _shown(value, bad), ' '.join(repr(char) for char in bad))
    name = value[:-1] if value.endswith('.') else value
    labels = name.split('.')
    # RFC 1123 host names (underscores as Windows/NetBIOS names carry them); an all-numeric last label
    # is a mistyped IPv4 address such as 10.0.0.256 (RFC 3696 section 2).
    valid = len(name) <= 253 and all(_HOST_LABEL_RE.match(label) for label in labels) and not labels[-1].isdigit()
    return None if valid else 'server %r is not a host name, an IPv4 or an IPv6 address' % (value,)


def _location_errors(where, spec):
    errors = []
    path = spec.get('path') or ''
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
        else:
            problem = _server_error(value) if key == 'server' else _share_error(value)
            if problem:
                errors.append('%s: %s' % (where, problem))
    return errors


def _share_error(value):
    """Why ``value`` cannot be an SMB share name (None when it can)."""
    bad = _bad_characters(value, SHARE_FORBIDDEN)
    if bad:
        return ('share %s contains %s: share names must not contain %s, whitespace or control characters'
                % (_shown(value, bad), ' '.join(repr(char) for char in bad), ' '.join(SHARE_FORBIDDEN)))
    return None


def _option_errors(where, spec):
    errors = []
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
    return errors


def _secret_errors(where, spec):
    """Problems with where the secret lives: only in the credentials file, never in an option."""
    errors = []
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


def validate_spec(spec):
    """Every problem with a mount declaration, as messages; empty when it is usable.

    ``spec`` keys: see SPEC_KEYS.
    """
    where = spec.get('path') or '<no path>'
    return _location_errors(where, spec) + _option_errors(where, spec) + _secret_errors(where, spec)


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
