# -*- coding: utf-8 -*-
# Copyright: isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""fstab and /proc/mounts tables: parsing, and editing one entry while keeping every other line as it is."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

_OCTAL_ESCAPE_RE = re.compile(r'\\([0-7]{3})')


class FstabError(ValueError):
    """An fstab that cannot be edited safely; the message says what to fix by hand."""


def decode_field(field):
    """Undo the kernel's octal escapes (``\\040`` space, ``\\011`` tab, ``\\134`` backslash)."""
    return _OCTAL_ESCAPE_RE.sub(lambda m: chr(int(m.group(1), 8)), field)


def encode_field(value):
    """Escape a value for an fstab field the way the kernel does in /proc/mounts."""
    return ''.join('\\%03o' % ord(char) if char in ' \t\n\\' else char for char in value)


def parse_options(text):
    """``a,b=c`` -> ordered list of (key, value-or-None)."""
    options = []
    for item in text.split(','):
        if not item:
            continue
        key, sep, value = item.partition('=')
        options.append((key, value if sep else None))
    return options


def parse_table(text, fstypes=None):
    """Entries of an fstab or /proc/mounts text, with their 0-based line number; only ``fstypes`` when given."""
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


def entries_for(text, target):
    return [entry for entry in parse_table(text) if entry['target'] == target]


def entry_line(text, target):
    """The raw fstab line that mounts ``target``, or None."""
    found = entries_for(text, target)
    return text.splitlines()[found[0]['line']] if found else None


def _single(text, target):
    found = entries_for(text, target)
    if len(found) > 1:
        raise FstabError('%s appears %d times in fstab (lines %s); remove the duplicates first' % (
            target, len(found), ', '.join(str(entry['line'] + 1) for entry in found)))
    return found[0] if found else None


def replace_entry(text, target, new_line):
    """fstab text with the entry for ``target`` replaced (appended when missing; removed when new_line is None)."""
    lines = text.splitlines()
    entry = _single(text, target)
    if entry is not None:
        if new_line is None:
            del lines[entry['line']]
        else:
            lines[entry['line']] = new_line
    elif new_line is not None:
        lines.append(new_line)
    return '\n'.join(lines) + '\n' if lines else ''


def with_option(text, target, option):
    """fstab text with ``option`` added to the entry for ``target``; None when no entry mounts it."""
    entry = _single(text, target)
    if entry is None:
        return None
    if option in [pair[0] for pair in entry['options']]:
        return text
    lines = text.splitlines(True)
    raw = lines[entry['line']]
    fields = raw.split()
    fields[3] += ',' + option
    lines[entry['line']] = ' '.join(fields) + ('\n' if raw.endswith('\n') else '')
    return ''.join(lines)
