"""Harness of the fleet benchmarks: N counting IOS-XE twins, a generated inventory, timed playbook runs.

Used by bench_flow_monitor.py (50 routers, `make bench`) and test_fleet_harness.py (3 routers, marker fleet).
Every twin has a bounded --lifetime, dies with this process (--parent-pid) and is stopped by its pid at the
end, also when a run fails.  Everything talks to 127.0.0.1 only.
"""

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
HERE = os.path.dirname(os.path.abspath(__file__))
BIN = os.path.dirname(sys.executable)
RECAP = re.compile(r'^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)', re.M)
# Phases of one SSH session as the router sees it; see phases().
PHASES = ('connect', 'show', 'push', 'teardown')
KIND_PHASE = {'show': 'show', 'config': 'push', 'save': 'push', 'exit': 'teardown'}


class HarnessError(Exception):
    """A twin did not start or a playbook run did not end as the benchmark needs."""


def _private_file(path, text):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, 'w') as handle:
        handle.write(text)


class TwinFleet:
    """``count`` counting twins (tests/integration/fleet/counting_twin.py) on 127.0.0.1, one work dir each."""

    def __init__(self, workdir, count, lifetime=900):
        self.workdir = workdir
        self.count = count
        self.lifetime = lifetime
        # generated per fleet: no password of this harness exists outside its 0600 files
        self.creds = {'username': 'fleet', 'password': secrets.token_urlsafe(12), 'secret': secrets.token_urlsafe(12)}
        self.names = ['r%02d' % (n + 1) for n in range(count)]
        self.ports = {}
        self.procs = {}
        os.makedirs(workdir, mode=0o700, exist_ok=True)
        self.creds_file = os.path.join(workdir, 'creds.json')
        _private_file(self.creds_file, json.dumps(self.creds))

    def _dir(self, name):
        return os.path.join(self.workdir, name)

    def events_file(self, name):
        return os.path.join(self._dir(name), 'events.jsonl')

    def start(self, timeout=120):
        for name in self.names:
            os.makedirs(self._dir(name), exist_ok=True)
            argv = [sys.executable, '-m', 'tests.integration.fleet.counting_twin', '--events', self.events_file(name),
                    '--credentials', self.creds_file, '--port-file', os.path.join(self._dir(name), 'port'),
                    '--pid-file', os.path.join(self._dir(name), 'pid'), '--hostname', name.upper(),
                    '--lifetime', str(self.lifetime), '--parent-pid', str(os.getpid()),
                    # real time: an exporter on the default 600x clock would burn the CPU being measured
                    '--scale', '1']
            with open(os.path.join(self._dir(name), 'twin.log'), 'w') as log:
                self.procs[name] = subprocess.Popen(argv, cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        for name in self.names:
            port_file = os.path.join(self._dir(name), 'port')
            while not os.path.exists(port_file):
                if self.procs[name].poll() is not None:
                    raise HarnessError('twin %s exited with %s at start; see %s' % (
                        name, self.procs[name].returncode, os.path.join(self._dir(name), 'twin.log')))
                if time.monotonic() > deadline:
                    raise HarnessError('twin %s wrote no port file within %d s (machine overloaded?)' % (name, timeout))
                time.sleep(0.1)
            with open(port_file) as handle:
                self.ports[name] = int(handle.read())
        return self

    def stop(self):
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        self.procs = {}

    def events(self, name, since=None, until=None):
        """This router's events (counting_twin.py) between two unix times."""
        out = []
        path = self.events_file(name)
        if not os.path.exists(path):
            return out
        with open(path) as handle:
            for line in handle:
                event = json.loads(line)
                if (since is None or event['t'] >= since) and (until is None or event['t'] <= until):
                    out.append(event)
        return out


def reserve_udp_port():
    """A bound, never-read UDP socket on 127.0.0.1: the exporters' destination, so no one else's collector
    receives the twins' templates.  Keep the socket open for the whole run."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(('127.0.0.1', 0))
    return sock


def write_inventory(fleet, directory, udp_port):
    """A temporary inventory: group flow_routers with one host per twin, credentials in group_vars (0600)."""
    os.makedirs(os.path.join(directory, 'group_vars'), mode=0o700, exist_ok=True)
    hosts = dict((name, {'flow_monitor_device_port': fleet.ports[name]}) for name in fleet.names)
    group_vars = {
        'ansible_connection': 'local',
        'ansible_python_interpreter': sys.executable,
        'flow_monitor_device_host': '127.0.0.1',
        'flow_monitor_backup_dir': os.path.join(directory, 'backups'),
        'flow_monitor_exporters': [{'name': 'nfcapd', 'destination': '127.0.0.1', 'transport_port': udp_port}],
        'flow_monitor_interfaces': [{'name': 'GigabitEthernet1',
                                     'monitors': [{'monitor': 'asn', 'family': 'ipv4', 'direction': 'input'}]}],
    }
    path = os.path.join(directory, 'hosts.yml')
    with open(path, 'w') as handle:
        json.dump({'all': {'children': {'flow_routers': {'hosts': hosts, 'vars': group_vars}}}}, handle, indent=1)
    secret_vars = {'flow_monitor_device_username': fleet.creds['username'],
                   'flow_monitor_device_password': fleet.creds['password'],
                   'flow_monitor_device_secret': fleet.creds['secret']}
    _private_file(os.path.join(directory, 'group_vars', 'flow_routers.yml'), json.dumps(secret_vars))
    return path


def run_playbook(inventory, forks, workdir, label, timeout=1800):
    """`ansible-playbook playbooks/flow.yml --limit flow_routers -f FORKS`, timed; returns wall time, the recap
    (parsed from the printed PLAY RECAP) and the per-host task timing of callback_plugins/fleet_timing.py."""
    timing_file = os.path.join(workdir, '%s.timing.json' % label)
    log_file = os.path.join(workdir, '%s.log' % label)
    env = dict(os.environ, PATH=BIN + os.pathsep + os.environ.get('PATH', ''),
               ANSIBLE_COLLECTIONS_PATH=os.path.join(REPO, 'build', 'collections'),
               ANSIBLE_CALLBACK_PLUGINS=os.path.join(HERE, 'callback_plugins'),
               ANSIBLE_CALLBACKS_ENABLED='fleet_timing', FLEET_TIMING_FILE=timing_file,
               ANSIBLE_NOCOLOR='1', ANSIBLE_RETRY_FILES_ENABLED='0')
    argv = [os.path.join(BIN, 'ansible-playbook'), '-i', inventory, 'playbooks/flow.yml', '--limit', 'flow_routers',
            '-f', str(forks)]
    started = time.time()
    with open(log_file, 'w') as log:
        proc = subprocess.run(argv, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, timeout=timeout,
                              check=False)
    ended = time.time()
    with open(log_file) as handle:
        text = handle.read()
    recap = dict((m.group(1), dict(ok=int(m.group(2)), changed=int(m.group(3)), unreachable=int(m.group(4)),
                                   failed=int(m.group(5)))) for m in RECAP.finditer(text))
    timing = {}
    if os.path.exists(timing_file):
        with open(timing_file) as handle:
            timing = json.load(handle)
    return dict(rc=proc.returncode, wall=ended - started, started=started, ended=ended, recap=recap,
                tasks=timing.get('tasks', []), log=log_file)


def phases(events):
    """Seconds and line counts of one SSH session, as the router saw it.  Each gap between two received lines
    is charged to a phase: `connect` is SSH setup, netmiko's session preparation (terminal ...) and enable;
    `show` a show command, its output and what the module does with it before the next line; `push` the
    configuration lines and `write memory`; `teardown` from `exit` to the socket's close.  An empty line is
    netmiko probing for the prompt before its next command: its gap is charged to that command's phase."""
    seconds = dict((phase, 0.0) for phase in PHASES)
    counts = {}
    upcoming = []  # phase of the next non-prompt line, for every position
    following = 'teardown'
    for event in reversed(events):
        if event['ev'] == 'cmd' and event['kind'] != 'prompt':
            following = KIND_PHASE.get(event['kind'], 'connect')
        upcoming.append(following)
    upcoming.reverse()
    for index, (before, after) in enumerate(zip(events, events[1:])):
        if before['ev'] != 'cmd':
            phase = 'connect' if before['ev'] == 'open' else 'teardown'
        else:
            counts[before['kind']] = counts.get(before['kind'], 0) + 1
            phase = upcoming[index]
        seconds[phase] += after['t'] - before['t']
    return seconds, counts


def router_profile(events):
    """Per router and run: connections, line counts by kind, seconds by phase (summed over its sessions)."""
    sessions = {}
    for event in events:
        sessions.setdefault(event['conn'], []).append(event)
    seconds = dict((phase, 0.0) for phase in PHASES)
    counts = {}
    for session in sessions.values():
        session_seconds, session_counts = phases(session)
        for phase, value in session_seconds.items():
            seconds[phase] += value
        for kind, value in session_counts.items():
            counts[kind] = counts.get(kind, 0) + value
    return dict(connections=sum(1 for s in sessions.values() if s[0]['ev'] == 'open'), counts=counts,
                seconds=seconds)


PUSH_TASK = 'Push the flow configuration'


def push_tasks(run):
    """The flow_monitor task of every host in a run (callback records; the name carries the role prefix)."""
    return dict((t['host'], t) for t in run['tasks'] if PUSH_TASK in t['task'])
