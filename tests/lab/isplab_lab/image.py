"""Builds and caches the Debian base image (rootfs + kernel + initrd)."""

import fcntl
import glob
import inspect
import json
import os
import shutil
import subprocess
import tempfile
import time

from isplab_lab import recipe
from isplab_lab.common import CACHE, LabError, log, sha256_text

IMAGES = os.path.join(CACHE, 'images')


def recipe_hash():
    return sha256_text(inspect.getsource(recipe), inspect.getsource(build))[:16]


def host_apt_sources():
    """The machine's own apt sources, handed to mmdebstrap verbatim (no mirror host is named here)."""
    files = []
    if os.path.isfile('/etc/apt/sources.list'):
        with open('/etc/apt/sources.list') as fh:
            if any(line.strip().startswith('deb') for line in fh):
                files.append('/etc/apt/sources.list')
    files += sorted(glob.glob('/etc/apt/sources.list.d/*.sources'))
    files += sorted(glob.glob('/etc/apt/sources.list.d/*.list'))
    if not files:
        raise LabError('no apt sources configured on this machine (/etc/apt/sources.list[.d])')
    return files


def image_paths(key=None):
    key = key or recipe_hash()
    base = os.path.join(IMAGES, key)
    return {
        'key': key,
        'dir': base,
        'rootfs': os.path.join(base, 'rootfs.raw'),
        'kernel': os.path.join(base, 'vmlinuz'),
        'initrd': os.path.join(base, 'initrd.img'),
        'manifest': os.path.join(base, 'manifest.json'),
        'rootfs_min': os.path.join(base, 'rootfs-min.raw'),
    }


def ensure_image(force=False):
    paths = image_paths()
    if not force and os.path.exists(paths['manifest']):
        return paths
    os.makedirs(IMAGES, exist_ok=True)
    # One build at a time per machine; whoever waited finds the image ready.
    with open(os.path.join(IMAGES, '.build.lock'), 'w') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if force or not os.path.exists(paths['manifest']):
            _remove_stale_builds()
            build(paths)
    return paths


MIN_HEADROOM = 256 * 1024 * 1024


def ensure_minimal_rootfs(paths):
    """The base rootfs shrunk to its used size plus headroom (a seed disk whose copy is quick to move).

    resize2fs runs on the host at native speed; a guest that installs it gets a smaller root LV, so
    pvmove and the md resync of the RAID scenarios copy 2 GiB instead of the full image.
    """
    if os.path.exists(paths['rootfs_min']):
        return paths['rootfs_min']
    with open(os.path.join(IMAGES, '.build.lock'), 'w') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if os.path.exists(paths['rootfs_min']):
            return paths['rootfs_min']
        log('shrinking a copy of the base rootfs for seed disks')
        tmp = paths['rootfs_min'] + '.tmp-%d' % os.getpid()
        try:
            subprocess.run(['cp', '--sparse=always', paths['rootfs'], tmp], check=True)
            # e2fsck exits 1 when it only optimised something; resize2fs insists on a fresh check
            if subprocess.run(['e2fsck', '-f', '-y', tmp], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, check=False).returncode > 1:
                raise LabError('e2fsck failed on the copy of %s' % paths['rootfs'])
            subprocess.run(['resize2fs', '-M', tmp], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            used = os.path.getsize(tmp)
            size = (used + MIN_HEADROOM - 1) // MIN_HEADROOM * MIN_HEADROOM + MIN_HEADROOM
            os.truncate(tmp, size)
            subprocess.run(['resize2fs', tmp], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            os.replace(tmp, paths['rootfs_min'])
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    return paths['rootfs_min']


def _remove_stale_builds():
    """A killed mmdebstrap leaves its chroot with /proc, /sys and /dev mounted: unmount before deleting."""
    for entry in os.listdir(IMAGES):
        path = os.path.join(IMAGES, entry)
        if not entry.startswith('build-'):
            continue
        with open('/proc/self/mounts') as fh:
            mounts = [line.split()[1] for line in fh if line.split()[1].startswith(path + '/')]
        for mount in sorted(mounts, reverse=True):
            subprocess.run(['umount', '-l', mount], check=False)
        log('removing interrupted build %s' % entry)
        shutil.rmtree(path, ignore_errors=True)


def prune_other_images():
    """Deletes images of older recipes (explicit: VMs of a live state dir may still use one as backing file)."""
    keep = recipe_hash()
    for entry in os.listdir(IMAGES) if os.path.isdir(IMAGES) else []:
        path = os.path.join(IMAGES, entry)
        if entry != keep and os.path.isdir(path):
            log('removing image of another recipe: %s' % entry)
            shutil.rmtree(path, ignore_errors=True)


def build(paths):
    """mmdebstrap into a directory, then mkfs.ext4 -d: no loop devices or mounts needed."""
    os.makedirs(IMAGES, exist_ok=True)
    started = time.time()
    work = tempfile.mkdtemp(prefix='build-%s-' % paths['key'], dir=IMAGES)
    try:
        rootdir = os.path.join(work, 'root')
        hook = os.path.join(work, 'customize.sh')
        with open(hook, 'w') as fh:
            fh.write(recipe.customize_script())
        log('building base image %s with mmdebstrap (%d packages); takes a few minutes'
            % (paths['key'], len(recipe.PACKAGES)))
        cmd = ['mmdebstrap', '--variant=apt', '--mode=root',
               '--include=' + ','.join(recipe.PACKAGES),
               '--dpkgopt=path-exclude=/usr/share/doc/*',
               '--dpkgopt=path-exclude=/usr/share/man/*',
               '--dpkgopt=path-exclude=/usr/share/locale/*',
               '--dpkgopt=path-include=/usr/share/doc/*/copyright',
               '--customize-hook=copy-in %s /root' % hook,
               '--customize-hook=chroot "$1" sh /root/customize.sh',
               '--customize-hook=rm -f "$1/root/customize.sh"',
               recipe.SUITE, rootdir] + host_apt_sources()
        subprocess.run(cmd, check=True, stdin=subprocess.DEVNULL)
        kernels = sorted(glob.glob(os.path.join(rootdir, 'boot', 'vmlinuz-*')))
        initrds = sorted(glob.glob(os.path.join(rootdir, 'boot', 'initrd.img-*')))
        if not kernels or not initrds:
            raise LabError('image has no kernel/initrd under /boot')
        tmp_rootfs = os.path.join(work, 'rootfs.raw')
        log('writing ext4 root filesystem (%s)' % recipe.ROOTFS_SIZE)
        subprocess.run(['mkfs.ext4', '-q', '-F', '-L', 'isplab-root', '-d', rootdir,
                        tmp_rootfs, recipe.ROOTFS_SIZE], check=True)
        os.makedirs(paths['dir'], exist_ok=True)
        shutil.copy(kernels[-1], paths['kernel'])
        shutil.copy(initrds[-1], paths['initrd'])
        os.replace(tmp_rootfs, paths['rootfs'])
        manifest = {
            'key': paths['key'], 'suite': recipe.SUITE, 'packages': recipe.PACKAGES,
            'kernel': os.path.basename(kernels[-1]), 'built': time.strftime('%Y-%m-%dT%H:%M:%S'),
            'build_seconds': round(time.time() - started, 1),
        }
        with open(paths['manifest'], 'w') as fh:
            json.dump(manifest, fh, indent=2)
        log('base image %s built in %.0fs' % (paths['key'], time.time() - started))
    finally:
        shutil.rmtree(work, ignore_errors=True)
