"""4,000 link hooks plus 2 uplinks on the netgraph twin: one batch, single-hook changes, benchmark."""

import json
import os
import time

from ansible_collections.isplab.infra.plugins.module_utils.l2_bridge.model import validate
from ansible_collections.isplab.infra.plugins.module_utils.l2_bridge.netgraph import parse_show, plan
import subprocess

from conftest import REPO, TWIN_DIR

LINES = 4000
CONFIG = {'debugLevel': 1, 'loopTimeout': 60, 'maxStaleness': 1500, 'minStableAge': 1}
# One S-VLAN interface per DSL line on the handover port, two uplinks (one per DSL line card).
UPLINKS = [{'name': 'uplink1', 'interface': 'ix0.7', 'role': 'uplink'},
           {'name': 'uplink2', 'interface': 'ix1.7', 'role': 'uplink'}]


def line_ports(count):
    return [{'name': 'link%d' % n, 'interface': 'ix0.%d' % (1000 + n), 'role': 'link'} for n in range(1, count + 1)]


def interfaces(count):
    return [p['interface'] for p in UPLINKS + line_ports(count + 1)]


def test_4000_lines_one_batch_and_single_hook_changes(twin_factory):
    twin = twin_factory(interfaces(LINES))
    ports = UPLINKS + line_ports(LINES)
    started = time.perf_counter()
    created = twin.module('ng_bridge', name='br0', restrictive=True, mac_hold_time=1500, ports=ports)
    create_seconds = time.perf_counter() - started
    assert created.get('failed') is None, created.get('msg')
    assert sum(1 for c in created['commands'] if c.endswith('ngctl -f -')) == 1
    assert len(created['added']) == LINES + 2
    shown = parse_show(twin.ngctl('show', 'br0:'))
    assert len(shown['hooks']) == LINES + 2 and shown['hooks'][-1]['hook'] == 'uplink1'
    # The module raised the socket buffers before reading, now and for boot.
    buffers = created['host']['buffers']
    assert buffers['net.graph.recvspace'] >= 16 + 56 + 72 + (LINES + 2) * 136
    sysctl_conf = (twin.tmp_path / 'sysctl.conf').read_text()
    assert 'net.graph.recvspace=%d' % buffers['net.graph.recvspace'] in sysctl_conf

    added = twin.module('ng_bridge', name='br0', restrictive=True, mac_hold_time=1500,
                        ports=ports + line_ports(LINES + 1)[-1:])
    assert added['batch'] == ['connect br0: ix0_%d: link%d lower' % (1000 + LINES + 1, LINES + 1),
                              'msg ix0_%d: setpromisc 1' % (1000 + LINES + 1), 'msg ix0_%d: setautosrc 0' % (1000 + LINES + 1)]
    removed = twin.module('ng_bridge', name='br0', restrictive=True, mac_hold_time=1500,
                          ports=[p for p in ports if p['name'] != 'link17'])
    assert removed['batch'] == ['rmhook br0: link17', 'rmhook br0: link%d' % (LINES + 1)]
    print('\nscale: create %d hooks through the module in one batch: %.1f s' % (LINES + 2, create_seconds))


def test_4000_hooks_do_not_fit_the_default_socket_buffer(twin_factory):
    """The twin drops replies larger than net.graph.recvspace, as ng_socket.c does; the module copes."""
    twin = twin_factory(interfaces(LINES), subdir='limit')
    build = ['mkpeer . eiface tmp ether', 'name .:tmp e0', 'rmhook . tmp',
             'mkpeer e0: bridge ether uplink1', 'name e0:ether br0', 'msg br0: setpersistent']
    twin.ngctl('-f', '-', stdin='\n'.join(build))
    twin.ngctl('-f', '-', stdin='\n'.join('mkpeer br0: eiface link%d ether' % n for n in range(1, LINES + 1)))
    refused = subprocess.run([os.path.join(TWIN_DIR, 'ngctl'), 'show', 'br0:'], env=twin.env, capture_output=True,
                             text=True, check=False)
    assert (refused.returncode, refused.stderr) == (71, 'ngctl: send msg: No buffer space available\n')
    ports = UPLINKS[:1] + line_ports(LINES)
    ports = [dict(p, interface='ngeth%d' % n, kind='eiface') for n, p in enumerate(ports)]
    planned = twin.module('ng_bridge', name='br0', restrictive=True, mac_hold_time=1500, ports=ports,
                          _ansible_check_mode=True)
    assert planned['changed'] is True and planned.get('failed') is None, planned.get('msg')
    assert planned['host']['pending'] is True and 'plan is made' in json.dumps(planned['warnings'])
    result = twin.module('ng_bridge', name='br0', restrictive=True, mac_hold_time=1500, ports=ports)
    assert result.get('failed') is None, result.get('msg')
    assert result['host']['buffers_before']['net.graph.recvspace'] == 20480
    verify = twin.module('ng_bridge_verify', name='br0', restrictive=True, mac_hold_time=1500, ports=ports)
    assert verify.get('failed') is None, verify.get('msg')


def best_of(runs, func):
    times = []
    for _run in range(runs):
        started = time.perf_counter()
        func()
        times.append(time.perf_counter() - started)
    return min(times)


def test_benchmark_plan_and_batch_versus_per_hook(twin_factory):
    model = validate({'name': 'br0', 'restrictive': True, 'mac_hold_time': 1500, 'ports': UPLINKS + line_ports(LINES)})
    names = set(i.replace('.', '_') for i in interfaces(LINES))
    plan_new = best_of(3, lambda: plan(model, None, names, CONFIG))
    created = twin_factory(interfaces(LINES), subdir='created')
    created.ngctl('-f', '-', stdin='')  # ngctl loads ng_socket, which owns net.graph.*
    created.run('kldload', 'ng_ether')
    created.run('sysctl', 'net.graph.recvspace=1048576', 'net.graph.maxdgram=1048576')
    created.ngctl('-f', '-', stdin='\n'.join(plan(model, None, names, CONFIG)['lines']))
    shown = parse_show(created.ngctl('show', 'br0:'))
    plan_sync = best_of(3, lambda: plan(model, shown, names | {'br0'}, CONFIG, observed_config=CONFIG))
    assert plan(model, shown, names | {'br0'}, CONFIG, observed_config=CONFIG)['lines'] == []

    # Side by side on the same hooks: one ngctl process for the batch versus one process per hook.
    sample = 100
    base = plan(validate({'name': 'br0', 'restrictive': True, 'mac_hold_time': 1500, 'ports': UPLINKS}),
                None, names, CONFIG)['lines']
    hook_lines = ['connect br0: ix0_%d: link%d lower' % (1000 + n, n) for n in range(1, sample + 1)]
    batch_twin = twin_factory(interfaces(sample), subdir='batch')
    batch_twin.run('kldload', 'ng_ether')
    batch_twin.ngctl('-f', '-', stdin='\n'.join(base))
    batch_seconds = best_of(1, lambda: batch_twin.ngctl('-f', '-', stdin='\n'.join(hook_lines)))
    single_twin = twin_factory(interfaces(sample), subdir='single')
    single_twin.run('kldload', 'ng_ether')
    single_twin.ngctl('-f', '-', stdin='')
    single_twin.run('sysctl', 'net.graph.recvspace=65536', 'net.graph.maxdgram=65536')
    batch_twin.ngctl('-f', '-', stdin='')
    batch_twin.run('sysctl', 'net.graph.recvspace=65536', 'net.graph.maxdgram=65536')
    single_twin.ngctl('-f', '-', stdin='\n'.join(base))
    single_seconds = best_of(1, lambda: [single_twin.ngctl(*line.split()) for line in hook_lines])
    assert len(parse_show(single_twin.ngctl('show', 'br0:'))['hooks']) == sample + 2
    assert len(parse_show(batch_twin.ngctl('show', 'br0:'))['hooks']) == sample + 2
    numbers = {'plan_new_4000_s': round(plan_new, 4), 'plan_in_sync_4000_s': round(plan_sync, 4),
               'sample_hooks': sample, 'batch_s': round(batch_seconds, 3), 'per_hook_s': round(single_seconds, 3),
               'per_hook_over_batch_ratio': round(single_seconds / batch_seconds, 1)}
    os.makedirs(os.path.join(REPO, 'build'), exist_ok=True)
    with open(os.path.join(REPO, 'build', 'bridge-benchmark.json'), 'w') as handle:
        json.dump(numbers, handle, indent=2)
    print('\nbenchmark (ngctl twin): plan 4000+2 hooks new %.3f s, in sync %.3f s; %d hooks: one batch %.2f s, '
          'one process per hook %.2f s, ratio %.1fx' % (plan_new, plan_sync, sample, batch_seconds, single_seconds,
                                                        single_seconds / batch_seconds))
