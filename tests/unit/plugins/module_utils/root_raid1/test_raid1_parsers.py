"""Parsers of mdadm, /proc/mdstat, LVM JSON reports and sfdisk/wipefs/blkid/lsblk on captured real output."""

import os

import pytest

from ansible_collections.isplab.infra.plugins.module_utils.common import blockdev
from ansible_collections.isplab.infra.plugins.module_utils.root_raid1 import gpt, lvm, mdraid

FIXTURES = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'fixtures')


def fixture(domain, name):
    with open(os.path.join(FIXTURES, domain, name)) as fh:
        return fh.read()


def test_mdstat_degraded_090_array_has_one_member_and_no_superblock_word():
    md0 = mdraid.parse_mdstat(fixture('mdraid', 'mdstat_degraded.txt'))['md0']
    assert md0['level'] == 'raid1'
    assert md0['metadata'] == '0.90'
    assert md0['members'] == [{'device': 'vdc3', 'slot': 0, 'spare': False, 'faulty': False}]
    assert (md0['raid_disks'], md0['working_disks'], md0['map']) == (2, 1, 'U_')
    assert md0['sync'] is None


def test_mdstat_recovery_progress():
    md0 = mdraid.parse_mdstat(fixture('mdraid', 'mdstat_recovery.txt'))['md0']
    assert sorted(m['device'] for m in md0['members']) == ['vdb3', 'vdc3']
    assert md0['sync']['action'] == 'recovery'
    assert md0['sync']['percent'] == 2.0
    assert md0['sync']['done_blocks'] == 20992 and md0['sync']['total_blocks'] == 1048512
    assert md0['sync']['speed_kib'] == 6997


def test_mdstat_one_device_array_keeps_added_member_as_spare():
    arrays = mdraid.parse_mdstat(fixture('mdraid', 'mdstat_spare.txt'))
    assert arrays['md1']['raid_disks'] == 1 and arrays['md1']['map'] == 'U'
    assert [m['device'] for m in arrays['md1']['members'] if m['spare']] == ['vdb4']
    assert arrays['md0']['map'] == 'UU'


def test_mdstat_metadata_12_and_inactive_array():
    arrays = mdraid.parse_mdstat(fixture('mdraid', 'mdstat_meta12.txt'))
    assert arrays['md2']['metadata'] == '1.2'
    assert arrays['md127']['state'] == 'inactive'
    assert arrays['md127']['level'] is None
    assert arrays['md127']['members'][0]['spare'] is True
    assert arrays['md0']['metadata'] == '0.90'


def test_detail_degraded():
    detail = mdraid.parse_detail(fixture('mdraid', 'detail_degraded.txt'))
    assert detail['version'] == '0.90'
    assert detail['level'] == 'raid1'
    assert detail['raid_devices'] == 2 and detail['active_devices'] == 1
    assert detail['state'] == ['clean', 'degraded']
    assert detail['uuid'] == 'e30f21fe:d170ca28:8e7d9606:3a24364a'
    assert [(m['device'], m['state']) for m in detail['members']] == [('/dev/vdc3', ['active', 'sync'])]


def test_detail_recovery_shows_rebuilding_member():
    detail = mdraid.parse_detail(fixture('mdraid', 'detail_recovery.txt'))
    assert detail['rebuild_percent'] == 2
    assert detail['state'] == ['clean', 'degraded', 'recovering']
    states = dict((m['device'], m['state']) for m in detail['members'])
    assert states == {'/dev/vdc3': ['active', 'sync'], '/dev/vdb3': ['spare', 'rebuilding']}


def test_detail_clean_and_spare():
    clean = mdraid.parse_detail(fixture('mdraid', 'detail_clean.txt'))
    assert all(m['state'] == ['active', 'sync'] for m in clean['members']) and len(clean['members']) == 2
    spare = mdraid.parse_detail(fixture('mdraid', 'detail_spare.txt'))
    assert spare['raid_devices'] == 1
    assert [m for m in spare['members'] if m['state'] == ['spare']][0]['raid_device'] is None


def test_examine_member_and_none():
    member = mdraid.parse_examine(fixture('mdraid', 'examine_member.txt'))
    assert member['version'] == '0.90.00'
    assert member['magic'] == 'a92b4efc'
    assert member['uuid'] == 'e30f21fe:d170ca28:8e7d9606:3a24364a'
    assert member['raid_devices'] == 2 and member['preferred_minor'] == 0
    assert mdraid.parse_examine(fixture('mdraid', 'examine_none.txt')) is None


def test_brief_line_drops_spares_of_a_rebuild():
    assert 'spares=1' in fixture('mdraid', 'brief_recovery.txt')
    line = mdraid.parse_brief(fixture('mdraid', 'brief_recovery.txt'))
    assert line == 'ARRAY /dev/md0 metadata=0.90 UUID=e30f21fe:d170ca28:8e7d9606:3a24364a'
    assert line == mdraid.parse_brief(fixture('mdraid', 'brief_clean.txt'))
    assert mdraid.array_uuid_of_line(line) == 'e30f21fe:d170ca28:8e7d9606:3a24364a'


def test_conf_array_lines_join_continuations():
    text = '# comment\nARRAY /dev/md0 metadata=0.90\n   UUID=aa:bb:cc:dd\nMAILADDR root\n'
    assert mdraid.conf_array_lines(text) == ['ARRAY /dev/md0 metadata=0.90 UUID=aa:bb:cc:dd']


def test_090_member_size_matches_the_pv_lvm_saw_on_md0():
    part_bytes = (2230271 - 133120 + 1) * 512
    md0 = [pv for pv in lvm.parse_pvs(fixture('lvm', 'pvs_duplicate.json')) if pv['pv_name'] == '/dev/md0'][0]
    assert mdraid.member_data_bytes_090(part_bytes) == md0['pv_size']


def test_pvs_reports_and_extent_estimate():
    pvs = lvm.parse_pvs(fixture('lvm', 'pvs_two.json'))
    by_name = dict((pv['pv_name'], pv) for pv in pvs)
    assert by_name['/dev/vdb3']['pv_pe_alloc_count'] == 150
    assert by_name['/dev/md0']['vg_name'] == 'pve'
    vg = lvm.parse_vgs(fixture('lvm', 'vgs.json'))[0]
    assert vg['vg_extent_size'] == 4 * 1024 * 1024
    orphan = [pv for pv in lvm.parse_pvs(fixture('lvm', 'pvs_duplicate.json')) if pv['pv_name'] == '/dev/md0'][0]
    assert orphan['pv_pe_count'] == 0
    assert lvm.extents_available(orphan['pv_size'], orphan['pe_start'], vg['vg_extent_size']) == \
        by_name['/dev/md0']['pv_pe_count']


def test_pvmove_lv_is_found_with_progress():
    moving = lvm.pvmove_lvs(lvm.parse_lvs(fixture('lvm', 'lvs_pvmove.json')))
    assert [(lv['lv_name'], lv['copy_percent'], lv['move_pv']) for lv in moving] == [('[pvmove0]', 20.67, '/dev/vdb3')]
    assert lvm.pvmove_lvs(lvm.parse_lvs(fixture('lvm', 'lvs_plain.json'))) == []


LVM_CONF = 'config {\n}\ndevices {\n\tdir = "/dev"\n\t# global_filter = [ "a|.*|" ]\n}\n'


def test_managed_filter_block_inserted_replaced_and_read_back():
    block = lvm.managed_filter_block(['/dev/disk/by-partuuid/aa-1'])
    text = lvm.with_managed_block(LVM_CONF, block)
    assert text.index('devices {') < text.index(lvm.FILTER_BEGIN) < text.index('dir = "/dev"')
    assert lvm.managed_rejects(text) == ['/dev/disk/by-partuuid/aa-1']
    assert not lvm.foreign_global_filter(text)
    both = lvm.with_managed_block(text, lvm.managed_filter_block(['/dev/disk/by-partuuid/aa-1',
                                                                  '/dev/disk/by-partuuid/bb-2']))
    assert both.count(lvm.FILTER_BEGIN) == 1
    assert lvm.managed_rejects(both) == ['/dev/disk/by-partuuid/aa-1', '/dev/disk/by-partuuid/bb-2']
    assert 'global_filter = [ "r|^/dev/disk/by-partuuid/aa-1$|", "r|^/dev/disk/by-partuuid/bb-2$|" ]' in both


def test_foreign_filter_and_unsafe_pattern():
    assert lvm.foreign_global_filter(LVM_CONF.replace('# global_filter', 'global_filter'))
    with pytest.raises(ValueError):
        lvm.managed_filter_block(['/dev/disk/by-id/x|y'])


def sfdisk(name):
    """A captured ``sfdisk --json`` answer (capture_sfdisk.sh), with its exit status when it was not 0."""
    rc_path = os.path.join(FIXTURES, 'gpt', name + '.rc')
    rc = int(fixture('gpt', name + '.rc')) if os.path.exists(rc_path) else 0
    return gpt.parse_sfdisk_json(fixture('gpt', name), rc)


def rows(table):
    return [(p['number'], p['start'], p['end']) for p in table['partitions']]


def test_sfdisk_installer_layout():
    table = sfdisk('sfdisk_disk1.json')
    assert table['has_table'] and table['label'] == 'gpt'
    assert table['logical_sector_size'] == 512 and table['last_usable'] == 4194270
    assert rows(table) == [(1, 34, 2047), (2, 2048, 133119), (3, 133120, 2230271)]
    assert [table['parts'][n]['type_guid'] for n in (1, 2, 3)] == [gpt.BIOS_BOOT, gpt.EFI_SYSTEM, gpt.LINUX_LVM]
    retyped = sfdisk('sfdisk_disk2_retyped.json')
    assert retyped['partitions'][3]['name'] == 'Ceph OSD'
    assert gpt.same_layout(table, retyped)
    assert retyped['disk_guid'] != table['disk_guid']


def test_sfdisk_fixtures_describe_the_disks_of_the_sgdisk_capture():
    """The image files of capture_sfdisk.sh carry the sectors and GUIDs the lab VM capture printed."""
    for name, info_names in (
            ('sfdisk_disk1.json', dict((n, 'sgdisk_info_disk1_p%d.txt' % n) for n in (1, 2, 3))),
            ('sfdisk_disk1_retyped.json', dict((n, 'sgdisk_info_disk1_retyped_p%d.txt' % n) for n in (1, 2, 3, 4))),
            ('sfdisk_disk2_retyped.json', dict((n, 'sgdisk_info_disk2_p%d.txt' % n) for n in (1, 2, 3, 4)))):
        parts = sfdisk(name)['parts']
        assert sorted(parts) == sorted(info_names)
        for number, info_name in info_names.items():
            text = fixture('gpt', info_name)
            for key, label in (('type_guid', 'Partition GUID code: '), ('unique_guid', 'Partition unique GUID: '),
                               ('start', 'First sector: '), ('end', 'Last sector: ')):
                assert str(parts[number][key]) == text.split(label)[1].split()[0], (name, number, key)
            assert "Partition name: '%s'" % parts[number]['name'] in text


def test_sfdisk_without_table_is_exit_status_1_and_no_output():
    """util-linux 2.38.1 on an empty image: rc 1, empty stdout; the English stderr is not read."""
    assert fixture('gpt', 'sfdisk_empty.json') == '' and fixture('gpt', 'sfdisk_empty.json.rc').strip() == '1'
    table = sfdisk('sfdisk_empty.json')
    assert table['has_table'] is False and table['label'] is None
    assert table['partitions'] == [] and table['parts'] == {} and table['disk_guid'] is None


def test_sfdisk_exit_0_without_json_is_an_error_not_an_empty_disk():
    with pytest.raises(ValueError):
        gpt.parse_sfdisk_json('', 0)


def test_sfdisk_dos_table_has_rows_but_no_gpt_partitions():
    table = sfdisk('sfdisk_dos.json')
    assert table['has_table'] and table['label'] == 'dos' and table['disk_guid'] is None
    assert rows(table) == [(1, 2048, 133119), (2, 133120, 4194303)]
    assert table['parts'] == {}
    assert not gpt.same_layout(table, table)


def test_sfdisk_field_notes_layouts():
    """Field notes section 1: p2 2048-1050623 (512 MiB ESP), p3 19.5 GiB from 1050624; converted: p3 Linux
    RAID and p4 Ceph OSD over the rest, new GUIDs; the 1 GiB ESP variant moves p3."""
    installer, converted = sfdisk('sfdisk_pve_installer.json'), sfdisk('sfdisk_pve_converted.json')
    assert rows(installer) == [(1, 34, 2047), (2, 2048, 1050623), (3, 1050624, 41945087)]
    assert (installer['partitions'][2]['size'] * 512) == 19.5 * 1024 ** 3
    assert [converted['parts'][n]['type_guid'] for n in (1, 2, 3, 4)] == [
        gpt.BIOS_BOOT, gpt.EFI_SYSTEM, gpt.LINUX_RAID, gpt.CEPH_OSD]
    assert converted['parts'][4]['start'] == 41945088 and converted['parts'][4]['end'] == converted['last_usable']
    assert converted['parts'][4]['name'] == 'Ceph OSD'
    assert gpt.same_layout(installer, converted) and converted['disk_guid'] != installer['disk_guid']
    assert not set(p['unique_guid'] for p in installer['parts'].values()) & set(
        p['unique_guid'] for p in converted['parts'].values())
    esp_1g = sfdisk('sfdisk_pve_esp_1g.json')
    assert rows(esp_1g)[1:] == [(2, 2048, 2099199), (3, 2099200, 42993663)]
    assert not gpt.same_layout(installer, esp_1g)


@pytest.mark.parametrize('device, node, number', [
    ('/dev/nvme0n1', '/dev/nvme0n1p12', 12), ('/dev/disk/by-id/virtio-disk1', '/dev/disk/by-id/virtio-disk1-part3', 3),
    ('/dev/md0', '/dev/md0p1', 1)])
def test_sfdisk_partition_number_from_node_name(device, node, number):
    """libfdisk names nodes device + separator + number (utils.c fdisk_partname): 'p' after a digit, '-part'
    under /dev/disk/by-id."""
    text = fixture('gpt', 'sfdisk_disk1.json').replace('"vdb"', '"%s"' % device).replace('"vdb3"', '"%s"' % node)
    assert gpt.parse_sfdisk_json(text)['partitions'][2]['number'] == number


def test_wipefs_blkid_lsblk():
    assert blockdev.parse_wipefs(fixture('gpt', 'wipefs_empty.json')) == []
    assert blockdev.parse_wipefs('') == []
    assert sorted(s['type'] for s in blockdev.parse_wipefs(fixture('gpt', 'wipefs_disk2_table.json'))) == \
        ['PMBR', 'gpt', 'gpt']
    assert gpt.parse_blkid_export(fixture('gpt', 'blkid_esp.txt'))['TYPE'] == 'vfat'
    assert gpt.parse_blkid_export(fixture('gpt', 'blkid_pv.txt'))['TYPE'] == 'LVM2_member'
    assert gpt.parse_blkid_export(fixture('gpt', 'blkid_member_with_pv.txt'))['TYPE'] == 'linux_raid_member'
    assert 'TYPE' not in gpt.parse_blkid_export(fixture('gpt', 'blkid_esp_disk2.txt'))
    devices = dict((d['name'], d) for d in blockdev.parse_lsblk(fixture('gpt', 'lsblk.json')))
    assert devices['vdb3']['fstype'] == 'linux_raid_member' and devices['vdb3']['parent'] == 'vdb'
    assert devices['md0']['parent'] in ('vdb3', 'vdc3')


def test_partition_path_naming():
    assert gpt.partition_path('/dev/vdb', 3) == '/dev/vdb3'
    assert gpt.partition_path('/dev/nvme0n1', 3) == '/dev/nvme0n1p3'
