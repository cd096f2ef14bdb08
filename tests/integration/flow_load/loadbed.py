"""The load bed: a network namespace of its own with a real nfcapd on its loopback, and the sender in it.

Why a namespace: /proc/net/snmp (Udp RcvbufErrors) is per namespace, so the kernel's drop count is exactly
this bed's. net.core.rmem_max is NOT per namespace on Linux 6.18: inside a child namespace it is the host's
value and read-only (checked: writing fails, mode 0444), so the bed reads it from the host and raises it
there only when the rule's -B needs more, restoring the old value afterwards.

Every process is started here and stopped by its pid; the namespace is deleted whatever happens.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
RMEM_MAX = '/proc/sys/net/core/rmem_max'
PORT = 9995
DRAIN_TIMEOUT = 30


# this tree as ansible_collections.isplab.infra (tests/integration/linked_collection.py)
if REPO not in sys.path:
    sys.path.insert(0, REPO)
from tests.integration.linked_collection import collections_root, on_sys_path  # noqa: E402

on_sys_path()

from ansible_collections.isplab.infra.plugins.module_utils.flow_collector import loss  # noqa: E402


def _run(argv, timeout=30):
    return subprocess.run(argv, check=True, capture_output=True, text=True, timeout=timeout).stdout


def read_rmem_max():
    with open(RMEM_MAX) as handle:
        return int(handle.read())


class RmemMax:
    """Raise the host's net.core.rmem_max to at least ``needed`` for a with-block, then put it back."""

    def __init__(self, needed):
        self.needed = needed
        self.old = None

    def __enter__(self):
        current = read_rmem_max()
        if current < self.needed:
            self.old = current
            with open(RMEM_MAX, 'w') as handle:
                handle.write(str(self.needed))
        return self

    def __exit__(self, *exc):
        if self.old is not None:
            with open(RMEM_MAX, 'w') as handle:
                handle.write(str(self.old))


class Bed:
    """One namespace, one nfcapd instance (-B ``rcvbuf`` or none, as Debian's package runs it)."""

    def __init__(self, rcvbuf=None):
        self.rcvbuf = rcvbuf
        self.ns = 'isplab-load-%d-%d' % (os.getpid(), int(time.monotonic() * 1000) % 100000)
        self.workdir = tempfile.mkdtemp(prefix='isplab-flow-load-')
        self.flow_dir = os.path.join(self.workdir, 'flows')
        os.makedirs(self.flow_dir)
        self.proc = None

    def __enter__(self):
        try:
            _run(['ip', 'netns', 'add', self.ns])
            _run(['ip', '-n', self.ns, 'link', 'set', 'lo', 'up'])
            argv = ['ip', 'netns', 'exec', self.ns, 'nfcapd', '-w', self.flow_dir, '-p', str(PORT), '-b', '127.0.0.1',
                    '-t', '300', '-S', '0', '-I', 'load']
            if self.rcvbuf:
                argv += ['-B', str(self.rcvbuf)]
            self.log = open(os.path.join(self.workdir, 'nfcapd.log'), 'w')
            # ip netns exec execs nfcapd in place: self.proc.pid is nfcapd's pid
            self.proc = subprocess.Popen(argv, stdout=self.log, stderr=subprocess.STDOUT)
            self._wait_listening()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        subprocess.run(['ip', 'netns', 'del', self.ns], check=False, capture_output=True, timeout=30)
        shutil.rmtree(self.workdir, ignore_errors=True)

    def in_ns(self, argv, timeout=60):
        return _run(['ip', 'netns', 'exec', self.ns] + argv, timeout=timeout)

    def socket_memory(self):
        return loss.parse_skmem(self.in_ns(['ss', '-u', '-l', '-n', '-m', '-H', 'sport = :%d' % PORT]))

    def _wait_listening(self):
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError('nfcapd exited with %s at start: see %s' % (self.proc.returncode, self.log.name))
            if self.socket_memory() is not None:
                return
            time.sleep(0.1)
        raise RuntimeError('nfcapd did not listen on 127.0.0.1:%d in namespace %s within 10 s' % (PORT, self.ns))

    def send(self, flows, rate=0, datagram_bytes=1400, sequence=0):
        env = dict(os.environ, ISPLAB_COLLECTIONS=collections_root())
        out = subprocess.run(['ip', 'netns', 'exec', self.ns, sys.executable, os.path.join(HERE, 'sender.py'),
                              '--port', str(PORT), '--flows', str(flows), '--rate', str(rate),
                              '--datagram-bytes', str(datagram_bytes), '--sequence', str(sequence)],
                             check=True, capture_output=True, text=True, timeout=120, env=env).stdout
        return json.loads(out)

    def drain(self):
        """Wait (bounded) until nfcapd has read every queued datagram."""
        deadline = time.monotonic() + DRAIN_TIMEOUT
        while time.monotonic() < deadline:
            if self.socket_memory()['r'] == 0:
                return
            time.sleep(0.1)
        raise RuntimeError('nfcapd did not empty its socket within %d s' % DRAIN_TIMEOUT)

    def udp_counters(self):
        return loss.parse_snmp_udp(self.in_ns(['cat', '/proc/net/snmp']))

    def close(self):
        """Stop nfcapd (it writes its file on exit) and count what it stored: flows and sequence failures."""
        skmem = self.socket_memory()
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(30)
        files = [os.path.join(self.flow_dir, f) for f in sorted(os.listdir(self.flow_dir)) if f.startswith('nfcapd.2')]
        if len(files) != 1:
            raise RuntimeError('expected one closed nfcapd file in %s, found %s' % (self.flow_dir, files))
        info = _run(['nfdump', '-I', '-r', files[0]])
        flows = int(next(line.split(':')[1] for line in info.splitlines() if line.startswith('Flows:')))
        exporters = loss.parse_exporters(_run(['nfdump', '-E', files[0]]))
        with open(self.log.name) as handle:
            log = handle.read()
        return {'stored_flows': flows, 'sequence_failures': sum(e['sequence_failures'] for e in exporters),
                'stored_datagrams': sum(e['packets'] for e in exporters),
                'socket_drops': skmem['d'], 'rb': skmem['rb'], 'nfcapd_log': log}


def run_once(flows, rcvbuf=None, rate=0, stalled=False):
    """One bed, one send, one count: {sent, stored_flows, lost_flows, sequence_failures, socket_drops, ...}.

    ``stalled`` stops nfcapd (SIGSTOP) for the whole burst, the worst case: the socket must hold all of it.
    After the burst has drained, one more datagram follows (a template refresh numbered next in sequence),
    as a real exporter's next export does: nfcapd counts a gap only when a later datagram arrives, so a burst
    whose tail alone was dropped would otherwise store no sequence failure. ``datagrams_sent`` counts it.
    """
    with Bed(rcvbuf) as bed:
        before = bed.udp_counters()
        if stalled:
            bed.proc.send_signal(signal.SIGSTOP)
        try:
            sent = bed.send(flows, rate)
            queued = bed.socket_memory()['r']
        finally:
            if stalled:
                bed.proc.send_signal(signal.SIGCONT)
        bed.drain()
        next_export = bed.send(0, sequence=sent['next_sequence'])
        bed.drain()
        after = bed.udp_counters()
        result = bed.close()
    result.update(sent=sent, rcvbuf=rcvbuf, queued_bytes=queued, lost_flows=sent['flows'] - result['stored_flows'],
                  datagrams_sent=sent['datagrams'] + next_export['datagrams'],
                  rcvbuf_errors=after['RcvbufErrors'] - before['RcvbufErrors'])
    return result
