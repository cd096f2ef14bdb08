# -*- coding: utf-8 -*-
# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The traffic-engineering page: one self-contained HTML file with an interactive SVG Sankey of the last day.

``render_page(slots, layout, title)`` embeds the slots (the JSON of aggregate.py, oldest first, in the form of
``compact``) and the layout of ``Config.page_layout()`` as one JSON element; page_script.py draws them. The page
loads nothing: no CDN, no server, a Content-Security-Policy that forbids every request, so it works from file://
on a machine without network. Only the standard library is imported: the collector runs this without Ansible.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
from html import escape

from ansible_collections.isplab.infra.plugins.module_utils.flow_paths.page_script import SCRIPT

DAY_SECONDS = 86400
ROUTE_FIELDS = ('kind', 'src_as', 'dst_as', 'in_peer', 'in_router', 'out_router', 'out_peer')
PATH_STRIDE = 4

# default-src 'none' makes the browser refuse any fetch the page might grow by mistake (and say so in the console)
POLICY = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"

CSS = """body{font:14px sans-serif;margin:0 1em;color:#222}header{display:flex;gap:1.2em;align-items:baseline;flex-wrap:wrap}
h1{font-size:1.3em;margin:.3em 0}.legend{margin:.2em 0;font-size:13px}#when{font-weight:bold}#sankey{display:block;width:100%;max-width:1360px;height:auto}
.ribbon path{fill-opacity:.5;stroke-width:.6}.ribbon.hl path{fill-opacity:.9}svg.focus .ribbon{opacity:.15}
svg.focus .ribbon.hl{opacity:1}.k-inbound path{fill:#2e9d4f;stroke:#2e9d4f}.k-outbound path{fill:#2f6db5;stroke:#2f6db5}
.k-transit path{fill:#c8373b;stroke:#c8373b}.ribbon.scan path{stroke-dasharray:4 2;stroke-width:1.2}
.k-inbound.scan path{fill:url(#h-inbound)}.k-outbound.scan path{fill:url(#h-outbound)}.k-transit.scan path{fill:url(#h-transit)}
.box rect{stroke:#666;stroke-width:.6}.box .head{fill:#f4f4f4}.box .used{fill:#555}.box .used.over{fill:#c8373b}
.box .idle{fill:#ccc}.box.passage rect{fill:rgba(200,55,59,.05);stroke:#c8373b;stroke-dasharray:3 2}
.box.on rect{stroke:#000;stroke-width:1.6}text{font-size:11px}.colhead{font-weight:bold;fill:#444;text-anchor:middle}
.labels text,.mark{paint-order:stroke;stroke:#fff;stroke-width:3px;stroke-linejoin:round;pointer-events:none}
.mark{font-size:10px;font-weight:bold;fill:#000}
#tip{position:fixed;display:none;pointer-events:none;background:#fff;border:1px solid #888;padding:.3em .6em;
box-shadow:2px 2px 5px rgba(0,0,0,.25);font-size:13px;max-width:34em;z-index:2}#tip .line{font:bold 13px monospace}
#tip .scan{color:#900;font-weight:bold}.legend span{margin-right:1.2em;white-space:nowrap}
.sw{display:inline-block;width:1.4em;height:.8em;vertical-align:middle;margin-right:.3em;border:1px solid #666}
#problems li{color:#900}#problems li.none{color:#262}#totals{font-weight:bold}
.ribbon path.hit{fill:none;stroke:transparent;stroke-width:6px;stroke-dasharray:none;pointer-events:stroke}
#loss{background:#c8373b;color:#fff;padding:.3em .6em;margin:.3em 0;font-weight:bold}"""

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
<p id="loss" role="alert" hidden></p>
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


def compact(slots):
    """(routes, slots) in the page's compact form: a day of paths repeats the same few routes many times.

    ``routes``: every distinct [kind, src_as, dst_as, in_peer, in_router, out_router, out_peer] (+ [prefix,
    object, service] of a local network) of the day, once. Each slot keeps its other keys and, instead of
    ``paths``, ``p``: a flat list of PATH_STRIDE numbers per path (route index, mbps, flows, scan 0/1), in the
    slot's order. bytes and packets are left out (the page shows neither) and the script rebuilds each line.
    """
    routes, index, out = [], {}, []
    for slot in slots:
        flat = []
        for path in slot['paths']:
            local = path.get('local')
            route = tuple(path[key] for key in ROUTE_FIELDS)
            if local:
                route += (local['prefix'], local.get('object'), local.get('service'))
            if route not in index:
                index[route] = len(routes)
                routes.append(list(route))
            flat.extend((index[route], path['mbps'], path['flows'], 1 if path['scan'] else 0))
        entry = dict((key, value) for key, value in slot.items() if key not in ('paths', 'version'))
        entry['p'] = flat
        out.append(entry)
    return routes, out


def render_page(slots, layout, title):
    """One HTML page (str) showing the slots of the last day; layout is Config.page_layout() (capacities)."""
    routes, day = compact(day_slots(slots))
    data = {'title': title, 'layout': layout or {'routers': [], 'peers': []}, 'routes': routes, 'slots': day}
    return ''.join([
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">\n',
        '<meta http-equiv="Content-Security-Policy" content="%s">\n' % POLICY,
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
        '<title>%s</title>\n<style>%s</style></head><body>\n' % (escape(title), CSS),
        BODY % {'title': escape(title)},
        '<script type="application/json" id="flow-data">%s</script>\n' % script_json(data),
        '<script>%s</script>\n</body></html>\n' % SCRIPT,
    ])
