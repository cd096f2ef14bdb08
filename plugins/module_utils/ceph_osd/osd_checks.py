# -*- coding: utf-8 -*-
# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Host-side checks of a node's OSDs (module ``ceph_osd_verify``), over parsed Ceph output."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.isplab.infra.plugins.module_utils.ceph_osd.ceph import osd_by_device
from ansible_collections.isplab.infra.plugins.module_utils.common.checks import CheckList


def check_osds(partitions, resolved, existing, states, osd_ids=()):
    """Check that every declared partition holds an OSD and that those OSDs and ``osd_ids`` are up and in.

    ``resolved``: declared path -> kernel path (None when missing); ``existing``: ``parse_lvm_list``;
    ``states``: ``parse_osd_dump``. Returns ``(CheckList, osds)``, ``osds`` listing every OSD looked at
    with ``osd_id``, ``path`` (None for one given by id), ``up`` and ``in``.
    """
    checks = CheckList()
    by_device = osd_by_device(existing)
    wanted = []
    missing = []
    for path in partitions:
        device = resolved.get(path)
        if device in by_device:
            wanted.append((by_device[device], path))
        else:
            missing.append('%s (%s) holds no OSD' % (path, device) if device else '%s does not exist' % path)
    if partitions:
        checks.expect('osds_on_partitions', not missing, '; '.join(missing))
    known = set(osd_id for osd_id, _path in wanted)
    wanted += [(osd_id, None) for osd_id in sorted(set(osd_ids) - known)]

    osds = []
    bad = []
    for osd_id, path in wanted:
        state = states.get(osd_id)
        if state is None:
            bad.append('osd.%d is not in the OSD map' % osd_id)
            osds.append({'osd_id': osd_id, 'path': path, 'up': False, 'in': False})
            continue
        osds.append({'osd_id': osd_id, 'path': path, 'up': state['up'], 'in': state['in']})
        if not (state['up'] and state['in']):
            bad.append('osd.%d is %s and %s' % (osd_id, 'up' if state['up'] else 'down',
                                                'in' if state['in'] else 'out'))
    checks.expect('osds_up_in', not bad, '; '.join(bad))
    return checks, osds
