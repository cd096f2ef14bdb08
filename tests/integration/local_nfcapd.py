"""A real nfcapd on 127.0.0.1 for the flow integration stages, started and stopped by socket state, not by sleeps.

nfcapd writes its file when SIGTERM arrives and drops whatever still waits in its socket, and it is not listening
yet for a while after it was started; on a loaded CI host both took longer than any fixed sleep. So a start waits
until the UDP socket is bound and a stop first waits until nfcapd has read every queued datagram, both read from
/proc/net/udp of this network namespace and both bounded.
"""

import os
import signal
import socket
import struct
import subprocess
import time

BIND = '127.0.0.1'
START_TIMEOUT_S = 15
DRAIN_TIMEOUT_S = 30
LIFETIME_S = 300  # timeout(1) ends nfcapd even if the test process dies without stopping it


def free_udp_port():
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((BIND, 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def receive_queue(port, address=BIND):
    """Bytes queued for the UDP socket bound to address:port (the rx_queue column), None if nothing is bound."""
    # the kernel prints the address as the native-endian value of the network-order word
    local = '%08X:%04X' % (struct.unpack('=I', socket.inet_aton(address))[0], port)
    with open('/proc/net/udp') as handle:
        next(handle)
        for line in handle:
            fields = line.split()
            if fields[1] == local:
                return int(fields[4].split(':')[1], 16)
    return None


class LocalNfcapd:
    """``nfcapd -w flow_dir -p port -b 127.0.0.1 -I ident -t rotation -S 0 [extra]``, listening when constructed."""

    def __init__(self, flow_dir, port=None, ident='twin', rotation=300, extra=()):
        self.dir = flow_dir
        os.makedirs(flow_dir, exist_ok=True)
        self.port = port or free_udp_port()
        argv = ['timeout', '-s', 'TERM', str(LIFETIME_S), 'nfcapd', '-w', flow_dir, '-p', str(self.port), '-b', BIND,
                '-I', ident, '-t', str(rotation), '-S', '0'] + list(extra)
        self.proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            self._wait(lambda: receive_queue(self.port) is not None, START_TIMEOUT_S, 'listen on %s:%d' % (BIND, self.port))
        except BaseException:
            self.kill()
            raise

    def _wait(self, done, timeout, what):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError('nfcapd exited with %s before it did %s' % (self.proc.returncode, what))
            if done():
                return
            time.sleep(0.05)
        raise RuntimeError('nfcapd did not %s within %d s' % (what, timeout))

    def drain(self):
        """Wait until nfcapd has read every datagram already queued for it."""
        self._wait(lambda: receive_queue(self.port) == 0, DRAIN_TIMEOUT_S, 'read its queued datagrams')

    def close(self):
        """Drain, then SIGTERM (nfcapd closes its file); returns the closed files in flow_dir."""
        if self.proc.poll() is None:
            try:
                self.drain()
            finally:
                self.proc.send_signal(signal.SIGTERM)
                try:
                    self.proc.wait(15)
                except subprocess.TimeoutExpired:
                    self.kill()
        return sorted(os.path.join(self.dir, f) for f in os.listdir(self.dir) if f.startswith('nfcapd.2'))

    def kill(self):
        if self.proc.poll() is None:
            # timeout(1) leads its own process group: SIGKILL to the group ends nfcapd with it
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(5)
