"""What the role prints while it waits: progress of pvmove and of the resync, from captured lvs and mdstat."""

import os

from ansible_collections.isplab.infra.plugins.module_utils.root_raid1 import lvm, mdraid, state

FIXTURES = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'fixtures')


def fixture(domain, name):
    with open(os.path.join(FIXTURES, domain, name)) as fh:
        return fh.read()


def test_running_pvmove():
    progress = state.progress_from(lvm.parse_lvs(fixture('lvm', 'lvs_pvmove.json')),
                                   mdraid.parse_mdstat(fixture('mdraid', 'mdstat_degraded.txt')), '/dev/md0')
    assert progress['running'] == 'pvmove'
    assert progress['pvmove'] == {'lv_name': '[pvmove0]', 'move_pv': '/dev/vdb3', 'percent': 20.67,
                                  'size_bytes': 629145600}
    assert progress['resync'] is None
    # one poll measures no rate: the first pause is the shortest, to measure it soon
    assert progress['summary'] == 'pvmove /dev/vdb3: 20.67 % (124/600 MiB), ETA unknown'
    assert (progress['eta_seconds'], progress['next_poll_seconds'], progress['stalled']) == (None, 5, False)


def test_pvmove_rate_and_eta_between_two_polls():
    lvs = lvm.parse_lvs(fixture('lvm', 'lvs_pvmove.json'))
    first = state.progress_from(lvs, {}, '/dev/md0', now=100.0)
    lvs[0]['copy_percent'] = 30.67
    second = state.progress_from(lvs, {}, '/dev/md0', now=110.0, previous=first['sample'])
    # 10 % of 600 MiB in 10 s: 6 MiB/s, 69.33 % (416 MiB) left: about 69 s; next poll after a fifth
    assert round(second['rate_bytes_per_s']) == 6291456
    assert round(second['eta_seconds']) == 69
    assert second['summary'] == 'pvmove /dev/vdb3: 30.67 % (184/600 MiB), 6.0 MiB/s, ETA 1m 9s'
    assert second['next_poll_seconds'] == 13


def test_pvmove_that_does_not_move_stalls_after_stall_seconds():
    lvs = lvm.parse_lvs(fixture('lvm', 'lvs_pvmove.json'))
    sample = state.progress_from(lvs, {}, '/dev/md0', now=0.0)['sample']
    for now in (60.0, 120.0, 599.0):
        progress = state.progress_from(lvs, {}, '/dev/md0', now=now, previous=sample, stall_seconds=600)
        assert not progress['stalled']
        sample = progress['sample']
    progress = state.progress_from(lvs, {}, '/dev/md0', now=600.0, previous=sample, stall_seconds=600)
    assert progress['stalled'] and progress['stalled_seconds'] == 600.0
    # without any rate the pause is a tenth of the stall bound
    assert progress['next_poll_seconds'] == 60


def test_running_recovery():
    progress = state.progress_from(lvm.parse_lvs(fixture('lvm', 'lvs_plain.json')),
                                   mdraid.parse_mdstat(fixture('mdraid', 'mdstat_recovery.txt')), '/dev/md0')
    assert progress['running'] == 'resync'
    assert progress['pvmove'] is None
    assert progress['resync']['percent'] == 2.0
    # ETA from mdstat's own counters: (1048512 - 20992) KiB at 6997 KiB/s (mdstat rounds it: finish=2.4min)
    assert progress['summary'] == 'recovery 2.0 % (20992/1048512 KiB), 6997 KiB/s, ETA 2m 27s'
    assert progress['rate_bytes_per_s'] == 6997 * 1024
    assert round(progress['eta_seconds']) == 147


def test_nothing_running():
    progress = state.progress_from(lvm.parse_lvs(fixture('lvm', 'lvs_plain.json')),
                                   mdraid.parse_mdstat(fixture('mdraid', 'mdstat_clean.txt')), '/dev/md0')
    assert (progress['running'], progress['pvmove'], progress['resync'], progress['summary']) == (None, None, None, 'done')
    # another array's resync is not this conversion's
    assert state.progress_from([], mdraid.parse_mdstat(fixture('mdraid', 'mdstat_recovery.txt')), '/dev/md1')['running'] is None
