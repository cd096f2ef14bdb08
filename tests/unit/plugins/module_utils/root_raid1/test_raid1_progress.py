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
    assert progress['pvmove'] == {'lv_name': '[pvmove0]', 'move_pv': '/dev/vdb3', 'percent': 20.67}
    assert progress['resync'] is None
    assert progress['summary'] == 'pvmove /dev/vdb3: 20.67 %'


def test_running_recovery():
    progress = state.progress_from(lvm.parse_lvs(fixture('lvm', 'lvs_plain.json')),
                                   mdraid.parse_mdstat(fixture('mdraid', 'mdstat_recovery.txt')), '/dev/md0')
    assert progress['running'] == 'resync'
    assert progress['pvmove'] is None
    assert progress['resync']['percent'] == 2.0
    assert progress['summary'].startswith('recovery 2.0 % (20992/1048512 KiB), 6997 KiB/s, finish in ')


def test_nothing_running():
    progress = state.progress_from(lvm.parse_lvs(fixture('lvm', 'lvs_plain.json')),
                                   mdraid.parse_mdstat(fixture('mdraid', 'mdstat_clean.txt')), '/dev/md0')
    assert (progress['running'], progress['pvmove'], progress['resync'], progress['summary']) == (None, None, None, 'done')
    # another array's resync is not this conversion's
    assert state.progress_from([], mdraid.parse_mdstat(fixture('mdraid', 'mdstat_recovery.txt')), '/dev/md1')['running'] is None
