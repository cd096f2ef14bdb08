"""Test-only parser of the cifs client's "has not responded" kernel messages.

The unit tests use it to measure, on a captured ``dmesg``, the delay between a
server freeze and the client giving up; the modules never read the kernel log.
"""

import re

# 6.1: "CIFS: VFS: \\127.0.0.1 has not responded in 27 seconds. Reconnecting..."
# <5.9: "CIFS VFS: Server 127.0.0.1 has not responded in 120 seconds. Reconnecting..."
_UNRESPONSIVE_RE = re.compile(
    r'^(?:\[\s*(?P<ts>\d+\.\d+)\]\s*)?CIFS:? VFS: (?:\\\\(?P<host1>\S+)|Server (?P<host2>\S+)) '
    r'has not responded in (?P<seconds>\d+) seconds\. Reconnecting')


def parse_unresponsive(text):
    """'has not responded' events of a kernel log (``dmesg`` output, timestamps optional)."""
    events = []
    for line in text.splitlines():
        match = _UNRESPONSIVE_RE.search(line.strip())
        if match:
            events.append({'timestamp': float(match.group('ts')) if match.group('ts') else None,
                           'server': match.group('host1') or match.group('host2'),
                           'seconds': int(match.group('seconds'))})
    return events
