# -*- coding: utf-8 -*-
# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The kernel's live CIFS mounts (/proc/mounts) compared with a declaration."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.isplab.infra.plugins.module_utils.cifs_mount.declaration import normalize_mode
from ansible_collections.isplab.infra.plugins.module_utils.common.fstab import parse_table

CIFS_FSTYPES = ('cifs', 'smb3')
# fstab options that only steer boot ordering or systemd, never the mount itself.
FSTAB_ONLY_OPTIONS = ('_netdev', 'noauto', 'auto', 'nofail', 'x-systemd.automount')


def parse_proc_mounts(text):
    """CIFS entries of /proc/mounts (or /proc/self/mounts), in mount order."""
    return parse_table(text, CIFS_FSTYPES)


def live_mount(entries, target):
    """The mount visible at ``target`` (the last one mounted there wins)."""
    found = [e for e in entries if e['target'] == target]
    return found[-1] if found else None


def options_dict(options):
    return dict(options)


def expected_live_options(spec):
    """What /proc/mounts must show for the declaration (keys the kernel prints back).

    ``hard`` None (the verifier's "either") expects neither hard nor soft.
    """
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
    if spec.get('hard') is not None:
        expected['hard' if spec['hard'] else 'soft'] = None
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


def describe_differences(differences):
    return ['%s: declared %s, live %s' % (key, 'set' if want is None else want, have)
            for key, want, have in differences]


def mount_affecting(options):
    """The fstab options that reach the kernel (ignores boot/systemd-only ones)."""
    return sorted((k, v) for k, v in options if k not in FSTAB_ONLY_OPTIONS and not k.startswith('x-systemd.'))
