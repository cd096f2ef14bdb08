# -*- coding: utf-8 -*-
# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Rate, ETA, poll interval and stall arithmetic for waiting on pvmove and the md resync.

A multi-terabyte member takes hours; the wait is bounded by the measured work, not by a count of
polls: each poll measures the rate (mdstat's speed, or pvmove's average since the wait began), the next
poll comes after a fraction of the remaining time, and the wait fails only when nothing progressed
for ``stall_seconds``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# Longest pause between two polls. The role polls by nested include_tasks, and ansible-core 2.x hits
# Python's recursion limit between 200 and 400 nested includes (measured): with half-hour pauses a
# 20 TB member at 100 MB/s (55 h) takes about 130 polls, a 4 TB one at 150 MB/s about 40.
MAX_INTERVAL = 1800
# Next poll after 1/ETA_FRACTION of the remaining time: an ETA that was too optimistic is corrected
# after a fifth of it at the latest, and the end is seen within the shortest interval.
ETA_FRACTION = 5
# Without a measured rate, or while nothing moves, the stall bound decides: about ten polls before
# the wait fails.
STALL_POLLS = 10


def format_duration(seconds):
    """``2d 3h``, ``6h 12m``, ``3m 20s``, ``45s``; ``unknown`` without a measurement."""
    if seconds is None:
        return 'unknown'
    seconds = int(round(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return '%dd %dh' % (days, hours)
    if hours:
        return '%dh %dm' % (hours, minutes)
    if minutes:
        return '%dm %ds' % (minutes, secs)
    return '%ds' % secs


def measure(kind, done_bytes, total_bytes, now, previous=None, rate_hint=None):
    """One poll's sample: bytes done, rate, ETA and since when nothing moved.

    ``previous`` is the sample of the poll before (None on the first); it only counts for the same
    ``kind``. ``rate_hint`` is a rate the kernel measured itself (mdstat's speed), preferred over the
    average since the first poll of this wait; without either the last known rate is kept.
    """
    same = bool(previous) and previous.get('kind') == kind and previous.get('time') is not None
    prev_done = previous.get('done_bytes') if same else None
    moved = not same or done_bytes is None or prev_done is None or done_bytes != prev_done
    # the average since the first poll of this wait: one slow interval (pvmove pauses between segments,
    # seen in the lab at 91 %) would otherwise stretch the ETA and the next pause tenfold
    since_time = previous.get('since_time', previous['time']) if same else now
    since_done = previous.get('since_done', prev_done) if same else done_bytes
    rate = rate_hint
    if rate is None and same and since_done is not None and done_bytes is not None:
        elapsed = now - since_time
        if done_bytes > since_done and elapsed > 0:
            rate = (done_bytes - since_done) / elapsed
        else:
            rate = previous.get('rate_bytes_per_s')
    changed_at = now if moved else previous.get('changed_at', previous['time'])
    eta = None
    if rate and total_bytes is not None and done_bytes is not None:
        eta = max(0, total_bytes - done_bytes) / rate
    return {'kind': kind, 'done_bytes': done_bytes, 'total_bytes': total_bytes, 'time': now,
            'since_time': since_time, 'since_done': since_done,
            'changed_at': changed_at, 'rate_bytes_per_s': rate, 'eta_seconds': eta,
            'stalled_seconds': now - changed_at}


def next_interval(sample, first, poll_interval, stall_seconds):
    """Seconds until the next poll: short on the first (to measure a rate), then a fraction of the ETA,
    or a tenth of the stall bound while no rate is known or nothing moved since the last poll; never below
    ``poll_interval`` nor above MAX_INTERVAL."""
    if first:
        wanted = poll_interval
    elif sample.get('eta_seconds') is None or sample.get('stalled_seconds'):
        wanted = stall_seconds / STALL_POLLS
    else:
        wanted = sample['eta_seconds'] / ETA_FRACTION
    return int(min(max(wanted, poll_interval), max(MAX_INTERVAL, poll_interval)))


def stalled(sample, stall_seconds):
    return sample['stalled_seconds'] >= stall_seconds
