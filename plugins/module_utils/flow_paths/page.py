# -*- coding: utf-8 -*-
# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The traffic-engineering page: one self-contained HTML file with an interactive SVG Sankey of the last day.

``render_page(slots, layout, title)`` embeds the slots (the JSON of aggregate.py, oldest first) and the page layout
of ``Config.page_layout()`` as one JSON element; the script of page_script.py draws them in the browser. The page
loads nothing: no CDN, no server, a Content-Security-Policy that forbids every request, so it works from file://
on a machine without network. Only the standard library is imported: the collector runs this without Ansible.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
from html import escape

from ansible_collections.isplab.infra.plugins.module_utils.flow_paths.page_script import CSS, SCRIPT

DAY_SECONDS = 86400

# default-src 'none' makes the browser refuse any fetch the page might grow by mistake (and say so in the console)
POLICY = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"

BODY = """<header><h1>%(title)s</h1>
<label>Slot <select id="slot" aria-label="5-minute slot"></select></label>
<button id="prev" type="button" title="earlier slot (Left arrow)">&#9664;</button>
<button id="next" type="button" title="later slot (Right arrow)">&#9654;</button>
<span id="when"></span><span id="totals"></span></header>
<p class="legend"><span><i class="sw" style="background:#2e9d4f"></i>inbound</span>
<span><i class="sw" style="background:#2f6db5"></i>outbound</span>
<span><i class="sw" style="background:#c8373b"></i>transit</span>
<span><i class="sw" style="background:repeating-linear-gradient(45deg,#888 0 3px,#fff 3px 6px)"></i>scan (many small flows)</span>
<span><i class="sw" style="background:linear-gradient(#555 50%%,#f4f4f4 50%%)"></i>router, peer line: box = capacity,
dark = used, red = over capacity</span><span>Mbit/s on one scale for every slot; keys Left/Right, Home/End</span></p>
<svg id="sankey" role="img" aria-label="traffic paths of the selected slot"></svg>
<div id="tip" role="tooltip"></div>
<h2>Problems in this slot</h2><ul id="problems"></ul>
"""


def day_slots(slots):
    """The slots of the last day, oldest first: every slot starting less than 24 hours before the newest one."""
    ordered = sorted(slots, key=lambda slot: (slot['start'], slot['slot']))
    if not ordered:
        return []
    newest = ordered[-1]['start']
    return [slot for slot in ordered if slot['start'] > newest - DAY_SECONDS]


def script_json(value):
    """JSON that cannot end or re-open its script element: every <, > and & becomes a JSON \\u escape."""
    text = json.dumps(value, separators=(',', ':'))
    return text.replace('<', '\\u003c').replace('>', '\\u003e').replace('&', '\\u0026')


def render_page(slots, layout, title):
    """One HTML page (str) showing the slots of the last day; layout is Config.page_layout() (capacities)."""
    data = {'title': title, 'layout': layout or {'routers': [], 'peers': []}, 'slots': day_slots(slots)}
    return ''.join([
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">\n',
        '<meta http-equiv="Content-Security-Policy" content="%s">\n' % POLICY,
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
        '<title>%s</title>\n<style>%s</style></head><body>\n' % (escape(title), CSS),
        BODY % {'title': escape(title)},
        '<script type="application/json" id="flow-data">%s</script>\n' % script_json(data),
        '<script>%s</script>\n</body></html>\n' % SCRIPT,
    ])
