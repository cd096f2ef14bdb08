import re

from ansible_collections.isplab.infra.plugins.modules import flow_report


RATES = [{'slot': 0, 'start': '1970-01-01T00:00:00Z', 'bps': {'199932': 400000000, '3320': 20000000}},
         {'slot': 300, 'start': '1970-01-01T00:05:00Z', 'bps': {'199932': 0, '3320': 20000000}},
         {'slot': 600, 'start': '1970-01-01T00:10:00Z', 'bps': {'199932': 400000000}}]


def test_svg_has_one_line_per_as_scaled_to_peak():
    svg = flow_report.render_svg(RATES, top=8)
    lines = re.findall(r'<polyline [^>]*points="([^"]+)"', svg)
    assert len(lines) == 2
    big = [tuple(map(float, p.split(','))) for p in lines[0].split()]
    assert [y for _x, y in big] == [40.0, 370.0, 40.0]  # peak at the top, zero on the axis
    assert 'AS199932' in svg and '400.0 Mbit/s' in svg


def test_top_limits_the_lines():
    svg = flow_report.render_svg(RATES, top=1)
    assert svg.count('<polyline') == 1 and 'AS3320' not in svg


def test_empty_series_is_still_an_svg():
    svg = flow_report.render_svg([])
    assert svg.startswith('<svg') and '<polyline' not in svg


def test_slots_with_loss_are_marked_with_exporter_and_count():
    rates = [dict(r, loss={}) for r in RATES]
    rates[1]['loss'] = {'127.0.0.3': 2, '127.0.0.2': 1}
    svg = flow_report.render_svg(rates)
    marks = re.findall(r'<g class="loss"><title>([^<]*)</title><rect x="([\d.]+)"', svg)
    assert marks == [('1970-01-01T00:05:00Z: sequence failures (lost export datagrams) 127.0.0.2 1, 127.0.0.3 2', '406.0')]


def test_no_loss_no_mark():
    assert 'class="loss"' not in flow_report.render_svg([dict(r, loss={}) for r in RATES])
