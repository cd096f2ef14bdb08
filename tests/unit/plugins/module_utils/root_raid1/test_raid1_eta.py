"""Rate, ETA, poll interval and stall arithmetic of the wait for pvmove and the resync (eta.py)."""

import pytest

from ansible_collections.isplab.infra.plugins.module_utils.root_raid1 import eta

TB = 1000 ** 4
MB = 1000 ** 2


@pytest.mark.parametrize('seconds, text', [
    (None, 'unknown'), (0, '0s'), (45.4, '45s'), (200, '3m 20s'), (22320, '6h 12m'), (11400, '3h 10m'),
    (3 * 86400 + 7200 + 59, '3d 2h')])
def test_format_duration(seconds, text):
    assert eta.format_duration(seconds) == text


def test_resync_rate_comes_from_the_kernel():
    sample = eta.measure('resync', 1 * TB, 4 * TB, now=50.0, rate_hint=150 * MB)
    assert sample['rate_bytes_per_s'] == 150 * MB
    assert sample['eta_seconds'] == pytest.approx(3 * TB / (150 * MB))
    assert eta.format_duration(sample['eta_seconds']) == '5h 33m'


def test_pvmove_rate_is_the_average_since_the_wait_began_and_the_stall_clock_runs_while_nothing_moves():
    first = eta.measure('pvmove', 0, 1000 * MB, now=10.0)
    assert (first['rate_bytes_per_s'], first['eta_seconds'], first['stalled_seconds']) == (None, None, 0)
    second = eta.measure('pvmove', 100 * MB, 1000 * MB, now=20.0, previous=first)
    assert second['rate_bytes_per_s'] == 10 * MB and second['eta_seconds'] == 90
    # percent did not change between two close polls: the average falls, the stall clock runs
    third = eta.measure('pvmove', 100 * MB, 1000 * MB, now=25.0, previous=second)
    assert third['rate_bytes_per_s'] == pytest.approx(100 * MB / 15) and third['stalled_seconds'] == 5
    assert not eta.stalled(third, 600)
    fourth = eta.measure('pvmove', 100 * MB, 1000 * MB, now=620.0, previous=third)
    assert fourth['stalled_seconds'] == 600 and eta.stalled(fourth, 600)


def test_one_slow_interval_does_not_stretch_the_eta():
    # lab, UEFI scenario: pvmove went 2688 -> 2692 MiB between two polls at 91 %, then finished seconds later;
    # a rate between the last two polls (0.2 MiB/s) gave ETA 18 min and a 3.6 min pause
    first = eta.measure('pvmove', 0, 2952 * MB, now=0.0)
    second = eta.measure('pvmove', 2688 * MB, 2952 * MB, now=60.0, previous=first)
    third = eta.measure('pvmove', 2692 * MB, 2952 * MB, now=80.0, previous=second)
    assert third['rate_bytes_per_s'] == pytest.approx(2692 * MB / 80)
    assert third['eta_seconds'] == pytest.approx(260 * MB / (2692 * MB / 80))
    assert eta.next_interval(third, False, 3, 600) == 3


def test_a_sample_of_the_other_wait_does_not_count():
    pvmove = eta.measure('pvmove', 500 * MB, 500 * MB, now=10.0)
    resync = eta.measure('resync', 0, 4 * TB, now=3000.0, previous=pvmove)
    assert resync['stalled_seconds'] == 0 and resync['rate_bytes_per_s'] is None


def test_interval_follows_the_eta_within_bounds():
    sample = {'eta_seconds': 6 * 3600.0, 'stalled_seconds': 0}
    assert eta.next_interval(sample, True, 5, 600) == 5
    assert eta.next_interval(sample, False, 5, 600) == 1800
    assert eta.next_interval({'eta_seconds': 3600.0, 'stalled_seconds': 0}, False, 5, 600) == 720
    assert eta.next_interval({'eta_seconds': 100.0, 'stalled_seconds': 0}, False, 5, 600) == 20
    assert eta.next_interval({'eta_seconds': 2.0, 'stalled_seconds': 0}, False, 5, 600) == 5
    assert eta.next_interval({'eta_seconds': None, 'stalled_seconds': 0}, False, 5, 600) == 60
    # an old rate promises hours, but nothing moved since the last poll: look again within the stall bound
    assert eta.next_interval(dict(sample, stalled_seconds=30), False, 5, 600) == 60
    # a poll_interval above the cap wins
    assert eta.next_interval(sample, False, 2000, 600) == 2000


def simulate(total, rate, poll_interval=5, stall_seconds=600):
    """Polls of a wait that runs at a constant ``rate``: (polls, seconds waited past the end)."""
    now, previous, polls = 0.0, None, 0
    while True:
        done = min(total, rate * now)
        polls += 1
        if done >= total:
            return polls, now - total / rate
        sample = eta.measure('resync', done, total, now, previous, rate)
        assert not eta.stalled(sample, stall_seconds)
        now += eta.next_interval(sample, previous is None, poll_interval, stall_seconds)
        previous = sample
        assert polls < 1000, 'unbounded'


def test_multi_terabyte_resync_takes_a_bounded_number_of_polls():
    polls, late = simulate(4 * TB, 150 * MB)
    # 7.4 h: about 40 polls, and the end is noticed within one shortest interval
    assert polls < 50
    assert late <= 5
    # 55 h stays well below the role's cap of 200 nested polls (root_raid1_poll_rounds)
    assert simulate(20 * TB, 100 * MB)[0] < 150
    small_polls, small_late = simulate(1024 ** 3, 50 * MB)
    assert small_polls < 30 and small_late <= 5
