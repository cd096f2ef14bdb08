# -*- coding: utf-8 -*-
# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""OSDs whose disk is gone, and reusing their ids for the OSDs planned on a replacement disk.

A dead disk takes its OSD's LVM volumes along: ``ceph-volume lvm list`` no longer shows the OSD, while the
cluster still has it down (and, after ``mon_osd_down_out_interval``, out) in this host's CRUSH bucket.
Creating the OSD of the new disk as usual would leave that id behind for good, so the module refuses
unless told what to do: with ``replace_destroyed`` the old id is destroyed (``ceph osd destroy``: the id
and its CRUSH place stay, its key goes) and the new OSD is created with ``--osd-id`` so it takes the same
place; without it the operator purges the old id first and the new disk gets a new one.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.isplab.infra.plugins.module_utils.ceph_osd.ceph import CephError
from ansible_collections.isplab.infra.plugins.module_utils.common import blockdev

OSD_TREE = ['ceph', 'osd', 'tree', '--format', 'json']

ERR_LOST = ('osd.{id} of host {host} is {status} and no partition of this node holds it (its disk is gone); '
            'set replace_destroyed=true (role: ceph_osd_replace_destroyed) to destroy it '
            '(ceph osd destroy {id} --yes-i-really-mean-it) and recreate it on {device} with the same id, '
            'or purge it first (ceph osd purge {id} --yes-i-really-mean-it) so that {device} gets a new id')


def lost_osds(tree_text, host, existing):
    """``[(id, status)]`` of the OSDs in ``host``'s CRUSH bucket that are down or destroyed and that no
    local ``ceph-volume`` volume holds (``existing``: parse_lvm_list); a merely stopped OSD keeps its
    volumes and is not lost."""
    nodes = (blockdev.load_json(tree_text, 'ceph osd tree', CephError) or {}).get('nodes') or []
    by_id = dict((node.get('id'), node) for node in nodes)
    lost = []
    for bucket in nodes:
        if bucket.get('type') != 'host' or bucket.get('name') != host:
            continue
        for child in sorted(bucket.get('children') or []):
            node = by_id.get(child) or {}
            if node.get('type') == 'osd' and node.get('status') in ('down', 'destroyed') and child not in existing:
                lost.append((child, node['status']))
    return lost


def assign(plan, lost, host, allow):
    """Give the partitions ``plan`` would create an OSD on the lost ids, in order (``action`` becomes
    ``replace`` or ``zap_replace``, ``replaces`` the id's status); refuse without ``allow``."""
    new = [item for item in plan if item['action'] in ('create', 'zap_create')]
    pairs = list(zip(lost, new))
    if pairs and not allow:
        raise CephError('; '.join(ERR_LOST.format(id=osd_id, host=host, status=status, device=item['device'])
                                  for (osd_id, status), item in pairs))
    for (osd_id, status), item in pairs:
        item['action'] = item['action'].replace('create', 'replace')
        item['osd_id'], item['replaces'] = osd_id, status
    return plan


def replace_commands(item, create_argv):
    """destroy (unless a crashed earlier run did), zap when needed, create with the old id, mark it in
    (a destroyed id keeps its CRUSH place; an id that went out stays out until marked in)."""
    osd_id = str(item['osd_id'])
    argv = []
    if item['replaces'] != 'destroyed':
        argv.append(['ceph', 'osd', 'destroy', osd_id, '--yes-i-really-mean-it'])
    if item['action'] == 'zap_replace':
        argv.append(['ceph-volume', 'lvm', 'zap', item['device']])
    return argv + [create_argv + ['--osd-id', osd_id], ['ceph', 'osd', 'in', osd_id]]
