# -*- coding: utf-8 -*-
# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Parsing and planning for Ceph OSDs on partitions (module ``ceph_osd``).

Everything here is a pure function over the JSON the Ceph and util-linux tools
print, so unit tests feed output captured from a real cluster.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.isplab.infra.plugins.module_utils.common import blockdev
from ansible_collections.isplab.infra.plugins.module_utils.common.blockdev import BlockdevError, parse_lsblk, parse_wipefs

# GPT partition type "Ceph OSD" (field notes section 1).
CEPH_OSD_PARTITION_TYPE = '4fbd7e29-9d25-41b8-afd0-062c0ceff05d'

MIB = 1024 * 1024
GIB = 1024 * MIB
# Ceph refuses an osd_memory_target below 896 MiB (Option("osd_memory_target").set_min(896_M)).
MEMORY_TARGET_FLOOR = 896 * MIB
# Ceph's own default; more than this per OSD buys little for small clusters.
MEMORY_TARGET_CEILING = 4 * GIB


class CephError(Exception):
    """Output that cannot be interpreted, or a request that cannot be planned safely."""


def _load(text, what):
    return blockdev.load_json(text, what, CephError)


def parse_lvm_list(text):
    """``ceph-volume lvm list --format json`` -> {osd_id: {'devices': [...], 'fsid', 'encrypted', 'device_class'}}.

    Only the ``block`` LV of each OSD is considered: its ``devices`` are the
    physical volumes (our partitions) the OSD's data lives on.
    """
    data = _load(text, 'ceph-volume lvm list') or {}
    if not isinstance(data, dict):
        raise CephError('ceph-volume lvm list: expected an object keyed by OSD id')
    osds = {}
    for osd_id, volumes in data.items():
        for volume in volumes:
            if volume.get('type') != 'block':
                continue
            tags = volume.get('tags') or {}
            osds[int(osd_id)] = {
                'devices': sorted(volume.get('devices') or []),
                'fsid': tags.get('ceph.osd_fsid', ''),
                'encrypted': tags.get('ceph.encrypted') == '1',
                'device_class': tags.get('ceph.crush_device_class') or None,
                'lv_path': volume.get('lv_path', ''),
            }
    return osds


def osd_by_device(osds):
    """Inverse of ``parse_lvm_list``: kernel device path -> OSD id."""
    result = {}
    for osd_id, info in osds.items():
        for device in info['devices']:
            result[device] = osd_id
    return result


def resolve_paths(paths):
    """Declared path -> kernel path (None when missing): ceph-volume and lsblk speak kernel names."""
    return dict((p, os.path.realpath(p) if os.path.exists(p) else None) for p in paths)


def block_devices(text):
    """``lsblk --json --bytes --paths --list -o NAME,TYPE,PARTTYPE,PKNAME,SIZE`` -> {path: entry}.

    Keyed by kernel path because ``ceph-volume`` and ``realpath`` name devices that way;
    the partition type GUID is lowered since lsblk prints it in either case.
    """
    try:
        entries = parse_lsblk(text)
    except BlockdevError as exc:
        raise CephError(str(exc))
    devices = {}
    for entry in entries:
        devices[entry['name']] = {
            'type': entry.get('type'),
            'parttype': (entry.get('parttype') or '').lower() or None,
            'parent': entry.get('parent'),
            'size': int(entry.get('size') or 0),
        }
    return devices


def signature_types(text):
    """``wipefs --no-act --json DEV`` -> the signature types (empty output: no signatures)."""
    try:
        return [sig['type'] for sig in parse_wipefs(text)]
    except BlockdevError as exc:
        raise CephError(str(exc))


def parse_osd_dump(text):
    """``ceph osd dump --format json`` -> {osd_id: {'up': bool, 'in': bool}}."""
    data = _load(text, 'ceph osd dump') or {}
    return dict((int(o['osd']), {'up': o.get('up') == 1, 'in': o.get('in') == 1})
                for o in data.get('osds') or [])


def parse_config_dump(text, section, name):
    """``ceph config dump --format json`` -> value of ``name`` for ``section`` (e.g. 'osd/host:node1'), or None."""
    data = _load(text, 'ceph config dump') or []
    who, _sep, mask = section.partition('/')
    for entry in data:
        if entry.get('name') != name:
            continue
        entry_section = entry.get('section', '')
        entry_mask = entry.get('mask', '')
        # Pacific prints the mask separately; accept the combined spelling too.
        if (entry_section == who and entry_mask == mask) or (entry_section == section and not entry_mask):
            return entry.get('value')
    return None


def parse_meminfo(text):
    """/proc/meminfo -> MemTotal in bytes."""
    for line in (text or '').splitlines():
        if line.startswith('MemTotal:'):
            parts = line.split()
            return int(parts[1]) * 1024
    raise CephError('/proc/meminfo has no MemTotal line')


def memory_target(host_ram_bytes, osd_count, ram_fraction):
    """The rule for the node's ``osd_memory_target`` (documented in docs/ceph.md).

    ``ram_fraction`` of the host's RAM is the OSDs' budget; each OSD gets an
    equal share, rounded down to a whole MiB and clamped to Ceph's floor of
    896 MiB and a ceiling of 4 GiB (Ceph's default). Returns
    ``(target_bytes, warning_or_None)``: the warning says when the floor
    pushed the OSDs beyond the budget.
    """
    if osd_count < 1:
        raise CephError('memory target needs at least one OSD on the host')
    if not 0 < ram_fraction <= 1:
        raise CephError('ram_fraction must be in (0, 1], got %s' % ram_fraction)
    budget = int(host_ram_bytes * ram_fraction)
    share = (budget // osd_count) // MIB * MIB
    target = max(MEMORY_TARGET_FLOOR, min(MEMORY_TARGET_CEILING, share))
    warning = None
    if share < MEMORY_TARGET_FLOOR:
        warning = ('%d OSD(s) at the 896 MiB floor need %d MiB, more than %d%% of the host RAM '
                   '(%d MiB): add RAM or run fewer OSDs on this node'
                   % (osd_count, osd_count * MEMORY_TARGET_FLOOR // MIB, int(ram_fraction * 100),
                      host_ram_bytes // MIB))
    return target, warning


def created_osd_id(output):
    """The OSD id ``ceph-volume lvm create`` reports ("... activate successful for osd ID: 3"), or None."""
    marker = 'activate successful for osd ID:'
    for line in (output or '').splitlines():
        if marker in line:
            return int(line.split(marker, 1)[1].strip())
    return None


def create_command(device, device_class=None, dmcrypt=False):
    """The ``ceph-volume`` call that turns one partition into a BlueStore OSD."""
    argv = ['ceph-volume', 'lvm', 'create', '--bluestore', '--data', device]
    if device_class:
        argv += ['--crush-device-class', device_class]
    if dmcrypt:
        argv.append('--dmcrypt')
    return argv


def plan_partitions(requested, discover_type, resolved, block_devices, existing_osds, signatures,
                    partition_type=CEPH_OSD_PARTITION_TYPE, allow_foreign=False):
    """Decide what to do with every partition, or raise ``CephError`` listing every problem.

    ``requested``: the declared paths (e.g. /dev/disk/by-id/...); ``resolved``:
    declared path -> kernel path (None when the path does not exist);
    ``discover_type``: when true, every partition of ``partition_type`` is added;
    ``signatures``: kernel path -> signature types (only needed for partitions
    without an OSD). Returns a list of dicts with ``path``, ``device``,
    ``action`` (``keep``/``create``/``zap_create``), ``osd_id`` and ``signatures``.
    """
    partition_type = partition_type.lower()
    by_device = osd_by_device(existing_osds)
    targets = []
    problems = []
    for path in requested:
        device = resolved.get(path)
        if not device:
            problems.append('%s does not exist' % path)
            continue
        targets.append((path, device))
    if discover_type:
        known = set(device for _path, device in targets)
        for device in sorted(block_devices):
            info = block_devices[device]
            if info['type'] == 'part' and info['parttype'] == partition_type and device not in known:
                targets.append((device, device))
    seen = {}
    plan = []
    for path, device in targets:
        if device in seen:
            problems.append('%s and %s are the same partition (%s)' % (seen[device], path, device))
            continue
        seen[device] = path
        info = block_devices.get(device)
        if info is None:
            problems.append('%s (%s) is not a block device lsblk knows' % (path, device))
            continue
        if info['type'] != 'part':
            problems.append('%s (%s) is a %s, not a partition' % (path, device, info['type']))
            continue
        if device in by_device:
            plan.append({'path': path, 'device': device, 'action': 'keep',
                         'osd_id': by_device[device], 'signatures': []})
            continue
        if info['parttype'] != partition_type:
            problems.append('%s (%s) has partition type %s, not Ceph OSD %s: retype it with '
                            'sgdisk -t N:%s' % (path, device, info['parttype'], partition_type,
                                                partition_type.upper()))
            continue
        found = signatures.get(device) or []
        if found and not allow_foreign:
            problems.append('%s (%s) holds %s and no OSD: refusing to overwrite it; set '
                            'allow_foreign_signatures to wipe it' % (path, device, ', '.join(found)))
            continue
        plan.append({'path': path, 'device': device, 'action': 'zap_create' if found else 'create',
                     'osd_id': None, 'signatures': found})
    if problems:
        raise CephError('; '.join(problems))
    return plan
