# -*- coding: utf-8 -*-
# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks on Proxmox VE API responses (module ``pve_verify``).

``evaluate`` is a pure function over the ``data`` members of the API answers,
so unit tests feed the response shapes of the published PVE API.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.isplab.infra.plugins.module_utils.common.checks import CheckList

# What each answer evaluate() reads needs, all checked on the ACL path '/' by the `permissions` blocks of
# pve-manager (PVE 7/8):
#   PVE/API2/Cluster.pm       GET /cluster/status              ['perm', '/', ['Sys.Audit']]
#   PVE/API2/Ceph.pm          GET /nodes/{node}/ceph/status    ['perm', '/', ['Sys.Audit', 'Datastore.Audit'], any => 1]
#   PVE/API2/Cluster/Ceph.pm  GET /cluster/ceph/status         ['perm', '/', ['Sys.Audit', 'Datastore.Audit'], any => 1]
#   PVE/API2/Ceph/OSD.pm      GET /nodes/{node}/ceph/osd       ['perm', '/', ['Sys.Audit', 'Datastore.Audit'], any => 1]
#   PVE/API2/Disks.pm         GET /nodes/{node}/disks/list     ['perm', '/', ['Sys.Audit']]
# The role PVEAuditor holds both privileges, so "PVEAuditor on / for the token" is the minimal grant
# (docs/ceph.md). A privilege-separated token (the default, privsep=1) has only what its own ACL grants,
# intersected with its user's rights: root@pam!verify without an ACL is refused (403).
REQUIRED_PRIVILEGES = {
    'cluster_status': ('/', ('Sys.Audit',)),
    'ceph_status': ('/', ('Sys.Audit', 'Datastore.Audit')),
    'osd_tree': ('/', ('Sys.Audit', 'Datastore.Audit')),
    'disks': ('/', ('Sys.Audit',)),
}
# The checks that read each answer, in the order evaluate() runs them.
CHECKS_OF = {
    'cluster_status': ('cluster_quorum', 'node_membership'),
    'ceph_status': ('ceph_health', 'ceph_osds_up_in', 'ceph_pgs_active_clean'),
    'osd_tree': ('ceph_host_osds_up_in', 'node_osd_count'),
    'disks': ('node_disks_present', 'node_osds_on_disks'),
}
# PVE::RPCEnvironment raise_perm_exc: "Permission check failed (PATH, PRIV|PRIV)" in the HTTP status line.
_PERM_RE = re.compile(r'Permission check failed \((?P<path>[^,]*), (?P<privs>[^)]*)\)')


def api_problem(key, request, status, reason, identity, node):
    """The verifier's message for an API answer other than 200 to ``request`` ('GET /...') for ``key``.

    ``reason`` is PVE's message (the HTTP status line, which proxmoxer puts in ``content``).
    """
    answer = '%s answered %d %s' % (request, status, reason)
    if status == 403:
        match = _PERM_RE.search(reason or '')
        path, privs = (match.group('path'), match.group('privs').split('|')) if match else REQUIRED_PRIVILEGES[key]
        return ('%s: token %s lacks %s on %s. A privilege-separated token has only what its own ACL grants: '
                'pveum acl modify %s --tokens \'%s\' --roles PVEAuditor (ceph_osd_api_token_enabled does it, '
                'docs/ceph.md)' % (answer, identity, ' or '.join(privs), path, path, identity))
    if status == 595:
        # pveproxy proxies /nodes/{node}/... to that node; AnyEvent::HTTP's 595 is "connection failed".
        return ('%s: node %s did not answer the API node\'s proxy; it is offline or its pveproxy is down '
                '(/cluster/status shows which nodes are online)' % (answer, node))
    if status == 500 and ('not initialized' in reason or 'not installed' in reason):
        # PVE::Ceph::Tools::check_ceph_inited / check_ceph_installed
        return ('%s: node %s has no Ceph set up: run pveceph install and pveceph init there, or do not '
                'verify Ceph on it' % (answer, node))
    if status == 500 and 'no tree nodes found' in reason:
        # PVE/API2/Ceph/OSD.pm index: `osd df tree` returned no nodes
        return '%s: Ceph on %s has no OSD tree yet (no OSDs or CRUSH buckets)' % (answer, node)
    return answer


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


def _cluster_checks(checks, status, node, expect_cluster):
    cluster = cluster_facts(status, node)
    if cluster['cluster'] is None:
        checks.expect('cluster_quorum', not expect_cluster,
                      '/cluster/status has no cluster entry: %s is a standalone node; set expect_cluster: false '
                      'if it is meant to be one' % node)
    else:
        checks.expect('cluster_quorum', cluster['quorate'],
                      'cluster %s is not quorate' % cluster['cluster'])
    checks.expect('node_membership', cluster['node_online'] is True,
                  ('node %s is not a member of the cluster' % node) if cluster['node_online'] is None
                  else ('node %s is a member but offline' % node))
    return cluster


def _ceph_checks(checks, status, accepted_health):
    ceph = ceph_facts(status)
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
    return ceph


def _osd_checks(checks, hosts, node, expected_osd_count):
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
    return node_osds


def _disk_checks(checks, disks, node, node_osds, expected_disks, osd_error):
    if expected_disks:
        known = set(d['devpath'] for d in disks) | set(d['by_id_link'] for d in disks if d['by_id_link'])
        missing = [d for d in expected_disks if d not in known]
        checks.expect('node_disks_present', not missing,
                      'node %s does not list %s' % (node, ', '.join(missing)))
    if osd_error:
        checks.expect('node_osds_on_disks', False, osd_error)
        return
    on_disks = set(osd for d in disks for osd in d['osds'])
    unplaced = [o['name'] for o in node_osds if o['id'] not in on_disks]
    checks.expect('node_osds_on_disks', not unplaced,
                  'the disk list of %s shows no disk for %s' % (node, ', '.join(unplaced)))


def _refused(checks, key, problem, skip=()):
    """Every check reading answer ``key`` fails with the reason that answer was refused."""
    for name in CHECKS_OF[key]:
        if name not in skip:
            checks.expect(name, False, problem)


def evaluate(data, node, expect_cluster=True, accepted_health=('HEALTH_OK',), expected_osd_count=None,
             expected_disks=None, errors=None):
    """Run every check; ``data`` holds 'cluster_status', 'ceph_status', 'osd_tree' and 'disks'.

    ``errors`` maps a key whose GET was not answered with 200 to its message (``api_problem``): the checks
    reading it fail with that message. Returns ``(CheckList, facts)``.
    """
    errors = errors or {}
    checks = CheckList()
    facts = {}
    if 'cluster_status' in errors:
        _refused(checks, 'cluster_status', errors['cluster_status'])
    else:
        facts['cluster'] = _cluster_checks(checks, data['cluster_status'], node, expect_cluster)
    if 'ceph_status' in errors:
        _refused(checks, 'ceph_status', errors['ceph_status'])
    else:
        facts['ceph'] = _ceph_checks(checks, data['ceph_status'], accepted_health)
    node_osds = []
    if 'osd_tree' in errors:
        _refused(checks, 'osd_tree', errors['osd_tree'], skip=() if expected_osd_count is not None
                 else ('node_osd_count',))
    else:
        hosts = osds_by_host(data['osd_tree'])
        node_osds = facts['node_osds'] = _osd_checks(checks, hosts, node, expected_osd_count)
        facts['hosts'] = sorted(h for h in hosts if h)
    if 'disks' in errors:
        _refused(checks, 'disks', errors['disks'], skip=() if expected_disks else ('node_disks_present',))
    else:
        facts['disks'] = disk_facts(data['disks'])
        _disk_checks(checks, facts['disks'], node, node_osds, expected_disks, errors.get('osd_tree'))
    return checks, facts
