"""Fleet benchmark of ng_bridge with 4,000 hooks (issue 18): figures for docs/bridges.md ("Fleet figures").

Not a test; run by `make bench` (or .venv/bin/python tests/integration/fleet/bench_bridges.py [--lines 4000]).
Side by side in one run, on the netgraph twin (tests/twins/netgraph) with its real reply-size limits
(net.graph.recvspace/maxdgram 20 KiB until the module raises them):
1. the module: plan and apply 4,000 link hooks + 2 uplinks in one `ngctl -f -` batch (a fresh twin), then its
   idempotent rerun (changed=false, empty batch asserted);
2. the module's batch alone, fed to one `ngctl -f -` on a second twin prepared the same way;
3. the same batch lines with one ngctl process per line on a third twin.  12,000 processes take the better part
   of an hour on this machine, so they are sampled: SAMPLE hooks (3 lines each) are timed one process per
   line at several fill levels of the bridge, the lines in between are applied untimed in one batch, and the
   cost of all lines is interpolated between the levels.  The twin reads and writes its whole JSON state on
   every call, which a kernel does not: the per-line cost at an empty bridge gives a lower bound as well.
   At the end the third twin must show the same hooks as the second.
Writes build/bench/bridges.json.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
TWIN_DIR = os.path.join(REPO, 'tests', 'twins', 'netgraph')
COLLECTIONS = os.path.join(REPO, 'build', 'collections')
sys.path.insert(0, COLLECTIONS)
from ansible_collections.isplab.infra.plugins.module_utils.l2_bridge.model import validate  # noqa: E402
from ansible_collections.isplab.infra.plugins.module_utils.l2_bridge.netgraph import parse_show, plan  # noqa: E402

CONFIG = {'debugLevel': 1, 'loopTimeout': 60, 'maxStaleness': 1500, 'minStableAge': 1}
UPLINKS = [{'name': 'uplink1', 'interface': 'ix0.7', 'role': 'uplink'},
           {'name': 'uplink2', 'interface': 'ix1.7', 'role': 'uplink'}]
BUFFERS = ('net.graph.recvspace', 'net.graph.maxdgram')


class BenchError(Exception):
    pass


def line_ports(count):
    return [{'name': 'link%d' % n, 'interface': 'ix0.%d' % (1000 + n), 'role': 'link'} for n in range(1, count + 1)]


class Twin:
    """One netgraph twin (its own state file) and this tree's ng_bridge module run against it."""

    def __init__(self, directory, interfaces):
        os.makedirs(directory)
        self.dir = directory
        self.env = dict(os.environ, NGCTL_TWIN_STATE=os.path.join(directory, 'graph.json'),
                        NGCTL_TWIN_IFACES=','.join(interfaces), PATH=TWIN_DIR + os.pathsep + os.environ['PATH'],
                        PYTHONPATH=COLLECTIONS)

    def module(self, **args):
        # host files under the work dir: never the real /boot/loader.conf or /etc/sysctl.conf
        args.update(state_dir=os.path.join(self.dir, 'db'), loader_conf=os.path.join(self.dir, 'loader.conf'),
                    sysctl_conf=os.path.join(self.dir, 'sysctl.conf'))
        path = os.path.join(self.dir, 'args.json')
        with open(path, 'w') as handle:
            json.dump({'ANSIBLE_MODULE_ARGS': args}, handle)
        proc = subprocess.run([sys.executable, os.path.join(REPO, 'plugins', 'modules', 'ng_bridge.py'), path],
                              env=self.env, capture_output=True, text=True, timeout=900, check=False)
        try:
            return json.loads(proc.stdout)
        except ValueError:
            raise BenchError('ng_bridge printed no JSON (rc %s): %s' % (proc.returncode, proc.stderr[-2000:]))

    def run(self, program, *argv, stdin=None):
        proc = subprocess.run([os.path.join(TWIN_DIR, program)] + list(argv), env=self.env, input=stdin,
                              capture_output=True, text=True, timeout=900, check=False)
        if proc.returncode != 0:
            raise BenchError('%s %s failed (%s): %s' % (program, ' '.join(argv)[:80], proc.returncode, proc.stderr))
        return proc.stdout


def timed(func):
    started = time.perf_counter()
    value = func()
    return time.perf_counter() - started, value


def prepare_like(twin, source):
    """Load what the module loaded on ``source`` and copy its raised socket buffers (same reply limits)."""
    twin.run('ngctl', '-f', '-', stdin='')  # ngctl loads ng_socket, which owns net.graph.*
    twin.run('kldload', 'ng_ether')
    twin.run('sysctl', *['%s=%s' % (name, source.run('sysctl', '-n', name).strip()) for name in BUFFERS])


def replay_reads(twin, commands):
    """Each command of an idempotent run again, alone and timed: where its time goes.  Only reads
    (sysctl -n, kldstat, ngctl list/show/getconfig) are replayed; there is nothing else in such a run."""
    reads = []
    for command in commands:
        argv = command.split()
        program = os.path.basename(argv[0])
        if (program, argv[1:2]) in (('sysctl', ['-n']), ('kldstat', ['-q'])) or (
                program == 'ngctl' and (argv[1:2] in (['list'], ['show']) or argv[-1:] == ['getconfig'])):
            seconds = timed(lambda: twin.run(program, *argv[1:]))[0]  # pylint: disable=cell-var-from-loop
            reads.append(dict(command=' '.join([program] + argv[1:]), s=round(seconds, 3)))
    return reads


def per_line_sampled(twin, lines, hooks, sample, levels):
    """Apply ``lines`` (5 bridge lines, 3 per hook, then setconfig): SAMPLE hooks one process per line at every
    fill level, the rest untimed in batches.  Returns [(hooks already there, seconds per line)]."""
    head, body, tail = lines[:5], lines[5:-1], lines[-1:]
    if len(body) != 3 * (hooks - 1):
        raise BenchError('unexpected batch layout: %d hook lines for %d hooks' % (len(body), hooks))
    points = []
    done = 0
    started = time.perf_counter()
    for line in head:
        twin.run('ngctl', *line.split())
    points.append((0, (time.perf_counter() - started) / len(head)))
    for level in levels:
        if level > done:
            twin.run('ngctl', '-f', '-', stdin='\n'.join(body[3 * done:3 * level]))
            done = level
        chunk = body[3 * done:3 * min(done + sample, hooks - 1)]
        started = time.perf_counter()
        for line in chunk:
            twin.run('ngctl', *line.split())
        points.append((1 + done, (time.perf_counter() - started) / max(1, len(chunk))))
        done += len(chunk) // 3
    twin.run('ngctl', '-f', '-', stdin='\n'.join(body[3 * done:] + tail))
    return points


def interpolate(points, position):
    """Seconds per line at ``position`` hooks, linear between the measured fill levels."""
    for (x0, y0), (x1, y1) in zip(points, points[1:]):
        if x0 <= position <= x1:
            return y0 + (y1 - y0) * (position - x0) / float(max(1, x1 - x0))
    return points[-1][1] if position > points[-1][0] else points[0][1]


def bench(lines_count, sample, workdir):
    hooks = lines_count + 2
    ports = UPLINKS + line_ports(lines_count)
    interfaces = [p['interface'] for p in ports]
    params = dict(name='br0', restrictive=True, mac_hold_time=1500, ports=ports)
    figures = dict(hooks=hooks)

    model = validate(dict(params))
    names = set(i.replace('.', '_') for i in interfaces)
    figures['plan_new_s'] = round(min(timed(lambda: plan(model, None, names, CONFIG))[0] for _n in range(3)), 3)

    module_twin = Twin(os.path.join(workdir, 'module'), interfaces)
    seconds, created = timed(lambda: module_twin.module(**params))
    if created.get('failed') or not created.get('changed') or len(created.get('added', [])) != hooks:
        raise BenchError('the module did not build the bridge: %s' % created.get('msg'))
    batches = sum(1 for c in created['commands'] if c.endswith('ngctl -f -'))
    batch = created['batch']
    figures.update(module_push_s=round(seconds, 2), module_batches=batches, batch_lines=len(batch),
                   module_processes=sum(1 for c in created['commands'] if not c.startswith('  ')),
                   buffers_before=dict((k, created['host']['buffers_before'][k]) for k in BUFFERS),
                   buffers_after=dict((k, created['host']['buffers'][k]) for k in BUFFERS))
    seconds, rerun = timed(lambda: module_twin.module(**params))
    if rerun.get('failed') or rerun.get('changed') or rerun.get('batch'):
        raise BenchError('the rerun was not idempotent: changed=%s, %d batch lines, %s'
                         % (rerun.get('changed'), len(rerun.get('batch') or []), rerun.get('msg')))
    figures.update(module_rerun_s=round(seconds, 2),
                   module_rerun_processes=sum(1 for c in rerun['commands'] if not c.startswith('  ')),
                   rerun_reads=replay_reads(module_twin, rerun['commands']))
    shown = parse_show(module_twin.run('ngctl', 'show', 'br0:'))
    figures['plan_in_sync_s'] = round(min(timed(lambda: plan(model, shown, names | {'br0'}, CONFIG,
                                                             observed_config=CONFIG))[0] for _n in range(3)), 3)

    batch_twin = Twin(os.path.join(workdir, 'batch'), interfaces)
    prepare_like(batch_twin, module_twin)
    figures['batch_only_s'] = round(timed(lambda: batch_twin.run('ngctl', '-f', '-', stdin='\n'.join(batch)))[0], 2)

    single_twin = Twin(os.path.join(workdir, 'single'), interfaces)
    prepare_like(single_twin, module_twin)
    levels = sorted(set(min(hooks - 1 - sample, max(0, round(f * (hooks - 1)))) for f in (0, 0.25, 0.5, 0.75, 1)))
    seconds, points = timed(lambda: per_line_sampled(single_twin, batch, hooks, sample, levels))
    # hooks that exist when line i of the batch runs: none for the 5 lines that make the bridge and its first
    # uplink, then one more every 3 lines
    estimate = sum(interpolate(points, 0 if i < 5 else 1 + (i - 5) // 3) for i in range(len(batch)))
    floor = min(p[1] for p in points)
    want = sorted(h['hook'] for h in parse_show(batch_twin.run('ngctl', 'show', 'br0:'))['hooks'])
    got = sorted(h['hook'] for h in parse_show(single_twin.run('ngctl', 'show', 'br0:'))['hooks'])
    if want != got or len(want) != hooks:
        raise BenchError('per-line and batch twins differ: %d vs %d hooks' % (len(got), len(want)))
    figures.update(per_line_levels=[dict(hooks_present=x, s_per_line=round(y, 4)) for x, y in points],
                   per_line_sample_hooks=sample, per_line_sampling_s=round(seconds, 1),
                   per_line_estimate_s=round(estimate, 1), per_line_floor_s=round(floor * len(batch), 1),
                   per_line_over_batch=round(estimate / figures['batch_only_s'], 1),
                   per_line_floor_over_batch=round(floor * len(batch) / figures['batch_only_s'], 1),
                   per_line_over_module=round(estimate / figures['module_push_s'], 1),
                   rerun_over_push=round(figures['module_rerun_s'] / figures['module_push_s'], 2))
    return figures


def report(figures):
    rows = [
        ('hooks (links + uplinks)', '%d' % figures['hooks']),
        ('plan, new bridge (pure function)', '%.3f s' % figures['plan_new_s']),
        ('plan, bridge in sync (pure function)', '%.3f s' % figures['plan_in_sync_s']),
        ('module: read + plan + apply, one batch', '%.2f s (%d batch, %d lines, %d processes)' % (
            figures['module_push_s'], figures['module_batches'], figures['batch_lines'], figures['module_processes'])),
        ('module: idempotent rerun', '%.2f s (%d processes, changed=false)' % (
            figures['module_rerun_s'], figures['module_rerun_processes'])),
        ('the batch alone, one ngctl -f -', '%.2f s' % figures['batch_only_s']),
        ('one ngctl per line (sampled estimate)', '%.1f s' % figures['per_line_estimate_s']),
        ('one ngctl per line (lower bound)', '%.1f s' % figures['per_line_floor_s']),
        ('ratio per line / batch', '%.1fx (lower bound %.1fx)' % (
            figures['per_line_over_batch'], figures['per_line_floor_over_batch'])),
        ('ratio per line / whole module run', '%.1fx' % figures['per_line_over_module']),
        ('ratio rerun / push (module)', '%.2f' % figures['rerun_over_push']),
        ('socket buffers before -> after', ', '.join(
            '%s %d -> %d' % (k, figures['buffers_before'][k], figures['buffers_after'][k]) for k in BUFFERS)),
    ]
    reads = figures['rerun_reads']
    rows.append(('rerun: its %d reads replayed alone' % len(reads), '%.2f s (ngctl %.2f s, of which show br0: %.2f s)' % (
        sum(r['s'] for r in reads), sum(r['s'] for r in reads if r['command'].startswith('ngctl')),
        sum(r['s'] for r in reads if r['command'] == 'ngctl show br0:'))))
    width = max(len(r[0]) for r in rows)
    lines = ['%s  %s' % (label.ljust(width), value) for label, value in rows]
    lines.append('per-line cost by fill level: ' + ', '.join('%d hooks %.0f ms' % (p['hooks_present'], 1000 * p['s_per_line'])
                                                             for p in figures['per_line_levels']))
    return '\n'.join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--lines', type=int, default=4000, help='link hooks (plus 2 uplinks)')
    parser.add_argument('--sample', type=int, default=20, help='hooks timed one ngctl per line at each fill level')
    parser.add_argument('--output', default=os.path.join(REPO, 'build', 'bench', 'bridges.json'))
    args = parser.parse_args(argv)
    workdir = tempfile.mkdtemp(prefix='fleet-bridges-')
    try:
        figures = bench(args.lines, args.sample, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    figures.update(cpus=os.cpu_count(), loadavg=[round(x, 2) for x in os.getloadavg()])
    os.makedirs(os.path.dirname(args.output), exist_ok=True)
    with open(args.output, 'w') as handle:
        json.dump(figures, handle, indent=2)
    print('ng_bridge on the netgraph twin (%d CPUs, load %.1f)' % (figures['cpus'], figures['loadavg'][0]))
    print(report(figures))
    print('written: %s' % os.path.relpath(args.output, REPO))
    return 0


if __name__ == '__main__':
    sys.exit(main())
