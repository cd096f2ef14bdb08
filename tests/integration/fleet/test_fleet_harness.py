"""The fleet harness on 3 routers: its counts must agree with what the module says it sent."""

import pytest

from fleet_harness import push_tasks, reserve_udp_port, router_profile, run_playbook, write_inventory

pytestmark = pytest.mark.fleet


def _config_lines(commands):
    return [c for c in commands if not c.startswith('show ') and c != 'write memory']


def test_counts_and_recap_agree_with_the_module(fleet3, tmp_path):
    sink = reserve_udp_port()
    try:
        inventory = write_inventory(fleet3, str(tmp_path / 'inventory'), sink.getsockname()[1])
        first = run_playbook(inventory, 3, str(tmp_path), 'first', timeout=120)
        second = run_playbook(inventory, 3, str(tmp_path), 'second', timeout=120)
    finally:
        sink.close()
    for run, changed in ((first, 1), (second, 0)):
        assert run['rc'] == 0, run['log']
        assert sorted(run['recap']) == fleet3.names, run['log']
        assert all(r['changed'] == changed and r['failed'] == 0 for r in run['recap'].values()), run['recap']
        tasks = push_tasks(run)
        assert sorted(tasks) == fleet3.names
        for name in fleet3.names:
            commands = tasks[name]['commands']
            events = fleet3.events(name, run['started'], run['ended'])
            profile = router_profile(events)
            assert profile['connections'] >= 1
            assert profile['counts'].get('show', 0) == sum(1 for c in commands if c.startswith('show ')), commands
            assert profile['counts'].get('save', 0) == commands.count('write memory')
            received = [e['line'] for e in events if e['ev'] == 'cmd' and e['kind'] == 'config']
            # netmiko wraps the lines in `configure terminal` ... `end`
            assert received[1:-1] == _config_lines(commands) if changed else received == []
            assert sum(profile['seconds'].values()) > 0
    # what was pushed in the first run is what the second run found: nothing left to send
    assert all(_config_lines(t['commands']) == [] for t in push_tasks(second).values())
