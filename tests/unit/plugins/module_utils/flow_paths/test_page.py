"""render_page: one self-contained page whose embedded JSON is exactly the slots of the last day.

The slots are synthetic (built here in the aggregator's slot schema); the browser test
(tests/integration/flow_paths/test_page_browser.py) checks what the script draws from them.
"""

import json
import re
import shutil
import subprocess
from html.parser import HTMLParser

import pytest

from ansible_collections.isplab.infra.plugins.module_utils.flow_paths import page
from ansible_collections.isplab.infra.plugins.module_utils.flow_paths.aggregate import format_line

LAYOUT = {'routers': [{'name': 'rudo5', 'capacity_mbps': 20000}],
          'peers': [{'router': 'rudo5', 'peer': '8220', 'capacity_mbps': 10000}]}
HOSTILE = 'x</script><script>alert(1)</script><!--&'


def slot(start, service='DHCP', mbps=86.123):
    path = {'kind': 'inbound', 'src_as': 2906, 'dst_as': None, 'in_peer': '8220', 'in_router': 'rudo5',
            'out_router': None, 'out_peer': None,
            'local': {'prefix': '198.18.0.0/26', 'object': 'rudo-dhcp', 'service': service},
            'mbps': mbps, 'bytes': int(mbps * 1e6 * 300 / 8), 'packets': 2400000, 'flows': 62, 'scan': False,
            'line': '2906 8220 rudo5 %s %d' % (service, int(mbps + 0.5))}
    return {'version': 1, 'slot': '%d' % start, 'start': start, 'seconds': 300, 'paths': [path],
            'problems': [{'kind': 'unknown_interface', 'router': 'rudo5', 'ifindex': 7, 'mbps': 1.5, 'flows': 3,
                          'text': 'rudo5 exported flows on ifindex 7, which flow_paths_routers does not list'}],
            'totals': {'inbound_mbps': mbps, 'outbound_mbps': 0.0, 'transit_mbps': 0.0, 'flows': 62}}


class Elements(HTMLParser):
    """Tags with their attributes, and the text of every script element, as the browser's parser sees them."""

    def __init__(self):
        HTMLParser.__init__(self)
        self.tags, self.scripts, self._in_script = [], [], None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == 'script':
            self._in_script = dict(attrs)
            self.scripts.append([dict(attrs), ''])

    def handle_endtag(self, tag):
        if tag == 'script':
            self._in_script = None

    def handle_data(self, data):
        if self._in_script is not None:
            self.scripts[-1][1] += data


def parse(html):
    elements = Elements()
    elements.feed(html)
    elements.close()
    return elements


def embedded(html):
    data = [text for attrs, text in parse(html).scripts if attrs.get('id') == 'flow-data']
    assert len(data) == 1
    return json.loads(data[0])


def expand(data):
    """The slots back from page.compact's form, as the script rebuilds them (the line through format_line)."""
    slots = []
    for entry in data['slots']:
        slot = dict((key, value) for key, value in entry.items() if key != 'p')
        slot['version'], slot['paths'], flat = 1, [], entry['p']
        for start in range(0, len(flat), page.PATH_STRIDE):
            route, mbps, flows, scan = flat[start:start + page.PATH_STRIDE]
            fields = data['routes'][route]
            path = dict(zip(page.ROUTE_FIELDS, fields), mbps=mbps, flows=flows, scan=scan == 1, local=None)
            if len(fields) > len(page.ROUTE_FIELDS):
                path['local'] = dict(zip(('prefix', 'object', 'service'), fields[len(page.ROUTE_FIELDS):]))
            path['line'] = format_line(path)
            slot['paths'].append(path)
        slots.append(slot)
    return dict(data, slots=slots, routes=None)


def shown(slots):
    """What the page needs of the slots: everything but the bytes and packets of each path."""
    return [dict(slot, paths=[dict((k, v) for k, v in path.items() if k not in ('bytes', 'packets')) for path in slot['paths']])
            for slot in slots]


def test_page_is_self_contained():
    html = page.render_page([slot(1764759900 + 300 * i) for i in range(3)], LAYOUT, 'TE view')
    elements = parse(html)
    assert not [t for t in elements.tags if t[0] in ('link', 'img', 'iframe', 'object', 'embed')]
    assert not [t for t in elements.tags if t[0] == 'script' and 'src' in t[1]]
    assert not re.search(r'(src|href)\s*=', html)
    assert 'http://' not in html and 'https://' not in html and '@import' not in html and 'url(' not in \
        html.replace('url(#h-', '')
    policy = [t[1]['content'] for t in elements.tags if t[0] == 'meta' and t[1].get('http-equiv')]
    assert policy == [page.POLICY] and "default-src 'none'" in policy[0]
    # the elements the script draws into exist exactly once
    ids = [t[1].get('id') for t in elements.tags if t[1].get('id')]
    for name in ('slot', 'sankey', 'tip', 'problems', 'totals', 'when', 'prev', 'next', 'flow-data', 'loss'):
        assert ids.count(name) == 1, name


def test_compact_data_round_trips_to_the_paths():
    slots = [slot(1764759900 + 300 * i, mbps=10.5 * (i + 1)) for i in range(3)]
    slots[1]['paths'].append(dict(slots[1]['paths'][0], kind='transit', src_as='other', dst_as=3320, out_router='rudo5',
                                  out_peer='3320', local=None, mbps=0.125, flows=1500, scan=True,
                                  line='other 8220 rudo5 rudo5 3320 3320 0.12'))
    slots[2]['loss'] = {'rudo5': 2}
    data = embedded(page.render_page(slots, LAYOUT, 'TE view'))
    assert expand(data) == {'title': 'TE view', 'layout': LAYOUT, 'slots': shown(slots), 'routes': None}
    # the same route in three slots is stored once
    assert len(data['routes']) == 2 and data['slots'][2]['p'] == [0, 31.5, 62, 0]


def test_compact_is_smaller_for_a_day():
    # a day of 288 slots with the same 60 routes and varying rates: the shape that made a 20 MB page (bench.py)
    day = []
    for i in range(288):
        day.append(slot(1764759900 + 300 * i))
        day[-1]['paths'] = [slot(0, service='S%d' % j, mbps=1 + (i * j) % 97 + j / 7.0)['paths'][0] for j in range(60)]
    full = len(json.dumps({'slots': day}, separators=(',', ':')))
    assert len(page.script_json(embedded(page.render_page(day, LAYOUT, 'TE')))) * 4 < full


def test_names_cannot_end_the_script_element():
    slots = [slot(1764759900, service=HOSTILE)]
    html = page.render_page(slots, LAYOUT, HOSTILE)
    elements = parse(html)
    assert [attrs.get('type') for attrs, _text in elements.scripts] == ['application/json', None]
    assert html.count('</script') == 2 and '<!--' not in html
    assert expand(embedded(html)) == {'title': HOSTILE, 'layout': LAYOUT, 'slots': shown(slots), 'routes': None}
    assert '<title>x&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;!--&amp;</title>' in html
    assert '<h1>x&lt;/script&gt;' in html


def test_only_the_last_day_oldest_first():
    newest = 1764759900
    stored = [slot(newest - 86400), slot(newest), slot(newest - 86400 + 300), slot(newest - 3600)]
    shown = embedded(page.render_page(stored, LAYOUT, 'TE'))['slots']
    assert [s['start'] for s in shown] == [newest - 86400 + 300, newest - 3600, newest]
    day = [slot(newest - 300 * i) for i in range(300)]
    assert len(embedded(page.render_page(day, LAYOUT, 'TE'))['slots']) == 288


def test_no_slots_and_no_layout_still_render():
    data = embedded(page.render_page([], None, 'empty'))
    assert data == {'title': 'empty', 'layout': {'routers': [], 'peers': []}, 'routes': [], 'slots': []}


@pytest.mark.skipif(not shutil.which('node'), reason='node (Debian nodejs) checks the script syntax')
def test_script_is_valid_javascript(tmp_path):
    script = [text for attrs, text in parse(page.render_page([slot(1764759900)], LAYOUT, 'TE')).scripts
              if 'type' not in attrs]
    (tmp_path / 'page.js').write_text(script[0])
    result = subprocess.run(['node', '--check', str(tmp_path / 'page.js')], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stderr
