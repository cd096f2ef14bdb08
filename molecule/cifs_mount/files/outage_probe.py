"""Outage probe, run inside the lab VM (test-only).

Writes a file on the mount, freezes the smbd children that serve the kernel
client's connections (SIGSTOP; the listener keeps running), waits for the client's "has not responded"
kernel message, resumes smbd (SIGCONT, also on any error) and reads the file
back from the server. A marker written to /dev/kmsg right after the last
server response puts both events on the kernel's own clock.
Prints one JSON object.
"""

import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import time

MOUNT, TIMEOUT = sys.argv[1], float(sys.argv[2])
MARKER = 'isplab-outage-probe: smbd stopped'
LINE_RE = re.compile(r'^\[\s*(\d+\.\d+)\] (.*)$')


def run(*argv):
    return subprocess.run(argv, check=True, capture_output=True, text=True, env={'LC_ALL': 'C', 'PATH': '/usr/sbin:/usr/bin:/sbin:/bin'}).stdout


def kernel_log():
    return [(float(m.group(1)), m.group(2)) for m in map(LINE_RE.match, run('dmesg').splitlines()) if m]


def instance():
    return [int(x) for x in re.findall(r'Instance: (\d+)', open('/proc/fs/cifs/DebugData').read())]


def smbd_children():
    """Every smbd process holding an established SMB connection (not the listener)."""
    out = run('ss', '-Htnp', 'state', 'established', '( sport = :445 )')
    pids = sorted(set(int(p) for p in re.findall(r'pid=(\d+)', out)))
    if not pids:
        raise SystemExit('no smbd process serves an established connection on port 445')
    return pids


def sha256(path):
    with open(path, 'rb') as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def main():
    payload = os.urandom(65536)
    path = os.path.join(MOUNT, 'before-outage.bin')
    with open(path, 'wb') as handle:
        handle.write(payload)
        handle.flush()
        os.fsync(handle.fileno())
    written = hashlib.sha256(payload).hexdigest()
    before = instance()
    pids = smbd_children()
    os.stat(path)  # one more round trip: the last response before the freeze
    with open('/dev/kmsg', 'w') as kmsg:
        kmsg.write(MARKER + '\n')
    for pid in pids:
        os.kill(pid, signal.SIGSTOP)
    event = None
    try:
        deadline = time.monotonic() + TIMEOUT
        while event is None and time.monotonic() < deadline:
            time.sleep(0.5)
            log = kernel_log()
            marks = [t for t, text in log if text == MARKER]
            if marks:
                after = [(t, text) for t, text in log if t >= marks[-1] and 'has not responded in' in text]
                if after:
                    event = (marks[-1], after[0])
    finally:
        for pid in pids:
            os.kill(pid, signal.SIGCONT)
    if event is None:
        print(json.dumps({'detected': False, 'timeout': TIMEOUT}))
        return
    marked, (seen, text) = event
    # The page cache would answer the read without the server: drop it first.
    with open('/proc/sys/vm/drop_caches', 'w') as handle:
        handle.write('3\n')
    readback, error = None, None
    for _attempt in range(30):
        try:
            readback = sha256(path)
            break
        except OSError as exc:
            error = str(exc)
            time.sleep(1)
    after_path = os.path.join(MOUNT, 'after-outage.txt')
    with open(after_path, 'w') as handle:
        handle.write('written after the outage\n')
    print(json.dumps({
        'detected': True, 'message': text, 'reported_seconds': int(re.search(r'in (\d+) seconds', text).group(1)),
        'stopped_pids': pids, 'measured_seconds': round(seen - marked, 2), 'written_sha256': written, 'readback_sha256': readback,
        'readback_error': error, 'instance_before': before, 'instance_after': instance(),
        'write_after_outage': open(after_path).read() == 'written after the outage\n',
    }))


if __name__ == '__main__':
    main()
