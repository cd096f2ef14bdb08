"""The field test bed on Linux namespaces in both modes, and the same matrix replayed on the netgraph twin."""

import json
import os
import subprocess

import pytest

from conftest import REPO
from probes import BROADCAST, probe_frames
from ansible_collections.isplab.infra.plugins.module_utils.l2_bridge import matrix

# Same test bed as testbed.yml next to this file.
PORTS = [
    {'name': '10', 'hook': 'uplink1', 'role': 'uplink', 'mac': '00:00:00:00:01:01', 'address': '10.99.0.10'},
    {'name': '11', 'hook': 'link1', 'role': 'link', 'mac': '00:00:00:00:02:01', 'address': '10.99.0.11'},
    {'name': '12', 'hook': 'link2', 'role': 'link', 'mac': '00:00:00:00:03:01', 'address': '10.99.0.12'},
    {'name': '13', 'hook': 'link3', 'role': 'link', 'mac': '00:00:00:00:04:01', 'address': '10.99.0.13'},
    {'name': '14', 'hook': 'uplink2', 'role': 'uplink', 'mac': '00:00:00:00:05:01', 'address': '10.99.0.14'},
]
TARGETS = [{'name': p['name'], 'address': p['address'], 'kind': 'port'} for p in PORTS] + [
    {'name': '20', 'address': '10.99.0.20', 'kind': 'unknown_mac'},
    {'name': '21', 'address': '10.99.0.21', 'kind': 'no_arp'}]
UNKNOWN_MAC = '00:00:00:00:20:01'


def bt_namespaces():
    out = subprocess.run(['ip', 'netns', 'list'], capture_output=True, text=True, check=True).stdout
    return set(line.split()[0] for line in out.splitlines() if line.startswith('isplab-bt-'))


@pytest.fixture(scope='module', params=['restrictive', 'classic'])
def linux_run(request, tmp_path_factory):
    assert os.geteuid() == 0, 'the namespace test bed needs root'
    report = tmp_path_factory.mktemp('bt-%s' % request.param)
    before = bt_namespaces()
    proc = subprocess.run([os.path.join(REPO, '.venv', 'bin', 'ansible-playbook'), 'tests/integration/bridges/testbed.yml',
                           '-e', 'bridge_mode=%s' % request.param, '-e', 'report_dir=%s' % report],
                          cwd=REPO, capture_output=True, text=True, timeout=600, check=False)
    leftover = bt_namespaces() - before
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert not leftover, 'namespaces left behind: %s' % leftover
    with open(report / 'bridge-matrix.json') as handle:
        cells = json.load(handle)
    html = (report / 'bridge-matrix.html').read_text()
    return request.param, cells, html


def twin_cells(twin, mode):
    ports = [{'name': p['hook'], 'interface': 'p%s' % p['name'], 'role': p['role'], 'kind': 'eiface'} for p in PORTS]
    result = twin.module('ng_bridge', name='br0', restrictive=(mode == 'restrictive'), mac_hold_time=1500, ports=ports)
    assert result.get('failed') is None, result
    ifname = {}
    for port in PORTS:
        answer = twin.ngctl('msg', 'p%s:' % port['name'], 'getifname')
        ifname[port['name']] = answer.split('Args:\t')[1].strip().strip('"')
    label = dict((v, k) for k, v in ifname.items())
    # As on the Linux bed: every link MAC is known before the probes (one broadcast each).
    for port in PORTS:
        if port['role'] == 'link':
            twin.ngctl('twin-frame', ifname[port['name']], port['mac'], BROADCAST)
    seen = set()
    for source, target, src, dst in probe_frames(PORTS, TARGETS, UNKNOWN_MAC):
        seen.add((source, target, source))
        for receiver in twin.ngctl('twin-frame', ifname[source], src, dst).split():
            seen.add((source, target, label[receiver]))
    return matrix.cells(PORTS, TARGETS, seen)


def key(cell):
    return cell['source'], cell['target'], cell['capture']


def test_linux_matrix_verdicts(linux_run):
    mode, cells, html = linux_run
    counts = matrix.summary(cells)
    assert len(cells) == 5 * 6 * 5
    assert matrix.missing(cells, TARGETS) == []
    if mode == 'restrictive':
        assert counts['unwanted'] == 0, [c for c in cells if c['verdict'] == 'unwanted']
    else:
        assert counts['unwanted'] > 0
    assert all(isinstance(c['source'], str) and isinstance(c['capture'], str) for c in cells)
    assert html.count('<table>') == 5 and ('class="unwanted"' in html) == (mode == 'classic')


def test_twin_agrees_with_linux(linux_run, twin_factory):
    mode, linux_cells, _html = linux_run
    twin = twin_factory(subdir='twin-%s' % mode)
    twin_by_cell = dict((key(c), c) for c in twin_cells(twin, mode))
    differences = [(key(c), c['verdict'], twin_by_cell[key(c)]['verdict']) for c in linux_cells
                   if (c['seen'], c['verdict']) != (twin_by_cell[key(c)]['seen'], twin_by_cell[key(c)]['verdict'])]
    assert len(twin_by_cell) == len(linux_cells)
    assert differences == []
