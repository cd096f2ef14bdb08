"""Slot files on disk: stamps from nfcapd names, pending, atomic writes, recent slots, expiry (on tmp dirs)."""

import json
import os

import pytest

from ansible_collections.isplab.infra.plugins.module_utils.flow_collector import loss
from ansible_collections.isplab.infra.plugins.module_utils.flow_paths import store
from ansible_collections.isplab.infra.plugins.module_utils.flow_paths.rows import RowError, parse_sequence_failures
from ansible_collections.isplab.infra.plugins.module_utils.flow_paths.aggregate import stamp_start
from ansible_collections.isplab.infra.plugins.module_utils.flow_paths.tables import load_config
from conftest import read_fixture


class Mover:
    """What write_text needs of a module; records the renames so the test sees the writes were atomic."""

    def __init__(self):
        self.moves = []

    def atomic_move(self, src, dest):
        self.moves.append((os.path.dirname(src), os.path.basename(dest)))
        os.replace(src, dest)


def touch(path, mtime=None):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as handle:
        handle.write('x')
    if mtime is not None:
        os.utime(path, (mtime, mtime))


def config_for(tables, tmp_path, **extra):
    tables.update(flow_dirs=[{'ident': 'edge1', 'dir': str(tmp_path / 'edge1')},
                             {'ident': 'core', 'dir': str(tmp_path / 'core')}],
                  out_dir=str(tmp_path / 'out'), **extra)
    return load_config(tables)


def slot(stamp, lines=()):
    return {'version': 1, 'slot': stamp, 'start': stamp_start(stamp), 'seconds': 300,
            'paths': [{'line': line, 'mbps': 1.0} for line in lines], 'problems': [], 'totals': {}}


def test_stamps_from_completed_files_in_any_layout(tables, tmp_path):
    config = config_for(tables, tmp_path)
    touch(str(tmp_path / 'edge1' / '2026' / '12' / '03' / 'nfcapd.202612031105'))
    touch(str(tmp_path / 'edge1' / '2026' / '12' / '03' / 'nfcapd.current.4711'))
    touch(str(tmp_path / 'edge1' / 'nfcapd.20261203110530'))
    touch(str(tmp_path / 'edge1' / 'nfcapd.202612031105.bak'))
    touch(str(tmp_path / 'core' / 'nfcapd.202612031105'))
    touch(str(tmp_path / 'core' / 'nfcapd.202612031110'))
    assert store.source_files(config) == {
        '202612031105': [('edge1', str(tmp_path / 'edge1' / '2026' / '12' / '03' / 'nfcapd.202612031105')),
                         ('core', str(tmp_path / 'core' / 'nfcapd.202612031105'))],
        '202612031110': [('core', str(tmp_path / 'core' / 'nfcapd.202612031110'))],
    }


def test_pending_until_written_and_again_when_a_source_is_newer(tables, tmp_path):
    config = config_for(tables, tmp_path)
    base = stamp_start('202612031105')
    touch(str(tmp_path / 'edge1' / 'nfcapd.202612031105'), base + 300)
    touch(str(tmp_path / 'core' / 'nfcapd.202612031105'), base + 301)
    touch(str(tmp_path / 'core' / 'nfcapd.202612031110'), base + 600)
    assert store.pending_stamps(config) == ['202612031105', '202612031110']
    mover = Mover()
    store.write_slot(mover, config.out_dir, slot('202612031105', ['a 1']))
    os.utime(store.slot_path(config.out_dir, '202612031105'), (base + 400, base + 400))
    assert store.pending_stamps(config) == ['202612031110']
    # nfcapd (or a late copy) rewrote one of the files after the slot was made
    os.utime(str(tmp_path / 'core' / 'nfcapd.202612031105'), (base + 500, base + 500))
    assert store.pending_stamps(config) == ['202612031105', '202612031110']
    # stamps older than the lifetime are not made again only to be expired
    assert store.pending_stamps(config, now=base + 30 * 86400 + 1) == ['202612031110']


def test_write_slot_is_atomic_and_deterministic(tables, tmp_path):
    out_dir = str(tmp_path / 'out')
    mover = Mover()
    data = slot('202612031105', ['2906 8220 rudo5 NAT 86', 'DHCP rudo5 8220 3320 0.50'])
    store.write_slot(mover, out_dir, data)
    slots = os.path.join(out_dir, 'slots')
    assert mover.moves == [(slots, '202612031105.txt'), (slots, '202612031105.json')]
    with open(os.path.join(slots, '202612031105.txt')) as handle:
        assert handle.read() == '2906 8220 rudo5 NAT 86\nDHCP rudo5 8220 3320 0.50\n'
    with open(os.path.join(slots, '202612031105.json')) as handle:
        text = handle.read()
    assert json.loads(text) == data
    assert text == store.dumps_slot(json.loads(text))
    assert sorted(os.listdir(slots)) == ['202612031105.json', '202612031105.txt']


def test_load_recent_is_the_day_before_the_newest(tmp_path):
    out_dir = str(tmp_path)
    mover = Mover()
    stamps = ['202612011100', '202612021105', '202612021110', '202612031100', '202612031105']
    for stamp in stamps:
        store.write_slot(mover, out_dir, slot(stamp))
    touch(os.path.join(out_dir, 'slots', 'notes.json'))
    # exactly 24 h before the newest is the previous day's slot and is left out
    assert [s['slot'] for s in store.load_recent(out_dir)] == ['202612021110', '202612031100', '202612031105']
    assert [s['slot'] for s in store.load_recent(out_dir, hours=1)] == ['202612031100', '202612031105']
    assert store.load_recent(str(tmp_path / 'missing')) == []


def test_expire_by_stamp(tmp_path):
    out_dir = str(tmp_path)
    mover = Mover()
    for stamp in ('202611011100', '202611031100', '202611031110', '202612031100'):
        store.write_slot(mover, out_dir, slot(stamp))
    touch(os.path.join(out_dir, 'slots', '202611021100.txt'))
    now = stamp_start('202612031105')
    # 30 days before now is 202611031105
    assert store.expire(out_dir, 30, now) == ['202611011100', '202611021100', '202611031100']
    assert sorted(os.listdir(os.path.join(out_dir, 'slots'))) == [
        '202611031110.json', '202611031110.txt', '202612031100.json', '202612031100.txt']
    assert store.expire(out_dir, 30, now) == []


NFDUMP_FIXTURES = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'fixtures', 'nfdump')


def nfdump_fixture(name):
    with open(os.path.join(NFDUMP_FIXTURES, name)) as handle:
        return handle.read()


class Result:
    def __init__(self, stdout):
        self.stdout, self.stderr = stdout, ''


class CapturedRunner:
    """Answers each nfdump command with output captured from the real nfdump 1.7.1 (fixtures/nfdump/README.md, fixtures/flow_paths/README.md)."""

    def __init__(self, exporters):
        self.exporters = exporters  # file -> name of the captured `nfdump -E` output
        self.commands = []

    def run(self, argv, environ=None):
        self.commands.append(argv)
        assert environ == {'TZ': 'UTC'}
        if argv[1] == '-E':
            return Result(nfdump_fixture(self.exporters[argv[2]]))
        return Result(read_fixture('nfdump_sample.txt'))


def test_loss_per_router_summed_over_the_slot_files(tables, tmp_path):
    config = config_for(tables, tmp_path)
    # 127.0.0.2 (rudo5) 1, 127.0.0.3 (rudo6) 2, 127.0.0.4 (rudo8) 0 failures; 127.0.0.5 is no router's exporter
    runner = CapturedRunner({'a': 'exporters_sequence_failures.txt', 'b': 'exporters_sequence_failures.txt',
                             'c': 'exporters_kernel_drop.txt', 'd': 'exporters_empty_file.txt'})
    sources = [('edge1', 'a'), ('core', 'b'), ('core', 'c'), ('edge1', 'd')]
    slot = store.build_slot(runner, config, '202612031105', sources)
    assert slot['loss'] == {'rudo5': 2, 'rudo6': 4, '127.0.0.5': 1}
    assert [argv[:2] for argv in runner.commands] == [['nfdump', '-r']] * 4 + [['nfdump', '-E']] * 4
    store.write_slot(Mover(), config.out_dir, slot)
    # the lines file is the paths only, with or without loss
    with open(store.slot_path(config.out_dir, '202612031105', '.txt')) as handle:
        assert handle.read() == ''.join(p['line'] + '\n' for p in slot['paths'])


def test_loss_of_an_unknown_exporter_is_named_by_the_ident_router(tables, tmp_path):
    tables['routers'][1]['ident'] = 'core'
    runner = CapturedRunner({'c': 'exporters_kernel_drop.txt', 'd': 'exporters_empty_file.txt'})
    slot = store.build_slot(runner, config_for(tables, tmp_path), '202612031105', [('core', 'c'), ('edge1', 'd')])
    assert slot['loss'] == {'rudo6': 1}
    runner = CapturedRunner({'d': 'exporters_empty_file.txt'})
    assert store.build_slot(runner, config_for(tables, tmp_path), '202612031105', [('edge1', 'd')])['loss'] == {}


def test_exporter_lines_read_as_flow_collector_reads_them():
    for name in ('exporters_sequence_failures.txt', 'exporters_kernel_drop.txt', 'exporters_empty_file.txt',
                 'exporters_no_flows_sent.txt'):
        text = nfdump_fixture(name)
        assert parse_sequence_failures(text) == loss.failures_by_exporter(loss.parse_exporters(text)), name
    with pytest.raises(RowError, match='no "Exporters:" heading'):
        parse_sequence_failures('nfdump: cannot open file\n')
