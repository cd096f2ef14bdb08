"""Disk 1 boots from a /boot copy on its ESP while pvmove runs (GRUB 2.06 cannot read an LV being moved).

States come from the captured fixtures of test_raid1_plan."""

import os

from ansible_collections.isplab.infra.plugins.module_utils.root_raid1 import lvm, move_boot
from ansible_collections.isplab.infra.plugins.module_utils.root_raid1 import planner as raid1_plan

from test_raid1_plan import (UUID, commands, done_state, fixture, fresh_state, interrupted_move_state, md_created_state,
                             names, params, refusal)

COPY = '/boot/efi/isplab-move'


def phase(phases, name):
    return [p for p in phases if p['phase'] == name][0]


def moved_state():
    """pvmove finished: every extent on md0, disk 1's p3 still in the VG with none allocated, copy on the ESP."""
    state = md_created_state()
    state['pvs'] = lvm.parse_pvs(fixture('lvm', 'pvs_two.json'))
    for pv in state['pvs']:
        if pv['pv_name'] == '/dev/vdb3':
            pv['pv_pe_alloc_count'] = 0
    state['stamp'] = {'grub_before_move': UUID}
    state['move_boot']['copy_present'] = True
    return state


def test_copy_is_complete_before_disk1_boot_code_points_at_it():
    ops = phase(raid1_plan.plan(params(), fresh_state()), 'grub_before_move')['ops']
    cmds = commands([{'ops': ops}])
    assert cmds[:6] == [
        'check: /boot/efi is mounted from /dev/vdb2 (mount /boot/efi from fstab if not)',
        'mkdir -p %s/grub' % COPY,
        'cp /boot/vmlinuz-6.1.0-28-amd64 %s/vmlinuz' % COPY,
        'cp /boot/initrd.img-6.1.0-28-amd64 %s/initrd.img' % COPY,
        'write %s/grub/grub.cfg: one entry booting the copied kernel with the root LV' % COPY,
        'sync']
    install = 'grub-install --target=i386-pc --modules=part_gpt fat --boot-directory=%s /dev/vdb' % COPY
    assert cmds.index(install) == 6
    # the ESP is mounted at /boot/efi from disk 1's p2: no other mount
    assert not any(c.startswith('mount ') for c in cmds)
    assert [op[0] for op in ops][-2:] == ['flush_boot_fs', 'stamp']


def test_copy_grub_cfg_boots_the_copied_kernel_with_the_root_lv():
    ops = phase(raid1_plan.plan(params(), fresh_state()), 'grub_before_move')['ops']
    cfg = [op for op in ops if op[0] == 'boot_copy_config'][0][2]
    assert '\tsearch --no-floppy --fs-uuid --set=root 6AE7-FFCD\n' in cfg
    assert '\tlinux /isplab-move/vmlinuz root=/dev/mapper/pve-root ro console=ttyS0,115200 quiet\n' in cfg
    assert '\tinitrd /isplab-move/initrd.img\n' in cfg
    assert 'set timeout=1\n' in cfg


def test_uefi_copy_installs_both_loaders_with_the_copy_as_prefix():
    state = fresh_state()
    state['firmware'] = 'uefi'
    cmds = commands([phase(raid1_plan.plan(params(), state), 'grub_before_move')])
    base = ('grub-install --target=x86_64-efi --efi-directory=/boot/efi --boot-directory=%s --bootloader-id=debian '
            '--modules=part_gpt fat --no-nvram' % COPY)
    assert base in cmds and base + ' --removable' in cmds
    assert cmds.index(base) > cmds.index('write %s/grub/grub.cfg: one entry booting the copied kernel with the root LV'
                                         % COPY)


def test_unmounted_esp_is_mounted_for_the_copy_and_unmounted_after():
    state = fresh_state()
    state['esp_mount'] = None
    cmds = commands([phase(raid1_plan.plan(params(), state), 'grub_before_move')])
    assert cmds[:3] == ['mkdir -p /run/isplab-root-raid1/esp1', 'mount /dev/vdb2 /run/isplab-root-raid1/esp1',
                        'mkdir -p /run/isplab-root-raid1/esp1/isplab-move/grub']
    assert 'umount /run/isplab-root-raid1/esp1' in cmds


def test_after_the_move_normal_boot_code_comes_back_then_the_copy_goes():
    phases = raid1_plan.plan(params(), moved_state())
    assert names(phases)[:2] == ['grub_after_move', 'vgreduce']
    cmds = commands(phases[:1])
    normal = 'grub-install --target=i386-pc --modules=part_gpt lvm mdraid09 ext2 /dev/vdb'
    assert cmds.index(normal) < cmds.index('rm -rf %s' % COPY)
    assert not any('--boot-directory' in c for c in cmds)


def test_copy_is_made_once_per_move():
    assert names(raid1_plan.plan(params(), interrupted_move_state()))[:2] == ['pvmove', 'grub_after_move']


def test_interrupted_move_without_a_copy_gets_one_before_it_resumes():
    # a move started by a release without the copy, or a cut before the copy's stamp
    state = interrupted_move_state(copy_present=False)
    assert names(raid1_plan.plan(params(), state))[:3] == ['grub_before_move', 'pvmove', 'grub_after_move']


def test_converted_node_has_no_copy_to_make_or_remove():
    assert raid1_plan.plan(params(), done_state()) == []
    state = done_state()
    state['move_boot'] = dict(state['move_boot'], free_bytes=0, need_bytes=None, esp_type=None)
    assert raid1_plan.plan(params(), state) == []


def test_esp_without_room_for_the_copy_is_refused_before_any_change():
    state = fresh_state()
    state['move_boot'].update(free_bytes=40 * 1024 ** 2)
    assert refusal(params(), state) == (
        'the ESP of disk1 (/dev/vdb2) has 41943040 bytes free, the /boot copy for the data move needs 91226112 '
        '(kernel /boot/vmlinuz-6.1.0-28-amd64, its initramfs and GRUB): GRUB cannot read the root LV while pvmove '
        'moves it, so disk 1 boots from that copy until the move is done; free space on the ESP (old kernels, '
        'stale loaders) and rerun')


def test_missing_running_kernel_is_refused():
    state = fresh_state()
    state['move_boot'].update(need_bytes=None)
    assert refusal(params(), state) == (
        '/boot/vmlinuz-6.1.0-28-amd64 or /boot/initrd.img-6.1.0-28-amd64 is missing: the /boot copy for the data '
        'move is made of the running kernel, the one proven to boot this node; reboot into an installed kernel '
        'and rerun')


def test_esp_without_fat_is_refused():
    state = fresh_state()
    state['move_boot'].update(esp_type=None, free_bytes=None)
    assert refusal(params(), state).startswith(
        'partition 2 of disk1 (/dev/vdb2) holds no FAT filesystem (no filesystem signature): ')


def test_need_counts_kernel_initramfs_growth_and_grub_files(tmp_path, monkeypatch):
    boot = tmp_path / 'boot'
    boot.mkdir()
    release = os.uname()[2]
    (boot / ('vmlinuz-' + release)).write_bytes(b'k' * 1000)
    (boot / ('initrd.img-' + release)).write_bytes(b'i' * 4000)

    class Runner:
        def __init__(self):
            self.commands = []

        def run(self, args, expected_rc=(0,)):
            self.commands.append(args)
            out = '/dev/mapper/pve-root\n' if args[0] == 'findmnt' else 'console=ttyS0  quiet'
            return type('R', (), {'rc': 0, 'stdout': out})()

    real_isfile, real_getsize = os.path.isfile, os.path.getsize
    monkeypatch.setattr(os.path, 'isfile', lambda p: real_isfile(str(boot / p[6:])) if p.startswith('/boot/') else real_isfile(p))
    monkeypatch.setattr(os.path, 'getsize', lambda p: real_getsize(str(boot / p[6:])) if p.startswith('/boot/') else real_getsize(p))
    runner = Runner()
    info = move_boot.inspect(runner, '/dev/vdb2', None, {'TYPE': 'vfat', 'UUID': '6AE7-FFCD'})
    assert info['need_bytes'] == 1000 + 5000 + move_boot.GRUB_FILES_BYTES
    assert info['copy_present'] is False and info['free_bytes'] > 0
    assert info['root_source'] == '/dev/mapper/pve-root' and info['cmdline'] == 'console=ttyS0 quiet'
    assert runner.commands[0][:3] == ['mount', '-o', 'ro'] and runner.commands[1][0] == 'umount'
