"""Reading the disks: one ``sfdisk --json`` per disk, no table told by the exit status, writes stay sgdisk's."""

import os

import pytest

from ansible_collections.isplab.infra.plugins.module_utils.common.diff import DiffTracker
from ansible_collections.isplab.infra.plugins.module_utils.common.runner import CommandError, CommandResult
from ansible_collections.isplab.infra.plugins.module_utils.root_raid1 import executor as raid1_executor
from ansible_collections.isplab.infra.plugins.module_utils.root_raid1 import gpt, state

FIXTURES = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'fixtures')


def fixture(domain, name):
    with open(os.path.join(FIXTURES, domain, name)) as handle:
        return handle.read()


class Runner:
    """Answers sfdisk, blockdev and wipefs from captured output; records every command like CommandRunner."""

    def __init__(self, tables, check_mode=False):
        self.tables = tables
        self.commands = []
        self.check_mode = check_mode

    def run(self, argv, changes=False, expected_rc=(0,), **kwargs):
        self.commands.append(' '.join(argv))
        if argv[:2] == ['sfdisk', '--json']:
            answer = self.tables[argv[2]]
            if not isinstance(answer, tuple):
                rc_path = os.path.join(FIXTURES, 'gpt', answer + '.rc')
                answer = (int(fixture('gpt', answer + '.rc')) if os.path.exists(rc_path) else 0, fixture('gpt', answer))
            result = CommandResult(argv, answer[0], answer[1], '')
        elif argv[:2] == ['blockdev', '--getsize64']:
            result = CommandResult(argv, 0, '%d\n' % (2 * 1024 ** 3))
        elif argv[:2] == ['blockdev', '--getss']:
            result = CommandResult(argv, 0, '4096\n')
        elif argv[:2] == ['wipefs', '--no-act']:
            result = CommandResult(argv, 0, fixture('gpt', 'wipefs_empty.json'))
        else:
            raise AssertionError('unexpected command %s' % argv)
        if expected_rc is not None and result.rc not in expected_rc:
            raise CommandError(result, 'rc %d' % result.rc)
        return result


def test_disk_state_is_one_sfdisk_read_per_disk():
    runner = Runner({'/dev/vdb': 'sfdisk_disk1_retyped.json'})
    disk = state.disk_state(runner, '/dev/vdb', False)
    assert runner.commands == ['sfdisk --json /dev/vdb', 'blockdev --getsize64 /dev/vdb']
    assert sorted(disk['parts']) == [1, 2, 3, 4] and 'parts' not in disk['table']
    assert disk['logical_sector_size'] == 512
    assert disk['parts'][4] == {'start': 2230272, 'end': 4194270, 'name': 'Ceph OSD', 'type_guid': gpt.CEPH_OSD,
                                'unique_guid': '32AB4575-F855-47DA-BB46-4934D86FFBAE'}
    assert disk['parts'][3]['unique_guid'] == 'AABAFB48-6389-4A12-A29B-ADAB9602FBCA'
    assert disk['table']['disk_guid'] == '336BBBBB-D2AB-447D-912D-5DABA30A0F0C'


def test_disk_without_table_is_told_by_the_exit_status():
    runner = Runner({'/dev/vdc': 'sfdisk_empty.json'})
    disk = state.disk_state(runner, '/dev/vdc', True)
    assert disk['table']['has_table'] is False and disk['parts'] == {} and disk['signatures'] == []
    assert runner.commands[0] == 'sfdisk --json /dev/vdc'
    # no table to tell the sector size: the kernel's, for the sector size refusal
    assert 'blockdev --getss /dev/vdc' in runner.commands and disk['logical_sector_size'] == 4096


def test_sector_size_from_blockdev_only_when_sfdisk_does_not_print_it():
    """util-linux before 2.38 prints no ``sectorsize`` in its JSON."""
    runner = Runner({'/dev/vdb': 'sfdisk_disk1.json'})
    assert gpt.read_table(runner, '/dev/vdb')[1]['logical_sector_size'] == 512
    assert runner.commands == ['sfdisk --json /dev/vdb']
    runner.tables['/dev/vdb'] = (0, fixture('gpt', 'sfdisk_disk1.json').replace('      "sectorsize": 512,\n', ''))
    assert gpt.read_table(runner, '/dev/vdb')[1]['logical_sector_size'] == 4096
    assert runner.commands[-2:] == ['sfdisk --json /dev/vdb', 'blockdev --getss /dev/vdb']


def test_sfdisk_exit_0_without_json_fails_the_read():
    runner = Runner({'/dev/vdb': (0, '')})
    with pytest.raises(CommandError, match='/dev/vdb: sfdisk --json printed no partition table JSON'):
        gpt.read_table(runner, '/dev/vdb')


class Module:
    check_mode = False


def test_partuuid_alias_reads_partition_3_with_sfdisk():
    module = Module()
    runner = Runner({'/dev/vdc': 'sfdisk_disk2_retyped.json'})
    ex = raid1_executor.Executor(module, runner, {}, DiffTracker())
    assert ex.partuuid_alias('/dev/vdc') == '/dev/disk/by-partuuid/46f26b95-70cc-4176-ad5d-01f351f20b4a'
    assert runner.commands == ['sfdisk --json /dev/vdc']
    runner.tables['/dev/vdc'] = 'sfdisk_empty.json'
    with pytest.raises(CommandError, match='/dev/vdc has no partition 3 to keep out of LVM'):
        ex.partuuid_alias('/dev/vdc')
    module.check_mode = True
    assert ex.partuuid_alias('/dev/vdc') == '/dev/disk/by-partuuid/new-guid-of-vdc3'
