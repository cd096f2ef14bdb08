#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: ceph_osd
short_description: BlueStore OSDs on declared partitions, and the node's OSD memory target
description:
  - Creates one BlueStore OSD per partition with C(ceph-volume lvm create --bluestore --data PARTITION),
    the tool C(pveceph) uses underneath (the Proxmox tooling only takes whole disks).
  - Reads C(ceph-volume lvm list --format json) first and leaves partitions that already hold an OSD alone.
  - Refuses, before anything changes, partitions that do not exist, are not partitions, do not carry the
    Ceph OSD GPT type, or hold any other signature (C(wipefs --no-act)), unless O(allow_foreign_signatures)
    is set, in which case they are zapped (C(ceph-volume lvm zap)) first.
  - Sets C(osd_memory_target) for every OSD of this host with C(ceph config set osd/host:HOST) from the host's
    RAM by the rule in O(memory_ram_fraction), or to O(osd_memory_target).
  - Does not wait for new OSDs to come up; the C(isplab.infra.ceph_osd) role does that by polling
    M(isplab.infra.ceph_osd_verify) with the ids in RV(created).
version_added: 0.1.0
author: isplab.infra contributors (@isplab)
options:
  partitions:
    description:
      - Partitions to turn into OSDs, preferably C(/dev/disk/by-id/...-partN) paths (kernel names move).
    type: list
    elements: path
    default: []
  discover:
    description:
      - Also use every partition whose GPT type is O(partition_type).
    type: bool
    default: false
  partition_type:
    description:
      - GPT type GUID a partition must carry to become an OSD.
    type: str
    default: 4FBD7E29-9D25-41B8-AFD0-062C0CEFF05D
  crush_device_class:
    description:
      - CRUSH device class of new OSDs (C(--crush-device-class)); Ceph picks one when omitted.
      - Existing OSDs are not reclassified.
    type: str
  dmcrypt:
    description:
      - Encrypt new OSDs with dm-crypt (C(--dmcrypt)). Existing OSDs are not converted.
    type: bool
    default: false
  allow_foreign_signatures:
    description:
      - Wipe partitions that hold a filesystem, RAID, LVM or other signature but no OSD. Destroys their data.
    type: bool
    default: false
  replace_destroyed:
    description:
      - Reuse the ids of this host's OSDs whose disk is gone - down or destroyed in C(ceph osd tree) and held by no
        local C(ceph-volume) volume - for the OSDs this run would create, in order of id and partition. The old id
        is destroyed (C(ceph osd destroy ID --yes-i-really-mean-it), skipped when a crashed run did it), the OSD
        created with C(--osd-id ID) (same CRUSH place, so only that disk's data moves back) and marked in.
      - When false, such an OSD next to a partition to be created is refused, naming both; purge the old id
        (C(ceph osd purge ID --yes-i-really-mean-it)) to create the new OSD under a new id instead.
    type: bool
    default: false
  manage_memory_target:
    description:
      - Set C(osd_memory_target) for this host's OSDs.
    type: bool
    default: true
  osd_memory_target:
    description:
      - Fixed C(osd_memory_target) in bytes (at least 939524096, Ceph's floor); overrides the RAM rule.
    type: int
  memory_ram_fraction:
    description:
      - Share of the host's RAM all OSDs of the host may use together. Each OSD gets an equal part,
        rounded down to a MiB and clamped to 896 MiB .. 4 GiB.
    type: float
    default: 0.5
  host:
    description:
      - CRUSH host name of this node (the short host name Ceph uses by default).
    type: str
attributes:
  check_mode:
    support: full
    description: Reads the node and lists the ceph-volume and ceph commands it would run, without running them.
  diff_mode:
    support: full
    description: Shows partition -> OSD id (V(new) for a planned OSD) and the memory target before and after.
  platform:
    support: full
    platforms: debian
    description: A Ceph node with C(ceph-volume), C(ceph), C(lsblk) and C(wipefs), and an admin keyring.
notes:
  - Run it on the node that owns the partitions, as root.
seealso:
  - module: isplab.infra.ceph_osd_verify
  - module: isplab.infra.pve_verify
'''

EXAMPLES = r'''
- name: Turn both "Ceph OSD" partitions into OSDs
  isplab.infra.ceph_osd:
    partitions:
      - /dev/disk/by-id/ata-SAMSUNG_MZ7LH960_S45NNA0R123456-part4
      - /dev/disk/by-id/ata-SAMSUNG_MZ7LH960_S45NNA0R654321-part4
    crush_device_class: ssd

- name: Every partition of type "Ceph OSD", encrypted
  isplab.infra.ceph_osd:
    discover: true
    dmcrypt: true
'''

RETURN = r'''
osds:
  description:
    - Every handled partition with its kernel device, action (C(keep), C(create), C(zap_create), or C(replace) and
      C(zap_replace) with O(replace_destroyed)) and OSD id (null for a planned new OSD, the reused id for C(replace)).
  returned: always
  type: list
  elements: dict
  sample:
    - {path: /dev/disk/by-id/virtio-disk1-part4, device: /dev/vdb4, action: keep, osd_id: 0, signatures: []}
created:
  description: Ids of the OSDs this run created, reused ids included (empty in check mode).
  returned: always
  type: list
  elements: int
  sample: [1]
osd_memory_target:
  description: The memory target set for the host's OSDs in bytes, or null when not managed.
  returned: always
  type: int
  sample: 939524096
msg:
  description: One line per run naming each partition's OSD and the OSDs created, for the role to print.
  returned: always
  type: str
  sample: "/dev/disk/by-id/virtio-disk1-part4 -> osd.0; created this run: none"
commands:
  description: Commands run (or planned in check mode).
  returned: always
  type: list
  elements: str
'''

import socket

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.isplab.infra.plugins.module_utils.ceph_osd.ceph import (
    CephError, MEMORY_TARGET_FLOOR, block_devices, create_command, created_osd_id, memory_target, parse_config_dump,
    parse_lvm_list, parse_meminfo, plan_partitions, resolve_paths, signature_types)
from ansible_collections.isplab.infra.plugins.module_utils.ceph_osd.lost import OSD_TREE, assign, lost_osds, replace_commands
from ansible_collections.isplab.infra.plugins.module_utils.common.diff import DiffTracker
from ansible_collections.isplab.infra.plugins.module_utils.common.runner import CommandError, CommandRunner

LSBLK = ['lsblk', '--json', '--bytes', '--paths', '--list', '--output', 'NAME,TYPE,PARTTYPE,PKNAME,SIZE']
LVM_LIST = ['ceph-volume', 'lvm', 'list', '--format', 'json']


def _host_ram():
    with open('/proc/meminfo') as fh:
        return parse_meminfo(fh.read())


def _plan(runner, params):
    """Read the node and plan every partition; returns (existing OSDs, plan)."""
    existing = parse_lvm_list(runner.run(LVM_LIST).stdout)
    devices = block_devices(runner.run(LSBLK).stdout) if (params['partitions'] or params['discover']) else {}
    resolved = resolve_paths(params['partitions'])
    candidates = set(d for d in resolved.values() if d)
    if params['discover']:
        candidates.update(d for d, i in devices.items() if i['type'] == 'part')
    held = set(dev for info in existing.values() for dev in info['devices'])
    signatures = {}
    for device in sorted(candidates - held):
        if device in devices and devices[device]['type'] == 'part':
            signatures[device] = signature_types(runner.run(['wipefs', '--no-act', '--json', device]).stdout)
    plan = plan_partitions(params['partitions'], params['discover'], resolved, devices, existing, signatures,
                           partition_type=params['partition_type'], allow_foreign=params['allow_foreign_signatures'])
    if any(item['action'] != 'keep' for item in plan):
        lost = lost_osds(runner.run(OSD_TREE).stdout, params['crush_host'], existing)
        assign(plan, lost, params['crush_host'], params['replace_destroyed'])
    return existing, plan


def _memory_plan(module, runner, params, osd_count):
    """(target, current value) of osd_memory_target for the host mask; target None when there is nothing to set."""
    if not params['manage_memory_target'] or (params['osd_memory_target'] is None and not osd_count):
        return None, None
    current = parse_config_dump(runner.run(['ceph', 'config', 'dump', '--format', 'json']).stdout,
                                params['memory_section'], 'osd_memory_target')
    if params['osd_memory_target'] is not None:
        return params['osd_memory_target'], current
    target, warning = memory_target(_host_ram(), osd_count, params['memory_ram_fraction'])
    if warning:
        module.warn(warning)
    return target, current


def _apply(runner, params, plan, target, current):
    """Create the planned OSDs and set the memory target; returns the ids created."""
    created = []
    for item in plan:
        if item['action'] == 'keep':
            continue
        if item['action'] in ('replace', 'zap_replace'):
            argvs = replace_commands(item, create_command(item['device'], params['crush_device_class'], params['dmcrypt']))
            if not [runner.run(argv, changes=True) for argv in argvs][-1].skipped:
                created.append(item['osd_id'])
            continue
        if item['action'] == 'zap_create':
            runner.run(['ceph-volume', 'lvm', 'zap', item['device']], changes=True)
        done = runner.run(create_command(item['device'], params['crush_device_class'], params['dmcrypt']),
                          changes=True)
        if not done.skipped:
            # Parsing the report saves another `ceph-volume lvm list` (tens of seconds on a busy node).
            item['osd_id'] = created_osd_id(done.stdout + '\n' + done.stderr)
            if item['osd_id'] is None:
                raise CephError('%s: ceph-volume did not report the new OSD id' % item['device'])
            created.append(item['osd_id'])
    if target is not None and str(target) != (current or ''):
        runner.run(['ceph', 'config', 'set', params['memory_section'], 'osd_memory_target', str(target)],
                   changes=True)
    return created


def _summary(plan, created):
    return '; '.join('%s -> %s' % (p['path'], 'osd.%d' % p['osd_id'] if p['osd_id'] is not None else 'new OSD')
                     for p in plan) + '; created this run: %s' % (
        ', '.join('osd.%d' % i for i in created) or 'none')


def _check_params(module, params):
    """Refuse numbers Ceph or the memory rule cannot take, before the node is even read."""
    if params['osd_memory_target'] is not None and params['osd_memory_target'] < MEMORY_TARGET_FLOOR:
        module.fail_json(msg='osd_memory_target %d is below the 896 MiB (%d bytes) Ceph accepts'
                         % (params['osd_memory_target'], MEMORY_TARGET_FLOOR))
    if not 0 < params['memory_ram_fraction'] <= 1:
        module.fail_json(msg='memory_ram_fraction must be in (0, 1], got %s: it is the share of the host RAM '
                         'all OSDs may use together' % params['memory_ram_fraction'])


def main():
    module = AnsibleModule(
        argument_spec=dict(
            partitions=dict(type='list', elements='path', default=[]),
            discover=dict(type='bool', default=False),
            partition_type=dict(type='str', default='4FBD7E29-9D25-41B8-AFD0-062C0CEFF05D'),
            crush_device_class=dict(type='str'),
            dmcrypt=dict(type='bool', default=False),
            allow_foreign_signatures=dict(type='bool', default=False),
            replace_destroyed=dict(type='bool', default=False),
            manage_memory_target=dict(type='bool', default=True),
            osd_memory_target=dict(type='int'),
            memory_ram_fraction=dict(type='float', default=0.5),
            host=dict(type='str'),
        ),
        supports_check_mode=True,
    )
    params = dict(module.params)
    _check_params(module, params)
    params['crush_host'] = params['host'] or socket.gethostname().split('.')[0]
    params['memory_section'] = 'osd/host:%s' % params['crush_host']
    runner = CommandRunner(module)
    diff = DiffTracker()
    plan, created, target = [], [], None
    try:
        existing, plan = _plan(runner, params)
        # A replaced partition holds no OSD yet; its osd_id is the lost id it will reuse, not its state.
        diff.add('osds', before=dict((p['path'], p['osd_id'] if p['action'] == 'keep' else None) for p in plan),
                 after=dict((p['path'], p['osd_id'] if p['action'] == 'keep' else 'new') for p in plan))
        target, current = _memory_plan(module, runner, params,
                                       len(existing) + sum(1 for p in plan if p['action'] != 'keep'))
        if target is not None:
            diff.add('osd_memory_target', before=int(current) if current else None, after=target)
        created = _apply(runner, params, plan, target, current)
        if created:
            diff.set_after('osds', dict((p['path'], p['osd_id']) for p in plan))
    except (CephError, CommandError) as exc:
        module.fail_json(msg=str(exc), commands=runner.commands, osds=plan, created=created)
    result = dict(changed=diff.changed, osds=plan, created=created, osd_memory_target=target,
                  commands=runner.commands, msg=_summary(plan, created))
    if module._diff:
        result['diff'] = diff.diff()
    module.exit_json(**result)


if __name__ == '__main__':
    main()
