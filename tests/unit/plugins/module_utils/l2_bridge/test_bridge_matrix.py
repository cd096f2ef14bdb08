"""Probe classification, on a real tcpdump capture (tests/unit/fixtures/linux_bridge)."""

import os

from ansible_collections.isplab.infra.plugins.module_utils.l2_bridge import matrix
from ansible_collections.isplab.infra.tests.integration.bridges.probes import probe_frames

FIXTURES = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'fixtures', 'linux_bridge')
PORTS = [
    {'name': '10', 'mac': '00:00:00:00:01:01', 'address': '10.99.0.10', 'role': 'uplink'},
    {'name': '11', 'mac': '00:00:00:00:02:01', 'address': '10.99.0.11', 'role': 'link'},
    {'name': '12', 'mac': '00:00:00:00:03:01', 'address': '10.99.0.12', 'role': 'link'},
    {'name': '14', 'mac': '00:00:00:00:05:01', 'address': '10.99.0.14', 'role': 'uplink'},
]
TARGETS = [{'name': p['name'], 'address': p['address'], 'kind': 'port'} for p in PORTS] + [
    {'name': '20', 'address': '10.99.0.20', 'kind': 'unknown_mac'},
    {'name': '21', 'address': '10.99.0.21', 'kind': 'no_arp'}]
ROLES = dict((p['name'], p['role']) for p in PORTS)


def test_parse_capture_real_tcpdump():
    with open(os.path.join(FIXTURES, 'tcpdump-n-e-probe.txt')) as handle:
        frames = matrix.parse_capture(handle.read())
    assert frames == [('00:00:00:00:01:01', '00:00:00:00:20:01', '10.99.0.10', '10.99.0.20'),
                      ('00:00:00:00:01:01', 'ff:ff:ff:ff:ff:ff', '10.99.0.10', '10.99.0.21')]


def test_replies_are_not_probe_frames():
    reply = ('06:12:35.992541 00:00:00:00:02:01 > 00:00:00:00:01:01, ethertype IPv4 (0x0800), length 98: '
             '10.99.0.11 > 10.99.0.10: ICMP echo reply, id 1, seq 1, length 64')
    assert matrix.parse_capture(reply) == []


def test_colour_rules():
    assert matrix.classify('11', '10', '11', True, ROLES, 'port') == 'expected'      # sent
    assert matrix.classify('11', '10', '10', True, ROLES, 'port') == 'expected'      # arrived
    assert matrix.classify('11', '10', '14', True, ROLES, 'port') == 'discussable'   # other uplink
    assert matrix.classify('11', '20', '10', True, ROLES, 'unknown_mac') == 'discussable'
    assert matrix.classify('11', '10', '12', True, ROLES, 'port') == 'unwanted'      # other downlink
    assert matrix.classify('10', '20', '12', True, ROLES, 'unknown_mac') == 'unwanted'
    assert matrix.classify('11', '21', '12', True, ROLES, 'no_arp') == 'expected'    # broadcast
    assert matrix.classify('11', '10', '12', False, ROLES, 'port') == 'absent'


def test_cells_skip_self_and_find_missing():
    seen = set([('11', '10', '11')])
    cells = matrix.cells(PORTS, TARGETS, seen)
    assert len(cells) == len(PORTS) * (len(TARGETS) - 1) * len(PORTS)
    assert not any(c['source'] == c['target'] for c in cells)
    missing = matrix.missing(cells, TARGETS)
    assert {'source': '11', 'target': '10', 'capture': '10', 'seen': False, 'verdict': 'absent'} in missing
    assert matrix.summary(cells)['expected'] == 1


def test_observations_attribute_by_source_mac_and_ip():
    frames = {'12': [('00:00:00:00:02:01', '00:00:00:00:01:01', '10.99.0.11', '10.99.0.10'),
                     ('00:00:00:00:02:01', '00:00:00:00:01:01', '10.99.0.99', '10.99.0.10')]}
    assert matrix.observations(PORTS, TARGETS, frames) == set([('11', '10', '12')])


def test_probe_frames_follow_arp_tables():
    frames = dict(((s, t), (src, dst)) for s, t, src, dst in probe_frames(PORTS, TARGETS, '00:00:00:00:20:01'))
    assert frames[('11', '10')] == ('00:00:00:00:02:01', '00:00:00:00:01:01')
    assert frames[('11', '20')][1] == '00:00:00:00:20:01'
    assert frames[('11', '21')][1] == 'ff:ff:ff:ff:ff:ff'


def test_capture_argv_sends_every_probe_but_to_itself():
    ports = [dict(p, netns='ns%s' % p['name'], interface='eth0') for p in PORTS]
    argv = matrix.capture_argv('/tmp/x', ports, TARGETS, '10.99.0.255')
    assert argv[:5] == ['sh', '-c', matrix.CAPTURE_SCRIPT, 'capture', '/tmp/x']
    first, second = argv.index('--'), len(argv) - 1 - argv[::-1].index('--')
    assert argv[5:first] == ['10:ns10:eth0', '11:ns11:eth0', '12:ns12:eth0', '14:ns14:eth0']
    assert argv[first + 1:second] == ['ns11:10.99.0.255', 'ns12:10.99.0.255']
    probes = argv[second + 1:]
    assert len(probes) == len(PORTS) * (len(TARGETS) - 1) and 'ns11:10.99.0.11' not in probes


def test_input_problems_and_failures():
    assert matrix.input_problems(PORTS + PORTS[:1], TARGETS + [{'name': '99', 'address': '10.99.0.99',
                                                                'kind': 'port'}]) == [
        'port names must be unique', 'target 99 has kind port but no port has that name']
    unwanted = [{'source': '11', 'target': '20', 'capture': '12'}]
    assert matrix.failures(unwanted, [], restrictive=False) == []
    assert matrix.failures(unwanted, [], restrictive=True)[0].startswith('1 unwanted cells although')
