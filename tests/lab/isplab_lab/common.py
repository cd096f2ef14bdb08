"""Paths and small helpers shared by the harness."""

import hashlib
import os
import socket
import sys
import time

CACHE = os.path.expanduser(os.environ.get('ISPLAB_CACHE', '~/.cache/isplab'))
RUN_REGISTRY = os.path.join(CACHE, 'run')
MARKER = 'isplab-lab'


def log(msg):
    sys.stderr.write('[lab %s] %s\n' % (time.strftime('%H:%M:%S'), msg))
    sys.stderr.flush()


def sha256_text(*parts):
    h = hashlib.sha256()
    for p in parts:
        h.update(p.encode() if isinstance(p, str) else p)
    return h.hexdigest()


def free_port(kind=socket.SOCK_STREAM):
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class LabError(Exception):
    pass
