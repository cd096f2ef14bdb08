"""What the PVE API twin answers, built from a snapshot of a real Ceph node.

A snapshot is a directory of outputs captured on a Ceph node (see README.md):
``status.json`` (ceph status), ``osd_tree.json`` (ceph osd tree), ``osd_dump.json``
(ceph osd dump), ``lvm_list.json`` (ceph-volume lvm list), ``lsblk.json``,
``byid.txt`` and ``hostname``, all ``--format json`` where the tool has it.

The response shapes follow pve-manager (PVE/API2/Ceph/OSD.pm, PVE/API2/Cluster.pm)
and pve-storage (PVE/Diskmanage.pm): see docs/ceph.md for what is modelled and what not.
"""

import json
import os


def load_snapshot(directory):
    def read(name, default=None):
        path = os.path.join(directory, name)
        if not os.path.exists(path):
            return default
        with open(path) as handle:
            return handle.read()

    snap = {}
    for key in ('status', 'osd_tree', 'osd_dump', 'lvm_list', 'lsblk'):
        text = read(key + '.json')
        snap[key] = json.loads(text) if text and text.strip() else {}
    snap['hostname'] = (read('hostname', '') or '').strip()
    links = {}
    for line in (read('byid.txt', '') or '').splitlines():
        parts = line.split()
        if len(parts) == 2:
            # PVE reports the first by-id link of a disk; keep the shortest (no -partN) per target.
            link, target = parts
            if target not in links or len(link) < len(links[target]):
                links[target] = link
    snap['byid'] = links
    return snap


def cluster_status(node, quorate=True, extra_nodes=(), cluster_name='isplab'):
    """/cluster/status: one cluster entry plus one entry per node (PVE::API2::ClusterConfig / Cluster.pm)."""
    nodes = [{'name': node, 'online': 1, 'local': 1, 'ip': '10.0.2.15'}]
    for index, extra in enumerate(extra_nodes):
        nodes.append({'name': extra['name'], 'online': 1 if extra.get('online') else 0, 'local': 0,
                      'ip': '10.0.2.%d' % (16 + index)})
    result = [{'type': 'cluster', 'id': 'cluster', 'name': cluster_name, 'nodes': len(nodes),
               'quorate': 1 if quorate else 0, 'version': len(nodes) + 1}]
    for nodeid, entry in enumerate(nodes, start=1):
        result.append({'type': 'node', 'id': 'node/%s' % entry['name'], 'name': entry['name'],
                       'nodeid': nodeid, 'ip': entry['ip'], 'online': entry['online'],
                       'local': entry['local'], 'level': ''})
    return result


def standalone_status(node):
    """/cluster/status of a node that never joined a cluster: one node entry, no cluster entry
    (PVE/API2/Cluster.pm get_status fakes the local node's entry when corosync has no nodes)."""
    return [{'type': 'node', 'id': 'node/%s' % node, 'name': node, 'nodeid': 0, 'ip': '10.0.2.15',
             'online': 1, 'local': 1, 'level': ''}]


def osd_index(snap):
    """The GET /nodes/{node}/ceph/osd tree, built the way PVE::API2::Ceph::OSD->index builds it."""
    tree = snap['osd_tree'].get('nodes') or []
    in_state = dict((o['osd'], o.get('in')) for o in snap['osd_dump'].get('osds') or [])
    nodes = dict((e['id'], e) for e in tree)
    new = {}
    for entry in tree:
        item = {'id': entry['id'], 'name': entry['name'], 'type': entry['type']}
        for opt in ('status', 'crush_weight', 'reweight', 'device_class'):
            if opt in entry:
                item[opt] = entry[opt]
        if entry['id'] in in_state and entry['type'] == 'osd':
            item['in'] = in_state[entry['id']]
        if entry['type'] == 'osd':
            item['osdtype'] = 'bluestore'
        new[entry['id']] = item
    parents = {}
    for entry in tree:
        item = new[entry['id']]
        children = entry.get('children') or []
        if children:
            item['children'] = []
            item['leaf'] = 0
            for cid in children:
                parents[cid] = entry['id']
                if nodes[cid]['type'] == 'osd' and entry['type'] == 'host':
                    new[cid]['host'] = entry['name']
                item['children'].append(new[cid])
        else:
            item['leaf'] = 1 if entry['id'] >= 0 else 0
    roots = [new[e['id']] for e in tree if e['id'] not in parents]
    data = {'root': {'leaf': 0, 'children': roots}}
    flags = snap['osd_dump'].get('flags')
    if flags:
        data['flags'] = flags
    return data


def _ceph_volumes(snap):
    """PV device -> PVE's ceph-volume info (osdid as a string, like Perl renders a tag value)."""
    infos = {}
    for osd_id, volumes in (snap['lvm_list'] or {}).items():
        for volume in volumes:
            if volume.get('type') != 'block':
                continue
            tags = volume.get('tags') or {}
            for device in volume.get('devices') or []:
                info = infos.setdefault(device, {'osdid-list': []})
                info['osdid'] = str(osd_id)
                info['osdid-list'].append(str(osd_id))
                info['bluestore'] = 1
                info['encrypted'] = 1 if tags.get('ceph.encrypted') == '1' else 0
    return infos


_PARTTYPE_USAGE = {
    '21686148-6449-6e6f-744e-656564454649': 'BIOS boot',
    'c12a7328-f81f-11d2-ba4b-00a0c93ec93b': 'EFI',
}


def disks_list(snap, include_partitions=False):
    """GET /nodes/{node}/disks/list, following PVE::Diskmanage::get_disks (no SMART data)."""
    devices = (snap['lsblk'] or {}).get('blockdevices') or []
    volumes = _ceph_volumes(snap)
    pvs = set(volumes)
    pvs.update(d['pkname'] for d in devices if d.get('type') == 'lvm' and d.get('pkname'))
    result = []
    for disk in devices:
        if disk.get('type') != 'disk':
            continue
        devpath = disk['name']
        parts = [d for d in devices if d.get('type') == 'part' and d.get('pkname') == devpath]
        entry = {
            'devpath': devpath, 'size': int(disk.get('size') or 0),
            'model': disk.get('model'), 'serial': disk.get('serial'), 'vendor': disk.get('vendor'),
            'wwn': disk.get('wwn') or 'unknown', 'gpt': 1 if disk.get('pttype') == 'gpt' else 0,
            'rpm': -1, 'type': 'ssd' if str(disk.get('rota')) in ('0', 'False', 'false') else 'unknown',
            'health': 'UNKNOWN', 'wearout': 'N/A',
        }
        if devpath in snap['byid']:
            entry['by_id_link'] = snap['byid'][devpath]
        osdid, osdid_list, bluestore, encrypted = -1, None, 0, 0
        partitions = []
        for part in parts:
            ppath = part['name']
            pinfo = {'devpath': ppath, 'parent': devpath, 'gpt': entry['gpt'], 'type': 'partition',
                     'size': int(part.get('size') or 0), 'osdid': -1, 'osdid-list': None}
            usage = ('LVM' if ppath in pvs else _PARTTYPE_USAGE.get((part.get('parttype') or '').lower())
                     or part.get('fstype'))
            if usage:
                pinfo['used'] = usage
            volume = volumes.get(ppath)
            if volume:
                pinfo.update(osdid=volume['osdid'], bluestore=1, encrypted=volume['encrypted'])
                pinfo['osdid-list'] = volume['osdid-list']
                osdid, osdid_list = volume['osdid'], volume['osdid-list']
                bluestore, encrypted = 1, volume['encrypted']
            partitions.append(pinfo)
        used = 'LVM' if devpath in pvs else disk.get('fstype')
        if parts and (include_partitions or not used):
            used = 'partitions' if include_partitions else (used or next(
                (p['used'] for p in partitions if p.get('used')), 'partitions'))
        if used:
            entry['used'] = used
        entry['osdid'] = osdid
        entry['osdid-list'] = osdid_list
        if osdid != -1:
            entry['bluestore'] = bluestore
            entry['osdencrypted'] = encrypted
        result.append(entry)
        if include_partitions:
            result.extend(partitions)
    return result
