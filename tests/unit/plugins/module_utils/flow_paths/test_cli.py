"""The collector's program end to end: the REAL nfdump (1.7.1, installed here and in CI) on real nfcapd files.

nfcapd.sample is the file capture.py made; nfcapd.empty a file nfcapd closed without data. Both are copied
into a -S style tree under tmp_path.
"""

import json
import os
import shutil
import subprocess
import sys

import pytest

from ansible_collections.isplab.infra.plugins.module_utils.flow_paths import cli, store
from ansible_collections.isplab.infra.plugins.module_utils.flow_paths.aggregate import aggregate_slot
from ansible_collections.isplab.infra.plugins.module_utils.flow_paths.rows import parse_rows
from ansible_collections.isplab.infra.plugins.module_utils.flow_paths.tables import load_config
from conftest import fixture_path, read_fixture

pytestmark = pytest.mark.skipif(shutil.which('nfdump') is None, reason='needs the nfdump binary (apt install nfdump)')

EMPTY = '202612031115'


@pytest.fixture
def bed(tables, scenario, tmp_path):
    day = tmp_path / 'flows' / '2026' / '12' / '03'
    day.mkdir(parents=True)
    shutil.copyfile(fixture_path('nfcapd.sample'), str(day / ('nfcapd.' + scenario['stamp'])))
    shutil.copyfile(fixture_path('nfcapd.empty'), str(day / ('nfcapd.' + EMPTY)))
    # a century: the stamps must not expire whatever the date of the test run
    tables.update(flow_dirs=[{'ident': 'lab', 'dir': str(tmp_path / 'flows')}], out_dir=str(tmp_path / 'out'),
                  lifetime_days=36500)
    path = tmp_path / 'config.json'
    path.write_text(json.dumps(tables))
    return {'config': str(path), 'tables': tables, 'out': tmp_path / 'out', 'day': day}


def read_slot(bed, stamp, suffix='.json'):
    with open(store.slot_path(str(bed['out']), stamp, suffix)) as handle:
        return json.load(handle) if suffix == '.json' else handle.read()


def test_pending_run_writes_every_slot(bed, scenario, capsys):
    assert cli.main(['--config', bed['config']]) == 0
    stdout = capsys.readouterr().out.splitlines()
    slot = read_slot(bed, scenario['stamp'])
    lines = {EMPTY: 'slot %s: 0 paths, 0 problems, 0.0 Mbit/s' % EMPTY, scenario['stamp']: cli.progress(slot)}
    assert stdout == [lines[stamp] for stamp in sorted(lines)]  # oldest stamp first
    assert lines[scenario['stamp']].startswith('slot %s: 14 paths, 6 problems, ' % scenario['stamp'])
    # the real nfdump on the binary file gives what the captured text gives
    expected = aggregate_slot(parse_rows(read_fixture('nfdump_sample.txt'), 'lab'), load_config(bed['tables']),
                              scenario['stamp'])
    # the sample's real nfcapd received every datagram: nfdump -E counts no sequence failure
    assert slot == dict(expected, loss={})
    assert read_slot(bed, scenario['stamp'], '.txt') == ''.join(p['line'] + '\n' for p in expected['paths'])
    # nothing is pending any more
    assert cli.main(['--config', bed['config']]) == 0
    assert capsys.readouterr().out == ''


def test_rerun_of_a_past_stamp_is_identical(bed, scenario, capsys):
    assert cli.main(['--config', bed['config'], '--stamp', scenario['stamp']]) == 0
    first = read_slot(bed, scenario['stamp'], '.txt'), open(store.slot_path(str(bed['out']), scenario['stamp'])).read()
    assert cli.main(['--config', bed['config'], '--stamp', scenario['stamp']]) == 0
    second = read_slot(bed, scenario['stamp'], '.txt'), open(store.slot_path(str(bed['out']), scenario['stamp'])).read()
    assert first == second
    assert len(capsys.readouterr().out.splitlines()) == 2


def test_bad_tables_change_nothing(bed, capsys):
    bed['tables']['routers'][1]['interfaces'].append({'ifindex': 3, 'internal': True})
    with open(bed['config'], 'w') as handle:
        json.dump(bed['tables'], handle)
    assert cli.main(['--config', bed['config']]) == 1
    assert capsys.readouterr().err == ('flow_paths: the tables in %s are invalid, nothing was changed: '
                                       'flow_paths_routers[1] (rudo6): interface ifindex 3 is listed twice\n' % bed['config'])
    assert not bed['out'].exists()


def test_unreadable_file_fails_its_stamp_only(bed, scenario, capsys):
    broken = bed['day'] / 'nfcapd.202612031125'
    broken.write_bytes(b'not an nfcapd file, nfdump says bad magic' * 8)
    assert cli.main(['--config', bed['config']]) == 1
    captured = capsys.readouterr()
    assert len(captured.out.splitlines()) == 2
    assert captured.err.startswith('flow_paths: nfdump could not read %s: ' % broken)
    assert 'then run again for stamp 202612031125' in captured.err
    assert sorted(os.listdir(str(bed['out'] / 'slots'))) == sorted(
        s + x for s in (scenario['stamp'], EMPTY) for x in ('.json', '.txt'))


def test_missing_stamp_bad_stamp_and_missing_nfdump(bed, scenario, capsys, monkeypatch):
    assert cli.main(['--config', bed['config'], '--stamp', '202612031200']) == 1
    assert 'no nfcapd file nfcapd.202612031200 below %s' % os.path.dirname(os.path.dirname(os.path.dirname(str(bed['day'])))) \
        in capsys.readouterr().err
    assert cli.main(['--config', bed['config'], '--stamp', 'yesterday']) == 1
    assert capsys.readouterr().err == ('flow_paths: --stamp yesterday is not an nfcapd stamp like 202612031105'
                                       ' (YYYYMMDDhhmm, UTC)\n')
    monkeypatch.setenv('PATH', str(bed['day']))
    assert cli.main(['--config', bed['config'], '--stamp', scenario['stamp']]) == 1
    assert capsys.readouterr().err.startswith('flow_paths: nfdump is not in PATH')


def test_unreadable_config(tmp_path, capsys):
    assert cli.main(['--config', str(tmp_path / 'none.json')]) == 1
    assert capsys.readouterr().err.startswith('flow_paths: cannot read the config %s' % (tmp_path / 'none.json'))
    (tmp_path / 'c.json').write_text(json.dumps({'routers': [{'name': 'r', 'exporter': '127.0.0.2', 'capacity_mbps': 1}]}))
    assert cli.main(['--config', str(tmp_path / 'c.json')]) == 1
    assert 'flow_paths_out_dir and flow_paths_flow_dirs must be set' in capsys.readouterr().err


def test_render_writes_the_page(bed, scenario, capsys):
    assert cli.main(['--config', bed['config'], '--render']) == 0
    page = bed['out'] / 'index.html'
    assert capsys.readouterr().out.splitlines()[-1] == 'page %s' % page
    assert bed['tables']['title'] in page.read_text()


def test_runs_as_a_program_without_ansible(bed, scenario, tmp_path):
    """What the systemd unit does: python3 -m ... with only the copied module_utils on PYTHONPATH."""
    root = tmp_path / 'lib' / 'ansible_collections' / 'isplab' / 'infra' / 'plugins' / 'module_utils'
    here = os.path.dirname(cli.__file__)
    for package in ('common', 'flow_paths'):
        shutil.copytree(os.path.join(os.path.dirname(here), package), str(root / package),
                        ignore=shutil.ignore_patterns('__pycache__'))
    # like the role's copy: no __init__.py above the packages (namespace packages)
    env = dict(os.environ, PYTHONPATH=str(tmp_path / 'lib'))
    # -S: no site-packages, so an accidental "import ansible" fails here as it would on the collector
    proc = subprocess.run([sys.executable, '-S', '-m', 'ansible_collections.isplab.infra.plugins.module_utils.flow_paths.cli',
                           '--config', bed['config'], '--stamp', scenario['stamp']],
                          capture_output=True, text=True, env=env, cwd=str(tmp_path), check=False)
    assert (proc.returncode, proc.stderr) == (0, '')
    assert proc.stdout.startswith('slot %s: 14 paths' % scenario['stamp'])
