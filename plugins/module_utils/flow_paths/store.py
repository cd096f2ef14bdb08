# -*- coding: utf-8 -*-
# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Slot files on the collector: which stamps need work, building and writing them, expiry, the page.

Layout: ``<out_dir>/slots/<stamp>.json`` (the slot) and ``<stamp>.txt`` (its lines), ``<out_dir>/index.html``.
Stamps come from the names of completed nfcapd files (``nfcapd.YYYYMMDDhhmm`` anywhere below a flow
directory, so any ``-S`` layout); ``nfcapd.current.<pid>`` is still being written and never read.
Every write is atomic (common/files.py), so the page and a reader never see half a file.
``module`` is anything with ``atomic_move(src, dest)`` (an AnsibleModule, or the cli's adapter).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import itertools
import json
import os

from ansible_collections.isplab.infra.plugins.module_utils.common.files import write_text
from ansible_collections.isplab.infra.plugins.module_utils.flow_paths.aggregate import aggregate_slot, stamp_start
from ansible_collections.isplab.infra.plugins.module_utils.flow_paths.rows import (
    NFDUMP_ENVIRONMENT, exporters_argv, iter_rows, nfdump_argv, parse_sequence_failures)

FILE_PREFIX = 'nfcapd.'
SLOTS = 'slots'
PAGE = 'index.html'


class SourceError(ValueError):
    """An nfcapd file of the slot is missing or unreadable."""


def _stamp_of(name):
    """The 12-digit stamp of a completed nfcapd file name, else None (current file, 14-digit -t < 60 s)."""
    if not name.startswith(FILE_PREFIX):
        return None
    stamp = name[len(FILE_PREFIX):]
    return stamp if len(stamp) == 12 and stamp.isdigit() else None


def source_files(config):
    """{stamp: [(ident, path), ...]} of every completed nfcapd file below the configured flow directories."""
    found = {}
    for flow_dir in config.flow_dirs:
        for root, dirs, files in os.walk(flow_dir['dir']):
            dirs.sort()
            for name in sorted(files):
                stamp = _stamp_of(name)
                if stamp:
                    found.setdefault(stamp, []).append((flow_dir['ident'], os.path.join(root, name)))
    return found


def slot_path(out_dir, stamp, suffix='.json'):
    return os.path.join(out_dir, SLOTS, stamp + suffix)


def _mtime(path):
    try:
        return os.stat(path).st_mtime
    except OSError:
        return None


def pending_stamps(config, now=None):
    """Stamps whose slot JSON is missing or older than one of its nfcapd files, oldest first.

    With ``now`` (epoch seconds), stamps that expire() would delete are left out, so files nfcapd keeps
    longer than lifetime_days are not aggregated again on every run.
    """
    oldest = None if now is None else now - config.lifetime_days * 86400
    pending = []
    for stamp, sources in sorted(source_files(config).items()):
        if oldest is not None and stamp_start(stamp) < oldest:
            continue
        done = _mtime(slot_path(config.out_dir, stamp))
        if done is None or any((_mtime(path) or 0) > done for _ident, path in sources):
            pending.append(stamp)
    return pending


def build_slot(runner, config, stamp, sources=None):
    """Run nfdump (read-only, through CommandRunner) on every file of ``stamp`` and aggregate them.

    The slot also gets ``loss`` ({router: sequence failures}, empty without loss) from ``nfdump -E`` of each file.
    """
    if sources is None:
        sources = source_files(config).get(stamp)
    if not sources:
        where = ', '.join(d['dir'] for d in config.flow_dirs) or 'the flow_dirs (none configured)'
        raise SourceError('no nfcapd file nfcapd.%s below %s: pick a stamp of an existing file' % (stamp, where))
    outputs = []
    for ident, path in sources:
        result = runner.run(nfdump_argv(path), environ=NFDUMP_ENVIRONMENT)
        # nfdump 1.7.1 exits 0 on a truncated or foreign file ("bad magic", "Short read") and prints
        # "No matching flows": only stderr tells an unreadable file from an empty one.
        if result.stderr.strip():
            raise SourceError('nfdump could not read %s: %s; check or remove the file, then run again for stamp %s'
                              % (path, ' '.join(result.stderr.split()), stamp))
        outputs.append((result.stdout, ident))
    slot = aggregate_slot(itertools.chain.from_iterable(iter_rows(text, ident) for text, ident in outputs), config, stamp)
    slot['loss'] = slot_loss(runner, config, sources)
    return slot


def slot_loss(runner, config, sources):
    """{router name: sequence failures} over the slot's files; an exporter no router claims by its address."""
    loss = {}
    for ident, path in sources:
        result = runner.run(exporters_argv(path), environ=NFDUMP_ENVIRONMENT)
        for exporter, count in sorted(parse_sequence_failures(result.stdout).items()):
            if count:
                router = config.router_for(exporter, ident)
                name = router.name if router else exporter
                loss[name] = loss.get(name, 0) + count
    return loss


def dumps_slot(slot):
    """The slot as JSON text: sorted keys, so the same slot is the same bytes."""
    return json.dumps(slot, sort_keys=True, separators=(',', ':')) + '\n'


def write_slot(module, out_dir, slot):
    """Write the slot's JSON and lines; the lines first, so a complete JSON means a complete slot."""
    lines = ''.join(path['line'] + '\n' for path in slot['paths'])
    write_text(module, slot_path(out_dir, slot['slot'], '.txt'), lines)
    write_text(module, slot_path(out_dir, slot['slot']), dumps_slot(slot))


def slot_stamps(out_dir, suffixes=('.json',)):
    """Stamps of the slot files in ``out_dir`` (by default the JSON ones), oldest first."""
    try:
        names = os.listdir(os.path.join(out_dir, SLOTS))
    except OSError:
        return []
    stamps = set()
    for name in names:
        stamp, suffix = os.path.splitext(name)
        if suffix in suffixes and len(stamp) == 12 and stamp.isdigit():
            stamps.add(stamp)
    return sorted(stamps)


def load_slot(out_dir, stamp):
    with open(slot_path(out_dir, stamp)) as handle:
        return json.load(handle)


def load_recent(out_dir, hours=24):
    """Slots of the ``hours`` hours up to and including the newest slot, oldest first."""
    stamps = slot_stamps(out_dir)
    if not stamps:
        return []
    first = stamp_start(stamps[-1]) - hours * 3600
    return [load_slot(out_dir, stamp) for stamp in stamps if stamp_start(stamp) > first]


def expire(out_dir, lifetime_days, now):
    """Delete slot files whose stamp is more than ``lifetime_days`` before ``now``; the deleted stamps."""
    oldest = now - lifetime_days * 86400
    removed = []
    # a .txt without its .json is what a crash between the two writes leaves: it expires as well
    for stamp in slot_stamps(out_dir, ('.json', '.txt')):
        if stamp_start(stamp) >= oldest:
            break
        for suffix in ('.json', '.txt'):
            try:
                os.unlink(slot_path(out_dir, stamp, suffix))
            except OSError:
                pass
        removed.append(stamp)
    return removed


def write_page(module, config, hours=24):
    """Render ``<out_dir>/index.html`` from the recent slots; the page module is loaded only when asked for."""
    from ansible_collections.isplab.infra.plugins.module_utils.flow_paths import page
    html = page.render_page(load_recent(config.out_dir, hours), config.page_layout(), config.title)
    path = os.path.join(config.out_dir, PAGE)
    write_text(module, path, html)
    return path
