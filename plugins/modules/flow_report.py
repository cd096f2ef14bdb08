#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: flow_report
short_description: Per-AS bit rates per collector interval from nfcapd files, as JSON and an SVG time series
description:
  - Reads the collector's completed nfcapd files with C(nfdump -o json), sums bytes per source (or destination)
    AS and per O(interval)-second slot of the flow end time, and reports bit rates (bytes * 8 / interval),
    like C(nfdump -A srcas -O bps) run on each 5-minute file.
  - Writes the series as JSON and as a dependency-free SVG line chart (top O(top) ASes), so it runs on the
    collector host without plotting libraries.
  - Each slot carries C(loss), the sequence failures per exporter IP that C(nfdump -E) reports for the files of
    that slot (a file's slot is its name, which nfcapd writes in the host's local time); the chart marks such
    slots in red with the counts as a tooltip. A slot with loss and no flows is kept, with empty C(bps).
  - A flow lands in the slot its export ended in; with exports well inside the rotation interval this is the
    5-minute file it was stored in. Half-hourly spikes in the chart mean an active timeout of 1800 s.
version_added: "0.1.0"
author: isplab.infra contributors (@isplab)
requirements:
  - nfdump 1.7 on the collector host
options:
  flow_dir: {description: The collector's flow directory (nfcapd C(-w))., type: path, required: true}
  interval: {description: Slot length in seconds (the rotation interval)., type: int, default: 300}
  aggregate: {description: Which AS to group by., type: str, default: srcas, choices: [srcas, dstas]}
  max_files: {description: Only the newest this many files., type: int, default: 288}
  top: {description: ASes drawn in the chart (by total bytes)., type: int, default: 8}
  json_path: {description: Where to write the JSON report; omitted means only return it., type: path}
  svg_path: {description: Where to write the SVG chart; omitted means no chart., type: path}
attributes:
  check_mode: {support: full, description: Computes the report and reports whether the files would change.}
  diff_mode: {support: none, description: "Report files are outputs, not configuration."}
  platform: {support: full, platforms: [posix], description: Host with nfdump and the flow files.}
'''

EXAMPLES = r'''
- name: Per-AS bit rates of the last day
  isplab.infra.flow_report:
    flow_dir: /var/cache/nfdump/edge1
    json_path: /var/tmp/flow-report.json
    svg_path: /var/tmp/flow-report.svg
'''

RETURN = r'''
series:
  description: >-
    One entry per slot with C(slot) (unix time), C(start) (ISO), C(bps) per AS (string keys) and C(loss)
    (sequence failures per exporter IP; empty when nothing was lost).
  returned: always
  type: list
  elements: dict
files:
  description: The nfcapd files read.
  returned: always
  type: list
  elements: str
commands:
  description: nfdump commands run.
  returned: always
  type: list
  elements: str
'''

import json
import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.isplab.infra.plugins.module_utils.flow_collector.nfdump import (
    NfdumpError, bit_rates, flow_files, read_flows, slot_series)
from ansible_collections.isplab.infra.plugins.module_utils.flow_collector.loss import losses, mark_loss
from ansible_collections.isplab.infra.plugins.module_utils.common.files import update_text
from ansible_collections.isplab.infra.plugins.module_utils.common.runner import CommandError, CommandRunner

COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf']


def _escape(text):
    return str(text).replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;')


def render_svg(rates, top=8, width=900, height=420, title='bit rate per AS'):
    """A line chart of bps over slots, one line per AS among the ``top`` largest."""
    totals = {}
    for entry in rates:
        for asn, bps in entry['bps'].items():
            totals[asn] = totals.get(asn, 0) + bps
    chosen = sorted(totals, key=lambda a: (-totals[a], a))[:top]
    left, right, upper, lower = 90, 170, 40, 50
    plot_w, plot_h = width - left - right, height - upper - lower
    peak = max([entry['bps'].get(a, 0) for entry in rates for a in chosen] or [1]) or 1
    count = max(len(rates) - 1, 1)
    parts = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d">'
             % (width, height, width, height),
             '<rect width="100%" height="100%" fill="white"/>',
             '<text x="%d" y="24" font-family="sans-serif" font-size="16">%s</text>' % (left, _escape(title)),
             '<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="black"/>' % (left, upper + plot_h, left + plot_w, upper + plot_h),
             '<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="black"/>' % (left, upper, left, upper + plot_h)]
    for i in range(5):
        value = peak * i / 4.0
        y = upper + plot_h - plot_h * i / 4.0
        parts.append('<text x="%d" y="%.1f" font-family="sans-serif" font-size="11" text-anchor="end">%s</text>'
                     % (left - 6, y + 4, _escape(_human_bps(value))))
    if rates:
        for i in (0, len(rates) - 1):
            x = left + plot_w * i / count
            parts.append('<text x="%.1f" y="%d" font-family="sans-serif" font-size="11" text-anchor="middle">%s</text>'
                         % (x, upper + plot_h + 18, _escape(rates[i]['start'])))
    for i, entry in enumerate(rates):
        if entry.get('loss'):
            x = left + plot_w * i / count
            lost = ', '.join('%s %d' % (ip, n) for ip, n in sorted(entry['loss'].items()))
            parts.append('<g class="loss"><title>%s: sequence failures (lost export datagrams) %s</title>'
                         '<rect x="%.1f" y="%d" width="8" height="%d" fill="#d62728" fill-opacity="0.3"/>'
                         '<text x="%.1f" y="%d" font-family="sans-serif" font-size="12" fill="#d62728" '
                         'text-anchor="middle">loss</text></g>'
                         % (_escape(entry['start']), _escape(lost), x - 4, upper, plot_h, x, upper - 4))
    for n, asn in enumerate(chosen):
        color = COLORS[n % len(COLORS)]
        points = ' '.join('%.1f,%.1f' % (left + plot_w * i / count,
                                         upper + plot_h - plot_h * entry['bps'].get(asn, 0) / float(peak))
                          for i, entry in enumerate(rates))
        parts.append('<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>' % (color, points))
        ly = upper + 14 + 18 * n
        parts.append('<rect x="%d" y="%d" width="12" height="4" fill="%s"/>' % (left + plot_w + 14, ly - 4, color))
        parts.append('<text x="%d" y="%d" font-family="sans-serif" font-size="12">AS%s</text>'
                     % (left + plot_w + 32, ly + 2, _escape(asn)))
    parts.append('</svg>')
    return '\n'.join(parts) + '\n'


def _human_bps(value):
    for unit, scale in (('Gbit/s', 1e9), ('Mbit/s', 1e6), ('kbit/s', 1e3)):
        if value >= scale:
            return '%.1f %s' % (value / scale, unit)
    return '%d bit/s' % value


def main():
    module = AnsibleModule(argument_spec=dict(
        flow_dir=dict(type='path', required=True),
        interval=dict(type='int', default=300),
        aggregate=dict(type='str', default='srcas', choices=['srcas', 'dstas']),
        max_files=dict(type='int', default=288),
        top=dict(type='int', default=8),
        json_path=dict(type='path'),
        svg_path=dict(type='path'),
    ), supports_check_mode=True)
    params = module.params
    if params['interval'] < 1:
        module.fail_json(msg='interval must be at least 1 second, got %d' % params['interval'])
    if not os.path.isdir(params['flow_dir']):
        module.fail_json(msg='flow_dir %s does not exist' % params['flow_dir'])
    runner = CommandRunner(module)
    files = flow_files(params['flow_dir'])[-params['max_files']:]
    key = 'src_as' if params['aggregate'] == 'srcas' else 'dst_as'
    try:
        flows = read_flows(runner, files)
        rates = bit_rates(slot_series(flows, params['interval'], key), params['interval'])
        rates = mark_loss(rates, losses(runner, files), params['interval'])
    except (CommandError, NfdumpError) as exc:
        module.fail_json(msg=str(exc), commands=runner.commands, files=files)
    changed = False
    report = {'interval': params['interval'], 'aggregate': params['aggregate'], 'files': files, 'series': rates}
    if params['json_path']:
        changed |= update_text(module, params['json_path'], json.dumps(report, indent=1, sort_keys=True) + '\n', 0o644)
    if params['svg_path']:
        title = 'bit rate per %s, %d s slots' % (params['aggregate'], params['interval'])
        changed |= update_text(module, params['svg_path'], render_svg(rates, params['top'], title=title), 0o644)
    module.exit_json(changed=changed, series=rates, files=files, commands=runner.commands)


if __name__ == '__main__':
    main()
