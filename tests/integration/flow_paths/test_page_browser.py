"""The traffic-engineering page in a real browser (Debian's chromium, headless, through selenium).

The page is rendered from four 5-minute slots over 3 routers, 10 peer lines and 40 local /26 networks with
inbound, outbound, one transit and one scan path, an unknown interface and an unmatched transit leg; every
figure the page shows is compared with the slot JSON it embeds. A last test draws the slot aggregate.py makes
from the captured real nfdump output of the twin network (tests/unit/fixtures/flow_paths/README.md).

Run:  .venv/bin/pytest -q -m flow_paths_browser tests/integration/flow_paths   (about 15 s)
Artifacts: build/test-artifacts/flow_paths/ (sankey.html, sankey.png).
FLOW_PATHS_UPDATE_DOCS=1 also copies the screenshot to docs/img/flow_paths.png.
"""

import json
import os
import random
import re
import shutil
import time

import pytest

import page_bench

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
ARTIFACTS = os.path.join(REPO, 'build', 'test-artifacts', 'flow_paths')
FIXTURES = os.path.join(REPO, 'tests', 'unit', 'fixtures', 'flow_paths')

pytestmark = pytest.mark.flow_paths_browser

ROUTERS = {'rudo5': 20000, 'rudo6': 20000, 'rudo8': 10000}
PEERS = [('rudo5', '8220', 10000), ('rudo5', '3320', 10000), ('rudo5', '1299', 1000), ('rudo5', 'DE-CIX', 10000),
         ('rudo6', '196714', 10000), ('rudo6', '174', 10000), ('rudo6', '6939', 1000),
         ('rudo8', '8220', 10000), ('rudo8', '3356', 1000), ('rudo8', 'BCIX', 1000)]
SERVICES = ['DHCP', 'DHCP', 'NAT', 'NAT', 'hosting', 'business', 'mail', 'voip']
REMOTE = [2906, 3320, 15169, 32934, 13335, 16509, 8075, 20940, 714, 6185, 196714, 1299, 24940, 16276, 12322, 680]
FIRST = 1764759000  # 2025-12-03 10:50 UTC: the nfcapd stamp read as UTC
SLOTS = 4


def mbps_text(mbps):
    """The contract's number in a line: integer (round half up) from 1 Mbit/s, else two decimals."""
    return str(int(mbps + 0.5)) if mbps >= 1 else '%.2f' % mbps


def _path(kind, mbps, flows, local=None, src=None, dst=None, in_side=(None, None), out_side=(None, None)):
    words = {'inbound': [src, in_side[1], in_side[0], local and local['service']],
             'outbound': [local and local['service'], out_side[0], out_side[1], dst],
             'transit': [src, in_side[1], in_side[0], out_side[0], out_side[1], dst]}[kind]
    seconds = 300
    return {'kind': kind, 'src_as': src, 'dst_as': dst, 'in_peer': in_side[1], 'in_router': in_side[0],
            'out_router': out_side[0], 'out_peer': out_side[1], 'local': local, 'mbps': round(mbps, 3),
            'bytes': int(mbps * 1e6 * seconds / 8), 'packets': int(mbps * 1e6 * seconds / 8 / 1200), 'flows': flows,
            'scan': flows >= 1000 and mbps * 1000 / flows <= 64,
            'line': ' '.join('?' if w is None else str(w) for w in words) + ' ' + mbps_text(round(mbps, 3))}


def make_day():
    """(slots, layout): four slots of the same network, traffic and path set varying between slots."""
    rng = random.Random(17)
    networks = [{'prefix': '198.18.%d.%d/26' % (n // 4, (n % 4) * 64), 'object': 'rudo-net%02d' % n,
                 'service': SERVICES[n % len(SERVICES)]} for n in range(40)]
    # the traffic pattern of the day: which remote AS reaches which network over which line
    # lines are chosen in proportion to their capacity, so every line runs at roughly 30 to 60 %
    weights = [cap for _router, _peer, cap in PEERS]
    inbound = [(rng.choice(REMOTE), rng.choices(PEERS, weights)[0], net, rng.uniform(20, 800))
               for net in networks for _i in range(2)]
    outbound = [(rng.choice(REMOTE), rng.choices(PEERS, weights)[0], net, rng.uniform(5, 400)) for net in networks[::2]]
    slots = []
    for index in range(SLOTS):
        start = FIRST + 300 * index
        paths, problems = [], []
        for src, (router, peer, _cap), local, base in inbound:
            if rng.random() > 0.08:  # a path now and then absent: node positions must not move anyway
                paths.append(_path('inbound', base * rng.uniform(0.6, 1.4), rng.randint(2, 300), local, src=src,
                                   in_side=(router, peer)))
        for dst, (router, peer, _cap), local, base in outbound:
            paths.append(_path('outbound', base * rng.uniform(0.6, 1.4), rng.randint(2, 200), local, dst=dst,
                               out_side=(router, peer)))
        paths.append(_path('transit', 83 + 40 * index, 40 + index, src=2906, dst=196714, in_side=('rudo8', '8220'),
                           out_side=('rudo6', '196714')))
        # a scan: thousands of tiny flows, never to be mistaken for one big stream
        paths.append(_path('inbound', 9.5 + index, 5000 + 17 * index, networks[1], src=4134, in_side=('rudo5', '1299')))
        paths.append(_path('inbound', 1.5, 3, {'prefix': '198.18.0.0/26', 'object': 'rudo-net00', 'service': 'DHCP'},
                           src=3320, in_side=('rudo5', '?rudo5:7')))
        problems.append({'kind': 'unknown_interface', 'router': 'rudo5', 'ifindex': 7, 'mbps': 1.5, 'flows': 3,
                         'text': 'rudo5 exported flows on ifindex 7, which flow_paths_routers does not list'})
        # the merged small remote ASes, and the two rates where '%.2f' and JavaScript's toFixed round apart
        paths.append(_path('inbound', 0.125, 2, networks[5], src='other', in_side=('rudo8', 'BCIX')))
        paths.append(_path('outbound', 0.625, 2, networks[6], dst='other', out_side=('rudo6', '6939')))
        if index == 2:
            paths.append(_path('transit', 12.25, 6, src=15169, dst=3320, in_side=('rudo6', '174')))
            problems.append({'kind': 'unmatched_transit', 'mbps': 12.25, 'flows': 6,
                             'text': 'transit AS15169 -> AS3320: 12.25 Mbit/s entering at rudo6 left by no other router'})
        paths.sort(key=lambda p: (-p['mbps'], p['line']))
        totals = dict(('%s_mbps' % kind, round(sum(p['mbps'] for p in paths if p['kind'] == kind), 3))
                      for kind in ('inbound', 'outbound', 'transit'))
        totals['flows'] = sum(p['flows'] for p in paths)
        slots.append({'version': 1, 'slot': time.strftime('%Y%m%d%H%M', time.gmtime(start)), 'start': start,
                      'seconds': 300, 'paths': paths, 'problems': problems, 'totals': totals,
                      'loss': {'rudo5': 3, '127.0.0.9': 1} if index == 1 else {}})
    layout = {'routers': [{'name': n, 'capacity_mbps': c} for n, c in ROUTERS.items()],
              'peers': [{'router': r, 'peer': p, 'capacity_mbps': c} for r, p, c in PEERS]}
    return slots, layout


@pytest.fixture(scope='module')
def day():
    return make_day()


@pytest.fixture(scope='module')
def page(day):
    from ansible_collections.isplab.infra.plugins.module_utils.flow_paths.page import render_page
    os.makedirs(ARTIFACTS, exist_ok=True)
    path = os.path.join(ARTIFACTS, 'sankey.html')
    with open(path, 'w') as handle:
        handle.write(render_page(day[0], day[1], 'Traffic engineering: rudo'))
    return path


@pytest.fixture(scope='module')
def browser(page):
    pytest.importorskip('selenium.webdriver')
    with page_bench.chrome() as driver:
        driver.get('file://' + page)
        yield driver


def _by(css, driver):
    from selenium.webdriver.common.by import By
    return driver.find_elements(By.CSS_SELECTOR, css)


def _show(driver, index):
    driver.execute_script('window.flowPaths.show(arguments[0]);', index)


def _ribbons(driver):
    """[(data-i, line, mbps, flows, kind)] of the drawn ribbons, read in one round trip."""
    return driver.execute_script(
        "return Array.prototype.map.call(document.querySelectorAll('g.ribbon'), function (g) {"
        " return [+g.dataset.i, g.dataset.line, +g.dataset.mbps, +g.dataset.flows, g.dataset.kind]; });")


def _tip_numbers(text):
    mbps = float(re.search(r'([0-9.]+) Mbit/s', text).group(1))
    flows = int(re.search(r'([0-9,]+) flows', text).group(1).replace(',', ''))
    return mbps, flows


# A point on ribbon data-i=arguments[0] where that ribbon is the topmost element (ribbons overlap), in whole
# viewport pixels, or null. A ribbon segment is the band between its top curve and the same curve moved down by
# its width, so a point of the top edge moved down by half the width lies inside it.
FIND_POINT = """
var g = document.querySelector('g.ribbon[data-i="' + arguments[0] + '"]');
var segs = Array.prototype.filter.call(g.children, function (p) { return !p.classList.contains('hit'); });
for (var f = 0.5; f > 0.04; f -= 0.05) {
  for (var s = 0; s < segs.length; s++) {
    var n = segs[s].getAttribute('d').match(/-?[0-9.]+/g).map(Number), w = n[9] - n[7];
    var top = (segs[s].getTotalLength() - 2 * w) / 2, m = segs[s].getScreenCTM();
    var points = [segs[s].getPointAtLength(top * f), segs[s].getPointAtLength(top * (1 - f))];
    for (var i = 0; i < 2; i++) {
      var p = new DOMPoint(points[i].x, points[i].y + w / 2).matrixTransform(m), x = Math.round(p.x), y = Math.round(p.y);
      var hit = document.elementFromPoint(x, y);
      if (hit && g.contains(hit)) { return [x, y]; }
    }
  }
}
return null;
"""


def _hover_ribbon(driver, index):
    """Moves the mouse onto ribbon ``index`` at a point where no other ribbon lies on top of it."""
    from selenium.webdriver.common.action_chains import ActionChains
    point = driver.execute_script(FIND_POINT, index)
    assert point is not None, 'ribbon %d is covered by other ribbons along its whole length' % index
    actions = ActionChains(driver)
    actions.w3c_actions.pointer_action.move_to_location(point[0], point[1])
    actions.perform()


def test_latest_slot_first_every_path_and_problem_drawn(browser, day):
    slots = day[0]
    assert page_bench.severe_logs(browser) == []
    svg = _by('#sankey', browser)[0]
    assert svg.get_attribute('data-slot') == slots[-1]['slot']
    options = [o.text for o in _by('#slot option', browser)]
    assert options == [time.strftime('%H:%M UTC', time.gmtime(s['start'])) + (' - loss' if s['loss'] else '') for s in slots]
    assert options[1].endswith(' - loss') and not _by('#loss', browser)[0].is_displayed()
    assert _by('#slot option:checked', browser)[0].text == options[-1]
    drawn = _ribbons(browser)
    expected = [(p['line'], p['mbps'], p['flows'], p['kind']) for p in slots[-1]['paths']]
    assert [(r[1], r[2], r[3], r[4]) for r in drawn] == expected
    scans = _by('g.ribbon.scan', browser)
    assert [s.get_attribute('data-line') for s in scans] == [p['line'] for p in slots[-1]['paths'] if p['scan']]
    assert [m.text for m in _by('text.mark', browser)] == ['scan']
    assert len(_by('g.ribbon.k-transit', browser)) == 1
    problems = [li.text for li in _by('#problems li', browser)]
    assert problems == ['%s (%.2f Mbit/s, %d flows)' % (p['text'], p['mbps'], p['flows']) for p in slots[-1]['problems']]
    totals = _by('#totals', browser)[0].text
    assert 'inbound %.2f Mbit/s' % slots[-1]['totals']['inbound_mbps'] in totals
    assert '%s flows' % format(slots[-1]['totals']['flows'], ',') in totals


def test_picker_and_keys_change_the_slot(browser, day):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select
    slots = day[0]
    svg = _by('#sankey', browser)[0]
    Select(_by('#slot', browser)[0]).select_by_index(2)
    assert svg.get_attribute('data-slot') == slots[2]['slot']
    assert [r[1] for r in _ribbons(browser)] == [p['line'] for p in slots[2]['paths']]
    assert any(li.text.startswith(slots[2]['problems'][-1]['text']) for li in _by('#problems li', browser))
    ActionChains(browser).send_keys(Keys.ARROW_LEFT).perform()
    assert svg.get_attribute('data-slot') == slots[1]['slot']
    assert [r[1] for r in _ribbons(browser)] == [p['line'] for p in slots[1]['paths']]
    assert _by('#slot option:checked', browser)[0].text == time.strftime('%H:%M UTC - loss', time.gmtime(slots[1]['start']))
    ActionChains(browser).send_keys(Keys.HOME).perform()
    assert svg.get_attribute('data-slot') == slots[0]['slot']
    ActionChains(browser).send_keys(Keys.ARROW_LEFT).perform()  # stays on the first slot
    assert svg.get_attribute('data-slot') == slots[0]['slot']
    ActionChains(browser).send_keys(Keys.END).perform()
    assert svg.get_attribute('data-slot') == slots[-1]['slot']
    redraw = browser.execute_script('return window.lastRedrawMs;')
    assert isinstance(redraw, (int, float)) and 0 < redraw < 5000
    assert page_bench.severe_logs(browser) == []


def test_loss_banner_names_router_and_failures(browser, day):
    _show(browser, 1)
    banner = _by('#loss', browser)[0]
    assert banner.is_displayed()
    assert banner.text == 'Flows lost in this slot, the figures are too low: 127.0.0.9 1 sequence failure, rudo5 3 sequence failures'
    assert banner.value_of_css_property('background-color') == 'rgba(200, 55, 59, 1)'
    _show(browser, 2)
    assert not banner.is_displayed()


def test_hover_ribbon_shows_its_line_rate_and_flows(browser, day):
    for index, slot in enumerate(day[0][:2]):
        _show(browser, index)
        for kind in ('transit', 'scan', 'outbound'):
            number = next(i for i, p in enumerate(slot['paths']) if p['kind'] == kind or (kind == 'scan' and p['scan']))
            path = slot['paths'][number]
            _hover_ribbon(browser, number)
            lit = _by('g.ribbon.hl', browser)
            assert [g.get_attribute('data-i') for g in lit] == [str(number)]
            assert lit[0].get_attribute('data-line') == path['line']
            tip = _by('#tip', browser)[0]
            assert tip.is_displayed()
            assert tip.text.splitlines()[0] == path['line']
            mbps, flows = _tip_numbers(tip.text)
            assert mbps == pytest.approx(path['mbps'], abs=0.005) and flows == path['flows']
            assert ('scan: %s flows' % format(path['flows'], ',') in tip.text) == path['scan']


def test_hover_router_box_sums_every_ribbon_through_it(browser, day):
    from selenium.webdriver.common.action_chains import ActionChains
    slot = day[0][-1]
    _show(browser, len(day[0]) - 1)
    for col, side in ((2, 'in_router'), (4, 'out_router')):
        through = [i for i, p in enumerate(slot['paths']) if p[side] == 'rudo5']
        expected = sum(slot['paths'][i]['mbps'] for i in through)
        box = _by('g.box[data-col="%d"][data-node="rudo5"]' % col, browser)[0]
        ActionChains(browser).move_to_element(box).perform()
        assert float(box.get_attribute('data-mbps')) == pytest.approx(expected, abs=1e-6)
        mbps, flows = _tip_numbers(_by('#tip', browser)[0].text)
        assert mbps == pytest.approx(expected, abs=0.005)
        assert flows == sum(slot['paths'][i]['flows'] for i in through)
        assert sorted(int(g.get_attribute('data-i')) for g in _by('g.ribbon.hl', browser)) == through
        assert 'capacity %.2f Mbit/s' % ROUTERS['rudo5'] in _by('#tip', browser)[0].text


def _boxes(driver):
    return driver.execute_script(
        "var out = {}; document.querySelectorAll('g.box').forEach(function (g) {"
        " var r = g.querySelectorAll('rect'), u = r[r.length - 1];"
        " out[g.dataset.col + ' ' + g.dataset.node] = [+r[0].getAttribute('x'), +r[0].getAttribute('y'),"
        " +r[0].getAttribute('height'), +u.getAttribute('height'), +g.dataset.mbps, +g.dataset.cap]; });"
        "return out;")


def test_node_positions_and_scale_fixed_for_the_day(browser):
    _show(browser, 0)
    first = _boxes(browser)
    _show(browser, 3)
    last = _boxes(browser)
    assert sorted(first) == sorted(last) and len(first) > 40
    assert dict((k, v[:2]) for k, v in first.items()) == dict((k, v[:2]) for k, v in last.items())
    # routers and peer lines: the box is the capacity, the filled part the traffic, both on the one scale
    scale = first['2 rudo5'][2] / ROUTERS['rudo5']
    checked = 0
    for boxes in (first, last):
        for key, (_x, _y, head, used, mbps, cap) in boxes.items():
            if cap > 0:
                assert abs(head - cap * scale) < 0.01 and abs(used - max(mbps * scale, 1)) < 0.01, key
                checked += 1
    assert checked == 2 * 2 * (len(ROUTERS) + len(PEERS))


def test_screenshot_at_1400x900(browser, day):
    browser.set_window_size(1400, 900)
    _show(browser, len(day[0]) - 1)
    number = next(i for i, p in enumerate(day[0][-1]['paths']) if p['kind'] == 'transit')
    _hover_ribbon(browser, number)
    shot = os.path.join(ARTIFACTS, 'sankey.png')
    assert browser.save_screenshot(shot)
    assert page_bench.severe_logs(browser) == []
    if os.environ.get('FLOW_PATHS_UPDATE_DOCS') == '1':
        shutil.copy(shot, os.path.join(REPO, 'docs', 'img', 'flow_paths.png'))


def test_page_of_the_aggregator_output_of_a_real_capture(browser, tmp_path):
    """A slot aggregate.py builds from real nfdump output of the twin network (see the fixtures' README)."""
    from ansible_collections.isplab.infra.plugins.module_utils.flow_paths import aggregate, page, rows, tables
    with open(os.path.join(FIXTURES, 'network_tables.json')) as handle:
        network = json.load(handle)
    with open(os.path.join(FIXTURES, 'nfdump_network.txt')) as handle:
        text = handle.read()
    config = tables.load_config(network)
    slot = aggregate.aggregate_slot(rows.parse_rows(text), config, network['stamp'])
    html = tmp_path / 'te.html'
    html.write_text(page.render_page([slot], config.page_layout(), 'twin network'))
    browser.get('file://%s' % html)
    assert page_bench.severe_logs(browser) == []
    expected = [(p['line'], p['mbps'], p['flows'], p['kind']) for p in slot['paths']]
    assert [(r[1], r[2], r[3], r[4]) for r in _ribbons(browser)] == expected and len(expected) > 10
    boxes = _boxes(browser)
    for router in config.page_layout()['routers']:
        through = [p['mbps'] for p in slot['paths'] if p['in_router'] == router['name']]
        assert boxes['2 ' + router['name']][4] == pytest.approx(sum(through), abs=1e-6)
        assert boxes['2 ' + router['name']][5] == router['capacity_mbps']
