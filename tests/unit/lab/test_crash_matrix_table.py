"""tests/tools/crash_matrix_table.py: rows and the scenario outcome become the docs' table and its counts."""

import importlib.machinery
import importlib.util
import json
import os

TOOL = os.path.join(os.path.dirname(__file__), '..', '..', 'tools', 'crash_matrix_table.py')


def _tool():
    loader = importlib.machinery.SourceFileLoader('crash_matrix_table', TOOL)
    module = importlib.util.module_from_spec(importlib.util.spec_from_loader(loader.name, loader))
    loader.exec_module(module)
    return module


def _row(point, booted=True, data_intact=True):
    # the scenario writes the booleans through Jinja as strings
    return {'point': point, 'firmware': 'bios', 'cut_at': 'phase boundary', 'booted': str(booted),
            'data_intact': str(data_intact), 'boot_image': '/boot/vmlinuz', 'seconds': '101.4'}


def _molecule_log(tmp_path, scenario, *passed):
    (tmp_path / 'molecule').mkdir(exist_ok=True)
    lines = ['\x1b[36mINFO    \x1b[0m \x1b[32m%s\x1b[0m \u279c \x1b[33m%s\x1b[0m: \x1b[32mExecuted: Successful\x1b[0m'
             % (scenario, action) for action in passed]
    (tmp_path / 'molecule' / (scenario + '.log')).write_text('\n'.join(lines) + '\n')


def test_points_complete_only_when_converge_and_idempotence_passed(tmp_path):
    (tmp_path / 'root_raid1-crash-matrix-bios.json').write_text(json.dumps([_row('before a'), _row('during a')]))
    (tmp_path / 'root_raid1-crash-matrix-uefi.json').write_text(json.dumps([_row('before a', data_intact=False)]))
    (tmp_path / 'stages.tsv').write_text('molecule:root_raid1\t3000\tFAILED(rc=2)\nmolecule:root_raid1_uefi\t900\tFAILED(rc=2)\n')
    # bios: the conversion finished and verify failed; uefi: converge itself failed
    _molecule_log(tmp_path, 'root_raid1', 'create', 'converge', 'idempotence')
    _molecule_log(tmp_path, 'root_raid1_uefi', 'create')
    lines = _tool().table(str(tmp_path)).splitlines()
    assert lines[2] == '| before a | bios | phase boundary | yes | `/boot/vmlinuz` | yes | yes | 101 |'
    assert lines[4] == '| before a | uefi | phase boundary | yes | `/boot/vmlinuz` | **no** | **no** | 101 |'
    assert lines[-2] == 'bios: 2 tried, 2 booted, 2 completed, 2 data intact; scenario FAILED(rc=2) in 3000 s'
    assert lines[-1] == 'uefi: 1 tried, 1 booted, 0 completed, 0 data intact; scenario FAILED(rc=2) in 900 s'


def test_a_firmware_without_rows_is_named(tmp_path):
    assert _tool().table(str(tmp_path)).splitlines()[-1] == 'uefi: no rows (root_raid1_uefi recorded none)'


def test_a_scenario_without_a_stage_line_is_still_running(tmp_path):
    (tmp_path / 'root_raid1-crash-matrix-bios.json').write_text(json.dumps([_row('before a')]))
    _molecule_log(tmp_path, 'root_raid1', 'create', 'converge', 'idempotence')
    summary = [line for line in _tool().table(str(tmp_path)).splitlines() if line.startswith('bios:')]
    assert summary == ['bios: 1 tried, 1 booted, 1 completed, 1 data intact; scenario still running or not run']
