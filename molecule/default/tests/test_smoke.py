"""Smoke checks that the harness VM is what the roles expect."""


def test_marker_written(host):
    marker = host.file('/etc/isplab-lab')
    assert marker.exists
    assert marker.mode == 0o644
    assert 'isplab lab node smoke' in marker.content_string


def test_booted_debian_bookworm(host):
    assert host.system_info.distribution == 'debian'
    assert host.system_info.codename == 'bookworm'


def test_extra_disk_by_id_and_partition(host):
    assert host.file('/dev/disk/by-id/virtio-scratch').is_symlink
    out = host.check_output('sgdisk -p /dev/disk/by-id/virtio-scratch')
    assert '8300' in out


def test_kernel_has_md_dm_and_cifs(host):
    for module in ('raid1', 'dm_mod', 'cifs'):
        assert host.run('modprobe %s' % module).rc == 0, module


def test_hostname_from_harness(host):
    assert host.check_output('hostname') == 'smoke'
