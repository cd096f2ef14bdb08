"""Fleet benchmark of flow_monitor (issue 18): figures for docs/flow.md ("Fleet figures"), not a test.

Run by `make bench` (or: .venv/bin/python tests/integration/fleet/bench_flow_monitor.py [--routers 50]
[--forks 5,10,25,50]).  For every forks value, side by side in one run: 50 fresh counting IOS-XE twins, then
`ansible-playbook playbooks/flow.yml --limit flow_routers -f FORKS` twice - the push and the idempotent rerun
(changed=0 asserted from the recap).  Reported per run: wall time, per-router cost (wall / routers), the mean
time of the flow_monitor task per host, and from the twins' counters (counting_twin.py) the SSH connections,
show/config lines per router and where a session's time goes (connect, show, push, teardown); the rest of the
task time is Ansible and the module's own start (python, imports).  Writes build/bench/flow_monitor.json.
"""

import argparse
import json
import logging
import os
import shutil
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from fleet_harness import (PHASES, REPO, HarnessError, TwinFleet, push_tasks, reserve_udp_port,  # noqa: E402
                           router_profile, run_playbook, write_inventory)


def summarise(fleet, run):
    """One run: recap totals, per-router averages of the twins' counters, and the task-time split."""
    tasks = push_tasks(run)
    profiles = [router_profile(fleet.events(name, run['started'], run['ended'])) for name in fleet.names]
    routers = len(fleet.names)
    kinds = sorted(set(k for p in profiles for k in p['counts']))
    task_mean = sum(t['end'] - t['start'] for t in tasks.values()) / max(1, len(tasks))
    session = dict((phase, sum(p['seconds'][phase] for p in profiles) / routers) for phase in PHASES)
    return dict(
        wall_s=round(run['wall'], 2), per_router_s=round(run['wall'] / routers, 3),
        changed=sum(r['changed'] for r in run['recap'].values()), failed=sum(r['failed'] for r in run['recap'].values()),
        hosts=len(run['recap']), task_mean_s=round(task_mean, 2),
        connections_per_router=round(sum(p['connections'] for p in profiles) / routers, 2),
        lines_per_router=dict((k, round(sum(p['counts'].get(k, 0) for p in profiles) / routers, 2)) for k in kinds),
        session_s=dict((k, round(v, 2)) for k, v in session.items()),
        outside_session_s=round(task_mean - sum(session.values()), 2),
        show_commands=sorted(set(c for t in tasks.values() for c in (t['commands'] or []) if c.startswith('show '))),
        concurrency=round(sum(t['end'] - t['start'] for t in tasks.values()) / run['wall'], 2))


def check(run, routers, changed, label):
    problems = []
    if run['rc'] != 0:
        problems.append('ansible-playbook exited %s' % run['rc'])
    if len(run['recap']) != routers:
        problems.append('recap lists %d hosts, expected %d' % (len(run['recap']), routers))
    wrong = sorted(h for h, r in run['recap'].items() if r['failed'] or r['unreachable'] or r['changed'] != changed)
    if wrong:
        problems.append('hosts not at changed=%d without failures: %s' % (changed, ', '.join(wrong[:10])))
    if problems:
        raise HarnessError('%s run: %s (log: %s)' % (label, '; '.join(problems), run['log']))


def bench(forks, routers, workdir, sink_port):
    fleet = TwinFleet(os.path.join(workdir, 'twins'), routers, lifetime=1800)
    try:
        started = time.monotonic()
        fleet.start()
        boot = time.monotonic() - started
        inventory = write_inventory(fleet, os.path.join(workdir, 'inventory'), sink_port)
        push = run_playbook(inventory, forks, workdir, 'push')
        check(push, routers, 1, 'push')
        rerun = run_playbook(inventory, forks, workdir, 'rerun')
        check(rerun, routers, 0, 'idempotent')
        return dict(forks=forks, twins_start_s=round(boot, 1), push=summarise(fleet, push),
                    rerun=summarise(fleet, rerun))
    finally:
        fleet.stop()


def session_probe(workdir, repeats=5):
    """What one idempotent run asks of a router (connect, enable, one show, disconnect), by netmiko directly
    with the module's fast_cli=False next to netmiko's default fast_cli=True: medians of ``repeats``."""
    from netmiko import ConnectHandler  # pylint: disable=import-outside-toplevel
    # paramiko logs a reset by the stopping twin to stderr, in the middle of the printed table
    logging.getLogger('paramiko').setLevel(logging.CRITICAL)
    fleet = TwinFleet(os.path.join(workdir, 'probe'), 1, lifetime=300)
    out = {}
    try:
        fleet.start()
        for fast in (False, True):
            samples = []
            for _n in range(repeats):
                started = time.perf_counter()
                conn = ConnectHandler(device_type='cisco_xe', host='127.0.0.1', port=fleet.ports['r01'],
                                      username=fleet.creds['username'], password=fleet.creds['password'],
                                      secret=fleet.creds['secret'], timeout=30, conn_timeout=30, fast_cli=fast)
                conn.enable()
                connected = time.perf_counter()
                conn.send_command('show running-config | section flow', read_timeout=30)
                shown = time.perf_counter()
                conn.disconnect()
                samples.append((connected - started, shown - connected, time.perf_counter() - started))
            out['fast_cli_%s' % str(fast).lower()] = dict(
                (key, round(sorted(s[i] for s in samples)[len(samples) // 2], 3))
                for i, key in enumerate(('connect_enable_s', 'show_s', 'total_s')))
    finally:
        fleet.stop()
    return out


def table(results):
    head = ('forks', 'run', 'wall s', 's/router', 'task s', 'conn/rtr', 'show/rtr', 'cfg/rtr', 'connect s',
            'show s', 'push s', 'teardown s', 'outside s')
    rows = [head]
    for result in results:
        for label in ('push', 'rerun'):
            r = result[label]
            lines = r['lines_per_router']
            rows.append((str(result['forks']), label, '%.1f' % r['wall_s'], '%.2f' % r['per_router_s'],
                         '%.2f' % r['task_mean_s'], '%.1f' % r['connections_per_router'],
                         '%.1f' % lines.get('show', 0), '%.1f' % lines.get('config', 0),
                         '%.2f' % r['session_s']['connect'], '%.2f' % r['session_s']['show'],
                         '%.2f' % r['session_s']['push'], '%.2f' % r['session_s']['teardown'],
                         '%.2f' % r['outside_session_s']))
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    return '\n'.join('  '.join(cell.rjust(w) for cell, w in zip(row, widths)) for row in rows)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--routers', type=int, default=50)
    parser.add_argument('--forks', default='5,10,25,50', help='comma-separated forks values; the first is the baseline')
    parser.add_argument('--keep', action='store_true', help='keep the work dir (twin event logs, playbook logs)')
    parser.add_argument('--output', default=os.path.join(REPO, 'build', 'bench', 'flow_monitor.json'))
    args = parser.parse_args(argv)
    forks_values = [int(f) for f in args.forks.split(',')]
    workdir = tempfile.mkdtemp(prefix='fleet-flow-')
    sink = reserve_udp_port()
    load_before = os.getloadavg()
    results = []
    try:
        for forks in forks_values:
            results.append(bench(forks, args.routers, os.path.join(workdir, 'forks%d' % forks), sink.getsockname()[1]))
        probe = session_probe(workdir)
    finally:
        sink.close()
    base = results[0]
    ratios = dict(('forks%d' % r['forks'], dict(
        push_wall_vs_baseline=round(base['push']['wall_s'] / r['push']['wall_s'], 2),
        rerun_wall_vs_baseline=round(base['rerun']['wall_s'] / r['rerun']['wall_s'], 2),
        rerun_over_push=round(r['rerun']['wall_s'] / r['push']['wall_s'], 2))) for r in results)
    report = dict(routers=args.routers, cpus=os.cpu_count(), loadavg_before=[round(x, 2) for x in load_before],
                  loadavg_after=[round(x, 2) for x in os.getloadavg()], results=results, ratios=ratios,
                  session_probe=probe)
    os.makedirs(os.path.dirname(args.output), exist_ok=True)
    with open(args.output, 'w') as handle:
        json.dump(report, handle, indent=2)
    print('flow_monitor on %d IOS-XE twins (%d CPUs, load before %.1f): seconds per router are means over routers'
          % (args.routers, report['cpus'], load_before[0]))
    print(table(results))
    for name, ratio in ratios.items():
        print('%s: wall time of the baseline / this = %.2fx (push), %.2fx (rerun); rerun / push = %.2f'
              % (name, ratio['push_wall_vs_baseline'], ratio['rerun_wall_vs_baseline'], ratio['rerun_over_push']))
    for result in results[:1]:
        print('show commands of the push: %s; of the rerun: %s' % (
            ', '.join(result['push']['show_commands']), ', '.join(result['rerun']['show_commands'])))
    slow, fast = probe['fast_cli_false'], probe['fast_cli_true']
    print('one idempotent session by netmiko (median): fast_cli=False (as the module) %.2f s (connect+enable %.2f, '
          'show %.2f); fast_cli=True %.2f s (%.2f, %.2f)' % (slow['total_s'], slow['connect_enable_s'], slow['show_s'],
                                                             fast['total_s'], fast['connect_enable_s'], fast['show_s']))
    print('written: %s' % os.path.relpath(args.output, REPO))
    if args.keep:
        print('kept: %s' % workdir)
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
