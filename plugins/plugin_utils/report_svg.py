# -*- coding: utf-8 -*-
# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Inline SVG pictures of the verification report, drawn from the facts the verifier modules return.

Each function takes one host's facts (the keys documented in the verifier's RETURN) and returns SVG
markup, or '' when the facts needed are absent: the report then simply has no picture.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from html import escape

# One chart of the per-AS series, the one flow_report draws (its svg_path option).
from ansible_collections.isplab.infra.plugins.modules.flow_report import render_svg

# GPT type GUIDs (plugins/module_utils/root_raid1/gpt.py; upstream: util-linux libfdisk/src/gpt.c).
PART_TYPES = {
    '21686148-6449-6E6F-744E-656564454649': ('BIOS boot', '#b0b0b0'),
    'C12A7328-F81F-11D2-BA4B-00A0C93EC93B': ('ESP', '#f0a030'),
    'E6D6D379-F507-44C2-A23C-238F2A3DF928': ('Linux LVM', '#8fbc8f'),
    'A19D880F-05FC-4D3B-A006-743F0F84911E': ('Linux RAID', '#6fa8dc'),
    '4FBD7E29-9D25-41B8-AFD0-062C0CEFF05D': ('Ceph OSD', '#b48ede'),
}
RED, YELLOW, BLUE, GREEN, GREY = '#e06666', '#ffd966', '#6fa8dc', '#93c47d', '#eeeeee'
# Field notes section 2: blue = sent or meant to arrive, yellow = discussable, red = unwanted.
MATRIX_COLOURS = {'expected': BLUE, 'discussable': YELLOW, 'unwanted': RED}


def _svg(width, height, body, label):
    return ('<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" role="img" '
            'aria-label="%s" font-family="sans-serif" font-size="12">%s</svg>'
            % (width, height, width, height, escape(label), ''.join(body)))


def _box(x, y, w, h, fill, label='', title=None, cls=None):
    out = '<g%s>' % (' class="%s"' % cls if cls else '')
    if title:
        out += '<title>%s</title>' % escape(title)
    out += '<rect x="%d" y="%d" width="%d" height="%d" fill="%s" stroke="#333"/>' % (x, y, w, h, fill)
    if label:
        out += '<text x="%d" y="%d" text-anchor="middle">%s</text>' % (x + w // 2, y + h // 2 + 4, escape(label))
    return out + '</g>'


def _text(x, y, label, anchor='start', weight='normal'):
    return '<text x="%d" y="%d" text-anchor="%s" font-weight="%s">%s</text>' % (x, y, anchor, weight, escape(label))


def _member_state(md, device):
    for member in (md or {}).get('members') or []:
        if member.get('device') == device:
            return ' '.join(member.get('state') or [])
    return None


def raid_layout(facts):
    """Disks with their partitions (types), the md array's members and state, the VG on the array, ESPs."""
    layout, md = facts.get('partition_types') or {}, facts.get('md')
    if not layout and not md:
        return ''
    body, y = [], 10
    mids = []
    for disk in sorted(layout):
        body.append(_text(10, y + 22, disk, weight='bold'))
        parts = layout[disk] or {}
        for i, number in enumerate(sorted(parts, key=int)):
            guid = (parts[number] or '').upper()
            name, fill = PART_TYPES.get(guid, (guid[:8] or 'missing', RED))
            device = '%s%s%s' % (disk, 'p' if disk[-1:].isdigit() else '', number)
            state = _member_state(md, device)
            if name == 'Linux RAID' and md and state is None:
                fill, name = RED, 'RAID, not in array'
            x = 150 + i * 130
            body.append(_box(x, y, 120, 34, fill, 'p%s %s' % (number, name), '%s: %s%s' % (
                device, name, ', md member: %s' % state if state else '')))
            if state is not None:
                colour = GREEN if 'active' in state and 'sync' in state else YELLOW
                mids.append((x + 60, y + 34, colour, state))
        y += 50
    if md:
        members = md.get('members') or []
        missing = max(0, (md.get('raid_devices') or 0) - len([m for m in members if m.get('raid_device') is not None]))
        states = ', '.join(md.get('state') or [])
        fill = RED if missing or 'degraded' in states else GREEN
        md_y = y + 20
        for mx, my, colour, state in mids:
            body.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="3"><title>%s</title></line>'
                        % (mx, my, mx, md_y, colour, escape(state)))
        label = 'md %s %s: %s (%d of %s members)' % (
            md.get('level') or '', md.get('version') or '', states, md.get('active_devices') or 0, md.get('raid_devices'))
        body.append(_box(150, md_y, 500, 30, fill, label, cls='md-array'))
        if missing:
            body.append(_box(660, md_y, 150, 30, RED, '%d member missing' % missing, cls='md-missing'))
        vgs = sorted(set(pv.get('vg_name') for pv in facts.get('pvs') or [] if pv.get('vg_name')))
        if vgs:
            body.append(_box(150, md_y + 40, 500, 26, '#d9ead3', 'VG %s' % ', '.join(vgs), 'LVM on the array'))
        y = md_y + 76
    return _svg(820, y + 10, body, 'RAID layout')


def bridge_matrices(facts):
    """One cross table per source port: rows = capture point, columns = target (bridge_matrix cells)."""
    cells = facts.get('cells') or []
    if not cells:
        return ''
    sources = list(dict.fromkeys(c['source'] for c in cells))
    captures = list(dict.fromkeys(c['capture'] for c in cells))
    tables = []
    for source in sources:
        mine = [c for c in cells if c['source'] == source]
        targets = list(dict.fromkeys(c['target'] for c in mine))
        body = [_text(10, 16, 'from %s' % source, weight='bold')]
        for j, target in enumerate(targets):
            body.append(_text(110 + j * 60 + 28, 36, target, anchor='middle'))
        for i, capture in enumerate(captures):
            row_y = 44 + i * 24
            body.append(_text(10, row_y + 16, 'at %s' % capture))
            for j, target in enumerate(targets):
                cell = next((c for c in mine if c['target'] == target and c['capture'] == capture), None)
                verdict = cell['verdict'] if cell else 'absent'
                fill = MATRIX_COLOURS.get(verdict, 'white') if cell and cell.get('seen') else 'white'
                body.append(_box(110 + j * 60, row_y, 56, 22, fill, '', '%s -> %s seen at %s: %s'
                                 % (source, target, capture, verdict), cls='cell-%s' % verdict))
        tables.append(_svg(120 + len(targets) * 60, 54 + len(captures) * 24, body, 'forwarding from %s' % source))
    return ''.join(tables)


def as_bitrates(facts):
    """Per-AS bit rate over the slots of flow_report's series, drawn by flow_report's own chart."""
    series = facts.get('series') or []
    return render_svg(series, top=8) if series else ''


def cifs_deadlines(facts):
    """Per mount: echo requests on a time line and the kernel's dead-server deadline (multiplier x echo)."""
    mounts = [m for m in facts.get('mounts') or [] if m.get('echo_interval')]
    if not mounts:
        return ''
    body, y = [], 10
    for mount in mounts:
        echo, deadline = mount['echo_interval'], mount.get('detection_seconds') or 0
        latest = max(deadline, mount.get('detection_latest_seconds') or 0, echo)
        scale = 600.0 / latest
        options = ','.join(k if v is None else '%s=%s' % (k, v) for k, v in sorted((mount.get('live_options') or {}).items())
                           if k not in ('password', 'pass'))
        heading = '%s (%s, dialect %s)' % (mount.get('path'), mount.get('source') or 'not mounted',
                                           mount.get('dialect') or '?')
        body.append(_text(10, y + 12, heading, weight='bold'))
        body.append(_text(10, y + 28, options[:140]))
        line_y = y + 50
        body.append('<line x1="10" y1="%d" x2="%d" y2="%d" stroke="#333"/>' % (line_y, 10 + latest * scale, line_y))
        t = echo
        while t < latest:
            body.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="%s"><title>echo at %d s</title></line>'
                        % (10 + t * scale, line_y - 8, 10 + t * scale, line_y + 8, BLUE, t))
            t += echo
        if deadline:
            x = 10 + deadline * scale
            body.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="%s" stroke-width="3"/>'
                        % (x, line_y - 14, x, line_y + 14, RED))
            body.append(_text(x, line_y + 28, 'dead after %d s = %s x echo_interval %d s' % (
                deadline, mount.get('multiplier'), echo), anchor='end' if x > 400 else 'start'))
        y += 90
    return _svg(640, y, body, 'CIFS dead-peer deadlines')


def osd_map(facts):
    """The OSDs with their partition, coloured by state: green up and in, red down, yellow out."""
    osds = facts.get('osds') or []
    if not osds:
        return ''
    body = []
    for i, osd in enumerate(osds):
        up, inside = osd.get('up'), osd.get('in')
        fill = RED if not up else (GREEN if inside else YELLOW)
        state = '%s, %s' % ('up' if up else 'down', 'in' if inside else 'out')
        x, y = 10 + (i % 4) * 200, 10 + (i // 4) * 60
        body.append(_box(x, y, 190, 50, fill, 'osd.%s %s' % (osd.get('osd_id', '?'), state),
                         '%s' % (osd.get('path') or 'declared by id'), cls='osd'))
    return _svg(820, 20 + ((len(osds) + 3) // 4) * 60, body, 'Ceph OSD map')


PICTURES = (('RAID layout', raid_layout), ('Ceph OSD map', osd_map), ('Forwarding cross tables', bridge_matrices),
            ('Bit rate per AS', as_bitrates), ('CIFS mounts and dead-peer deadline', cifs_deadlines))


def pictures(facts):
    """[(title, svg)] of every picture the facts allow."""
    return [(title, svg) for title, svg in ((t, draw(facts or {})) for t, draw in PICTURES) if svg]
