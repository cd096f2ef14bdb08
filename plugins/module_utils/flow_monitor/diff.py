# -*- coding: utf-8 -*-
# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Minimal change from the running flow configuration to the desired one.

Sets, not lists, are compared where IOS-XE does not care about order
(exporters of a monitor, fields of a record, attachments of an interface).
IOS-XE refuses to modify a record or a monitor's record while the monitor is
attached to an interface, so those monitors are detached first and attached
again at the end.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.isplab.infra.plugins.module_utils.flow_monitor.model import (
    EXPORT_PROTOCOLS, IOS_DEFAULTS, attachment_line, destination_line, exporter_lines)


def _attachments(model):
    """{(interface, family, monitor, direction)} of a model."""
    return set((ifname, a['family'], a['monitor'], a['direction'])
               for ifname, atts in model['interfaces'].items() for a in atts)


def _attach_cmds(atts, remove=False):
    """One interface sub-mode per interface, its attachment lines inside."""
    lines = []
    for ifname in sorted(set(a[0] for a in atts)):
        lines.append('interface %s' % ifname)
        for _if, family, monitor, direction in sorted(a for a in atts if a[0] == ifname):
            line = attachment_line({'family': family, 'monitor': monitor, 'direction': direction})
            lines.append(('no ' if remove else '') + line)
        lines.append('exit')
    return lines


def _exporter_change(name, cur, want):
    if cur is None:
        return ['flow exporter %s' % name] + exporter_lines(want) + ['exit']
    lines = []
    for key, word in (('description', 'description'), ('source', 'source')):
        if cur.get(key) != want.get(key):
            lines.append('%s %s' % (word, want[key]) if want.get(key) else 'no %s' % word)
    if (cur.get('destination'), cur.get('vrf')) != (want.get('destination'), want.get('vrf')):
        lines.append(destination_line(want) if want.get('destination') else 'no destination')
    if cur['transport_port'] != want['transport_port']:
        lines.append('transport udp %d' % want['transport_port'])
    if cur['version'] != want['version']:
        lines.append('export-protocol %s' % EXPORT_PROTOCOLS[want['version']])
    if cur['template_timeout'] != want['template_timeout']:
        lines.append('template data timeout %d' % want['template_timeout'])
    return ['flow exporter %s' % name] + lines + ['exit'] if lines else []


def _record_change(name, cur, want):
    lines = []
    if (cur or {}).get('description') != want.get('description'):
        lines.append('description %s' % want['description'] if want.get('description') else 'no description')
    current_fields = set(cur['fields']) if cur else set()
    wanted = set(want['fields'])
    lines.extend('no ' + f for f in sorted(current_fields - wanted))
    lines.extend(f for f in want['fields'] if f not in current_fields)
    if cur is None or lines:
        return ['flow record %s' % name] + lines + ['exit']
    return []


def _monitor_change(name, cur, want):
    lines = []
    if (cur or {}).get('description') != want.get('description'):
        lines.append('description %s' % want['description'] if want.get('description') else 'no description')
    current_exporters = set(cur['exporters']) if cur else set()
    lines.extend('no exporter %s' % e for e in sorted(current_exporters - set(want['exporters'])))
    lines.extend('exporter %s' % e for e in sorted(set(want['exporters']) - current_exporters))
    for key, word in (('active_timeout', 'active'), ('inactive_timeout', 'inactive'), ('update_timeout', 'update')):
        before = cur[key] if cur else IOS_DEFAULTS[key]
        if before != want[key]:
            lines.append('cache timeout %s %d' % (word, want[key]))
    if (cur or {}).get('cache_entries') != want.get('cache_entries'):
        lines.append('cache entries %d' % want['cache_entries'] if want.get('cache_entries') else 'no cache entries')
    if (cur or {}).get('record') != want.get('record'):
        if cur and cur.get('record'):
            lines.append('no record')
        if want.get('record'):
            lines.append('record %s' % want['record'])
    if cur is None or lines:
        return ['flow monitor %s' % name] + lines + ['exit']
    return []


def plan(current, desired, purge=False):
    """Configuration lines (with their sub-mode entries and exits) that turn ``current`` into ``desired``.

    Without ``purge`` nothing that exists is removed except what must change;
    with it, flow objects and attachments absent from ``desired`` are removed.
    """
    have_att = _attachments(current)
    want_att = _attachments(desired)
    if not purge:
        # Keep unmanaged attachments on interfaces the user did not mention.
        want_att |= set(a for a in have_att if a[0] not in desired['interfaces'])

    changed_records = set(name for name, rec in desired['records'].items()
                          if name in current['records'] and set(rec['fields']) != set(current['records'][name]['fields']))
    removed_monitors = set(current['monitors']) - set(desired['monitors']) if purge else set()
    # Rebuilt: every existing monitor that references a changed record or gets another record. Whether IOS-XE
    # refuses a record change while a monitor is attached or already while one merely references it is not
    # documented (field notes section 6), so the stricter reading holds: such monitors are detached and release
    # their record ('no record') before the record changes, and get it back afterwards.
    rebuilt = set(name for name, cur in current['monitors'].items()
                  if name not in removed_monitors and cur.get('record')
                  and (cur['record'] in changed_records
                       or (name in desired['monitors'] and desired['monitors'][name].get('record') != cur['record'])))
    released = dict((name, dict(current['monitors'][name], record=None)) for name in rebuilt)

    detach = set(a for a in have_att if a not in want_att or a[2] in rebuilt or a[2] in removed_monitors)
    attach = set(a for a in want_att if a not in have_att or a[2] in rebuilt)

    lines = []
    lines += _attach_cmds(detach, remove=True)
    for name in sorted(rebuilt):
        lines += _monitor_change(name, current['monitors'][name], released[name])
    for name in sorted(desired['exporters']):
        lines += _exporter_change(name, current['exporters'].get(name), desired['exporters'][name])
    for name in sorted(desired['records']):
        lines += _record_change(name, current['records'].get(name), desired['records'][name])
    for name in sorted(set(desired['monitors']) | rebuilt):
        want = desired['monitors'].get(name, current['monitors'].get(name))
        lines += _monitor_change(name, released.get(name, current['monitors'].get(name)), want)
    lines += _attach_cmds(attach)
    if purge:
        for name in sorted(removed_monitors):
            lines.append('no flow monitor %s' % name)
        for name in sorted(set(current['records']) - set(desired['records'])):
            lines.append('no flow record %s' % name)
        for name in sorted(set(current['exporters']) - set(desired['exporters'])):
            lines.append('no flow exporter %s' % name)
    return lines


def expected_after(current, desired, purge=False):
    """The model the router should show after ``plan`` was applied (for verification and diff)."""
    after = {'exporters': dict(current['exporters']), 'records': dict(current['records']),
             'monitors': dict(current['monitors']), 'interfaces': {}}
    if purge:
        after = {'exporters': {}, 'records': {}, 'monitors': {}, 'interfaces': {}}
    after['exporters'].update(desired['exporters'])
    after['records'].update(desired['records'])
    after['monitors'].update(desired['monitors'])
    atts = _attachments(desired)
    if not purge:
        atts |= set(a for a in _attachments(current) if a[0] not in desired['interfaces'])
    for ifname, family, monitor, direction in sorted(atts):
        after['interfaces'].setdefault(ifname, []).append(
            {'family': family, 'monitor': monitor, 'direction': direction})
    return after
