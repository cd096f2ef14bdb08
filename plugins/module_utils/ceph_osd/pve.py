# -*- coding: utf-8 -*-
# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks on Proxmox VE API responses (module ``pve_verify``).

``evaluate`` is a pure function over the ``data`` members of the API answers,
so unit tests feed the response shapes of the published PVE API.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.isplab.infra.plugins.module_utils.common.checks import CheckList


def cluster_facts(cluster_status, node):
    """/cluster/status -> {'cluster': name or None, 'quorate': bool or None, 'nodes': {...}, 'node_online'}."""
    cluster = None
    quorate = None
    nodes = {}
    for entry in cluster_status or []:
        if entry.get('type') == 'cluster':
            cluster = entry.get('name')
            quorate = bool(entry.get('quorate'))
        elif entry.get('type') == 'node':
            nodes[entry.get('name')] = bool(entry.get('online'))
    return {'cluster': cluster, 'quorate': quorate, 'nodes': nodes, 'node_online': nodes.get(node)}


def _osdmap(ceph_status):
    osdmap = ceph_status.get('osdmap') or {}
    # Luminous/Nautilus nest the counters one level deeper.
    return osdmap.get('osdmap', osdmap)


def ceph_facts(ceph_status):
    """Ceph status (as /nodes/{node}/ceph/status returns it) -> health, OSD and PG counters."""
    health = ceph_status.get('health') or {}
    osdmap = _osdmap(ceph_status)
    pgmap = ceph_status.get('pgmap') or {}
    return {
        'health': health.get('status'),
        'health_checks': dict((code, (check.get('summary') or {}).get('message', ''))
                              for code, check in sorted((health.get('checks') or {}).items())),
        'num_osds': osdmap.get('num_osds', 0),
        'num_up_osds': osdmap.get('num_up_osds', 0),
        'num_in_osds': osdmap.get('num_in_osds', 0),
        'num_pgs': pgmap.get('num_pgs', 0),
        'pgs_by_state': dict((s['state_name'], s['count']) for s in pgmap.get('pgs_by_state') or []),
    }


def osds_by_host(osd_tree):
    """/nodes/{node}/ceph/osd -> {host: [{'id', 'name', 'status', 'in', 'device_class'}]}."""
    hosts = {}

    def walk(node, host):
        if node.get('type') == 'host':
            host = node.get('name')
            hosts.setdefault(host, [])
        if node.get('type') == 'osd':
            hosts.setdefault(host, []).append({
                'id': node.get('id'), 'name': node.get('name'), 'status': node.get('status'),
                'in': bool(node.get('in')), 'device_class': node.get('device_class')})
        for child in node.get('children') or []:
            walk(child, host)

    walk((osd_tree or {}).get('root') or {}, None)
    for osds in hosts.values():
        osds.sort(key=lambda o: o['id'])
    return hosts


def _osd_ids(value):
    # PVE renders osdid as -1 (a number) or "3" (a string), osdid-list as null or ["3"].
    if value is None:
        return []
    if not isinstance(value, list):
        value = [value]
    return sorted(set(int(v) for v in value if int(v) >= 0))


def disk_facts(disks):
    """/nodes/{node}/disks/list?include-partitions=1 -> [{'devpath', 'by_id_link', 'used', 'parent', 'osds'}]."""
    result = []
    for disk in disks or []:
        result.append({
            'devpath': disk.get('devpath'),
            'by_id_link': disk.get('by_id_link'),
            'parent': disk.get('parent'),
            'used': disk.get('used'),
            'osds': sorted(set(_osd_ids(disk.get('osdid')) + _osd_ids(disk.get('osdid-list')))),
        })
    return result


def evaluate(data, node, expect_cluster=True, accepted_health=('HEALTH_OK',), expected_osd_count=None,
             expected_disks=None):
    """Run every check; ``data`` holds 'cluster_status', 'ceph_status', 'osd_tree' and 'disks'.

    Returns ``(CheckList, facts)``.
    """
    checks = CheckList()
    cluster = cluster_facts(data['cluster_status'], node)
    if cluster['cluster'] is None:
        checks.expect('cluster_quorum', not expect_cluster,
                      '/cluster/status has no cluster entry: %s is not part of a cluster' % node)
    else:
        checks.expect('cluster_quorum', cluster['quorate'],
                      'cluster %s is not quorate' % cluster['cluster'])
    checks.expect('node_membership', cluster['node_online'] is True,
                  ('node %s is not a member of the cluster' % node) if cluster['node_online'] is None
                  else ('node %s is a member but offline' % node))

    ceph = ceph_facts(data['ceph_status'])
    problems = ', '.join('%s: %s' % item for item in ceph['health_checks'].items())
    checks.expect('ceph_health', ceph['health'] in accepted_health,
                  'Ceph reports %s (%s), accepted: %s' % (ceph['health'], problems or 'no checks listed',
                                                          ', '.join(accepted_health)))
    checks.expect('ceph_osds_up_in',
                  ceph['num_osds'] == ceph['num_up_osds'] == ceph['num_in_osds'],
                  '%d OSDs, %d up, %d in' % (ceph['num_osds'], ceph['num_up_osds'], ceph['num_in_osds']))
    not_clean = dict((state, count) for state, count in ceph['pgs_by_state'].items() if state != 'active+clean')
    clean = ceph['pgs_by_state'].get('active+clean', 0)
    checks.expect('ceph_pgs_active_clean', not not_clean and clean == ceph['num_pgs'],
                  '%d of %d PGs active+clean; others: %s' % (
                      clean, ceph['num_pgs'], ', '.join('%s=%d' % i for i in sorted(not_clean.items())) or 'none'))

    hosts = osds_by_host(data['osd_tree'])
    bad = []
    for host in sorted(h for h in hosts if h):
        for osd in hosts[host]:
            if osd['status'] != 'up' or not osd['in']:
                bad.append('%s: %s %s/%s' % (host, osd['name'], osd['status'], 'in' if osd['in'] else 'out'))
    checks.expect('ceph_host_osds_up_in', not bad, '; '.join(bad))

    node_osds = hosts.get(node, [])
    if expected_osd_count is not None:
        checks.expect('node_osd_count', len(node_osds) == expected_osd_count,
                      'node %s has %d OSDs in the CRUSH map (%s), expected %d' % (
                          node, len(node_osds), ', '.join(o['name'] for o in node_osds) or 'none',
                          expected_osd_count))

    disks = disk_facts(data['disks'])
    if expected_disks:
        known = set(d['devpath'] for d in disks) | set(d['by_id_link'] for d in disks if d['by_id_link'])
        missing = [d for d in expected_disks if d not in known]
        checks.expect('node_disks_present', not missing,
                      'node %s does not list %s' % (node, ', '.join(missing)))
    on_disks = set(osd for d in disks for osd in d['osds'])
    unplaced = [o['name'] for o in node_osds if o['id'] not in on_disks]
    checks.expect('node_osds_on_disks', not unplaced,
                  'the disk list of %s shows no disk for %s' % (node, ', '.join(unplaced)))

    facts = {'cluster': cluster, 'ceph': ceph, 'node_osds': node_osds, 'hosts': sorted(h for h in hosts if h),
             'disks': disks}
    return checks, facts
