"""The IOS-XE twin with a read-only counter: every SSH connection and every CLI line it receives, timestamped.

Run:  python -m tests.integration.fleet.counting_twin --events EVENTS.jsonl <options of tests.twins.ios_xe.server>

The twin itself is not changed: this wraps its connection handler and its CLI session class, so what the
benchmarks count is what a router would have seen.  One JSON object per line in EVENTS.jsonl:
``{"ev": "open"|"close", "conn": N, "t": ...}`` and ``{"ev": "cmd", "conn": N, "kind": ..., "line": ..., "t": ...}``.
The enable secret is typed into the same shell: it is logged as ``<enable secret>``, never as typed.
"""

import itertools
import json
import sys
import threading
import time

from tests.twins.ios_xe import server

EXEC_KINDS = (('sh', 'show'), ('terminal', 'setup'), ('enable', 'enable'), ('configure', 'config'),
              ('write', 'save'), ('copy', 'save'), ('exit', 'exit'), ('logout', 'exit'))


def classify(mode, awaiting, line):
    """What a line is for, by the mode it arrives in: show, config, save, setup (terminal ...), enable, prompt
    (an empty line: netmiko probing for the prompt), exit or other."""
    if awaiting == 'enable-password':
        return 'enable'
    if awaiting:
        return 'save'
    word = line.strip().split(' ', 1)[0]
    if not word:
        return 'prompt'
    if mode not in ('exec', 'enable'):
        return 'config'
    for prefix, kind in EXEC_KINDS:
        if word.startswith(prefix):
            return kind
    return 'other'


class EventLog:
    def __init__(self, path):
        self._handle = open(path, 'a', buffering=1, encoding='utf-8')  # pylint: disable=consider-using-with
        self._lock = threading.Lock()

    def write(self, **event):
        event['t'] = time.time()
        with self._lock:
            self._handle.write(json.dumps(event) + '\n')


def instrument(log):
    """Replace the twin's connection handler and session class by counting subclasses/wrappers."""
    plain_session = server.Session
    plain_serve = server.serve_connection
    numbers = itertools.count(1)
    current = threading.local()

    class CountingSession(plain_session):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.conn_number = getattr(current, 'number', None)

        def handle(self, line):
            kind = classify(self.mode, self.awaiting, line)
            shown = '<enable secret>' if self.awaiting == 'enable-password' else line.strip()
            if self.conn_number is not None:  # None: the startup-config is being loaded, not a client
                log.write(ev='cmd', conn=self.conn_number, kind=kind, line=shown)
            return super().handle(line)

    def serve_connection(*args):
        current.number = next(numbers)
        log.write(ev='open', conn=current.number)
        try:
            plain_serve(*args)
        finally:
            log.write(ev='close', conn=current.number)

    server.Session = CountingSession
    server.serve_connection = serve_connection


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    if '--events' not in argv or argv.index('--events') + 1 >= len(argv):
        sys.stderr.write('usage: counting_twin --events FILE <twin options>\n')
        return 64
    at = argv.index('--events')
    path = argv[at + 1]
    del argv[at:at + 2]
    instrument(EventLog(path))
    return server.main(argv)


if __name__ == '__main__':
    sys.exit(main())
