# -*- coding: utf-8 -*-
# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The plan that turns the current fstab and live mount into the declared ones."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.isplab.infra.plugins.module_utils.cifs_mount.declaration import (
    CifsError, fstab_line, fstab_options, source_of, unc_of)
from ansible_collections.isplab.infra.plugins.module_utils.cifs_mount.live import (
    describe_differences, expected_live_options, live_mount, mount_affecting, option_differences,
    options_dict, parse_proc_mounts)
from ansible_collections.isplab.infra.plugins.module_utils.common.fstab import (
    FstabError, entry_line, parse_options, parse_table, replace_entry)


def _remount_reasons(spec, live, before_entry, force_remount):
    differences = option_differences(expected_live_options(spec), live['options'])
    reasons = describe_differences(differences)
    if unc_of(live['source']) != unc_of(source_of(spec)):
        reasons.append('source: declared %s, live %s' % (source_of(spec), live['source']))
    if before_entry and mount_affecting(before_entry['options']) != mount_affecting(
            parse_options(','.join(fstab_options(spec)))):
        reasons.append('fstab options changed')
    if force_remount:
        reasons.append('remount requested (credentials changed)')
    return differences, reasons


def plan(spec, state, fstab_text, mounts_text, force_remount=False):
    """What to do to reach ``state`` (mounted | present | absent).

    Returns a dict: ``fstab_before``/``fstab_after`` (the entry lines),
    ``new_fstab`` (full text, or None when unchanged), ``live`` (the current
    cifs entry or None), ``differences`` (live vs declared), ``remount_reasons``
    and ``actions`` (ordered: write_fstab, stop_automount, umount, mount,
    start_automount).
    """
    target = spec['path']
    before_line = entry_line(fstab_text, target)
    before_entry = parse_table(before_line)[0] if before_line else None
    live = live_mount(parse_proc_mounts(mounts_text), target)
    after_line = None if state == 'absent' else fstab_line(spec)
    new_fstab = None
    if before_line != after_line:
        try:
            new_fstab = replace_entry(fstab_text, target, after_line)
        except FstabError as exc:
            raise CifsError(str(exc))
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

    if live:
        result['differences'], result['remount_reasons'] = _remount_reasons(spec, live, before_entry, force_remount)
        if result['remount_reasons']:
            actions.append('umount')
    if spec.get('automount'):
        actions.append('start_automount')
    elif not live or result['remount_reasons']:
        actions.append('mount')
    return result
