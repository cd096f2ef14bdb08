"""python tests/tools/crash_matrix_table.py [BUILD_DIR] - the crash matrix's result table (docs/root_raid1.md "Crash matrix").

Reads the rows the scenarios wrote (BUILD_DIR/root_raid1-crash-matrix-<firmware>.json, one per point that
booted), the scenario's molecule log (BUILD_DIR/molecule/<scenario>.log) and its time from the stage log
(BUILD_DIR/stages.tsv). The points chain: each run after a cut continues the conversion from the state the
cut left, so a point counts as completed only when converge passed (the conversion went on from every point
to its end) and so did the idempotence run after it.
"""
import json
import os
import re
import sys

SCENARIOS = {'bios': 'root_raid1', 'uefi': 'root_raid1_uefi'}


def stage_results(path):
    results = {}
    if os.path.exists(path):
        with open(path) as fh:
            for line in fh:
                name, seconds, status = line.rstrip('\n').split('\t')
                results[name] = (int(seconds), status)
    return results


def completed(log_path):
    """converge and idempotence both passed, from molecule's own report lines."""
    if not os.path.exists(log_path):
        return False
    with open(log_path, errors='replace') as fh:
        text = re.sub(r'\x1b\[[0-9;]*m', '', fh.read())
    return all(re.search(r'\b%s: Executed: Successful' % action, text) for action in ('converge', 'idempotence'))


def table(build_dir):
    stages = stage_results(os.path.join(build_dir, 'stages.tsv'))
    out = ['| point | firmware | cut at | booted | kernel booted | data intact | completed | seconds |',
           '|---|---|---|---|---|---|---|---|']
    summary = []
    for firmware, scenario in SCENARIOS.items():
        path = os.path.join(build_dir, 'root_raid1-crash-matrix-%s.json' % firmware)
        if not os.path.exists(path):
            summary.append('%s: no rows (%s recorded none)' % (firmware, scenario))
            continue
        with open(path) as fh:
            rows = json.load(fh)
        seconds, status = stages.get('molecule:' + scenario, (None, None))
        outcome = 'scenario %s in %s s' % (status, seconds) if status else 'scenario still running or not run'
        done = completed(os.path.join(build_dir, 'molecule', scenario + '.log'))
        for row in rows:
            out.append('| %s | %s | %s | %s | `%s` | %s | %s | %.0f |' % (
                row['point'], firmware, row['cut_at'], _yes(row['booted']), row['boot_image'], _yes(row['data_intact']),
                _yes(done), float(row['seconds'])))
        summary.append('%s: %d tried, %d booted, %d completed, %d data intact; %s' % (
            firmware, len(rows), sum(_true(r['booted']) for r in rows), len(rows) if done else 0,
            sum(_true(r['data_intact']) for r in rows), outcome))
    return '\n'.join(out + [''] + summary)


def _true(value):
    return value is True or str(value).lower() == 'true'


def _yes(value):
    return 'yes' if _true(value) else '**no**'


if __name__ == '__main__':
    print(table(sys.argv[1] if len(sys.argv) > 1 else 'build'))
