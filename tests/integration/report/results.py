"""Verifier results for the report test, built from output captured on real systems (tests/unit/fixtures)
by the same parsers and CheckList the verifier modules use, so the shapes are the modules' RETURN shapes.

pve-broken is the deliberately broken host: its md array runs degraded (`mdadm --detail` captured with
one member removed, fixtures/mdraid/detail_degraded.txt), so md_members_active fails.
Synthesized (said where): the partition table types (the verifier's partition_types come from one
sfdisk --json per disk; the GUIDs are the upstream type GUIDs) and the bridge capture set (the frames a
classic-mode bridge floods, per field notes section 2; the cell verdicts are matrix.cells' own).
"""

import json
import os

from ansible_collections.isplab.infra.plugins.module_utils.cifs_mount import verifier as cifs_verifier
from ansible_collections.isplab.infra.plugins.module_utils.common.checks import CheckList
from ansible_collections.isplab.infra.plugins.module_utils.flow_collector import nfdump
from ansible_collections.isplab.infra.plugins.module_utils.l2_bridge import matrix
from ansible_collections.isplab.infra.plugins.module_utils.root_raid1 import gpt, mdraid

FIXTURES = os.path.join(os.path.dirname(__file__), '..', '..', 'unit', 'fixtures')


def _read(*parts):
    with open(os.path.join(FIXTURES, *parts)) as fh:
        return fh.read()


def _result(checks, **facts):
    facts.update(changed=False, checks=checks.results, failed_checks=checks.failed, msg=checks.summary(),
                 invocation={'module_args': {'api_token_secret': 'must-not-leak'}})
    return facts


def raid_result(detail_fixture, disks):
    md = mdraid.parse_detail(_read('mdraid', detail_fixture))
    pvs = json.loads(_read('lvm', 'pvs_on_md.json'))['report'][0]['pv']
    checks = CheckList()
    checks.expect('md_running', True, '')
    checks.expect('md_level_raid1', md['level'] == 'raid1', 'level is %s, not raid1' % md['level'])
    active = set(m['device'] for m in md['members'] if 'active' in m['state'] and 'sync' in m['state'])
    missing = sorted(set(d + '3' for d in disks) - active)
    checks.expect('md_members_active', not missing, 'not active in /dev/md0: %s' % ', '.join(missing),
                  active=sorted(active), state=md['state'])
    checks.expect('lvm_vg_on_md', True, '')
    types = {1: gpt.BIOS_BOOT, 2: gpt.EFI_SYSTEM, 3: gpt.LINUX_RAID, 4: gpt.CEPH_OSD}
    return _result(checks, md=md, sync=None, pvs=pvs, firmware='bios',
                   partition_types=dict((d, dict(types)) for d in disks))


def ceph_result(fixture):
    tree = json.loads(_read('pve', fixture))['data']['root']
    leaves, todo = [], [tree]
    while todo:
        node = todo.pop()
        todo.extend(node.get('children', []))
        if node.get('type') == 'osd':
            leaves.append({'osd_id': node['id'], 'path': None, 'up': node['status'] == 'up', 'in': bool(node['in'])})
    leaves.sort(key=lambda o: o['osd_id'])
    checks = CheckList()
    bad = ['osd.%d is %s' % (o['osd_id'], 'down' if not o['up'] else 'out') for o in leaves if not (o['up'] and o['in'])]
    checks.expect('osds_up_in', not bad, '; '.join(bad))
    return _result(checks, osds=leaves)


def cifs_result():
    declared = {'path': '/mnt/lab', 'server': '127.0.0.1', 'share': 'labshare', 'version': '3.1.1',
                'echo_interval': 60, 'uid': 0, 'gid': 0, 'file_mode': '0644', 'dir_mode': '0755',
                'hard': False, 'automount': False}
    checks = CheckList()
    mounts = cifs_verifier.verify([declared], _read('cifs', 'proc_mounts_one_share.txt'),
                                  _read('cifs', 'debugdata_one_share.txt'), {'multiplier': 3}, checks)
    return _result(checks, mounts=mounts, kernel={'release': '6.1.0-27-amd64', 'multiplier': 3})


def bridge_result():
    names = ['uplink1', 'link1', 'link2', 'link3', 'uplink2']
    ports = [{'name': n, 'role': 'uplink' if n.startswith('uplink') else 'link'} for n in names]
    targets = [{'name': n, 'kind': 'port'} for n in names] + [{'name': '.20', 'kind': 'unknown_mac'}]
    seen = set()
    for src in names:
        for tgt in targets:
            if tgt['name'] == src:
                continue
            # classic mode: learned port targets reach source and target; an unknown MAC floods everywhere
            reach = names if tgt['kind'] == 'unknown_mac' else [src, tgt['name']]
            seen.update((src, tgt['name'], cap) for cap in reach)
    cells = matrix.cells(ports, targets, seen)
    unwanted = [c for c in cells if c['verdict'] == 'unwanted']
    checks = CheckList()
    checks.expect('matrix_no_unwanted', True, '')
    return _result(checks, cells=cells, summary=matrix.summary(cells), unwanted=unwanted, mode='classic')


def flow_result():
    flows = nfdump.parse_json(_read('nfdump', 'two_templates.json'))
    series = nfdump.bit_rates(nfdump.slot_series(flows, 300), 300)
    checks = CheckList()
    checks.expect('counters_exact', True, '')
    return _result(checks, series=series)


CAPABILITIES = [
    {'name': 'root_raid1', 'groups': ['pve_nodes'], 'role': 'root_raid1'},
    {'name': 'ceph_osd', 'groups': ['pve_nodes'], 'role': 'ceph_osd'},
    {'name': 'l2_bridge', 'groups': ['linux_bridge_hosts'], 'role': 'l2_bridge'},
    {'name': 'flow_collector', 'groups': ['flow_collectors'], 'role': 'flow_collector'},
    {'name': 'cifs_mount', 'groups': ['cifs_clients'], 'role': 'cifs_mount'},
]
GROUPS = {'pve_nodes': ['pve-ok', 'pve-broken'], 'linux_bridge_hosts': ['bridge1'],
          'flow_collectors': ['collector1'], 'cifs_clients': ['monitor1']}


def hostvars():
    return {
        'pve-ok': {'root_raid1_verify_result': raid_result('detail_clean.txt', ['/dev/vdb', '/dev/vdc']),
                   'ceph_osd_verify_result': ceph_result('ceph_osd.json')},
        'pve-broken': {'root_raid1_verify_result': raid_result('detail_degraded.txt', ['/dev/vdb', '/dev/vdc']),
                       'ceph_osd_verify_result': ceph_result('ceph_osd_osd1_down.json')},
        'bridge1': {'l2_bridge_verify_result': bridge_result()},
        'collector1': {'flow_collector_verify_result': flow_result()},
        'monitor1': {'cifs_mount_verify_result': cifs_result()},
    }
