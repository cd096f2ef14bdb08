#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: ceph_osd_verify
short_description: Check on the node that its partitions hold OSDs that are up and in
description:
  - Reads C(ceph-volume lvm list --format json) (only when O(partitions) is given) and C(ceph osd dump --format json)
    on the node and reports every check with the ones that failed.
  - "Checks: C(osds_on_partitions) (every declared partition holds an OSD) and C(osds_up_in) (the OSDs on those
    partitions and the ones in O(osd_ids) are up and in)."
  - The C(isplab.infra.ceph_osd) role polls it with O(osd_ids) to wait for new OSDs, and runs it as its verifier
    when no PVE API token is configured (M(isplab.infra.pve_verify) checks more, quorum included, through the API).
  - Changes nothing.
version_added: 0.1.0
author: isplab.infra contributors (@isplab)
options:
  partitions:
    description: Partitions that must each hold an OSD, preferably C(/dev/disk/by-id/...-partN) paths.
    type: list
    elements: path
    default: []
  osd_ids:
    description: Further OSD ids that must be up and in (the ones M(isplab.infra.ceph_osd) returned as C(created)).
    type: list
    elements: int
    default: []
extends_documentation_fragment:
  - isplab.infra.attributes.verifier
attributes:
  platform:
    support: full
    platforms: debian
    description: A Ceph node with C(ceph-volume) and C(ceph) and an admin keyring, as root.
seealso:
  - module: isplab.infra.ceph_osd
  - module: isplab.infra.pve_verify
'''

EXAMPLES = r'''
- name: Check both OSD partitions of the node
  isplab.infra.ceph_osd_verify:
    partitions:
      - /dev/disk/by-id/ata-SAMSUNG_MZ7LH960_S45NNA0R123456-part4
      - /dev/disk/by-id/ata-SAMSUNG_MZ7LH960_S45NNA0R654321-part4

- name: Wait until the OSDs created by ceph_osd are up and in
  isplab.infra.ceph_osd_verify:
    osd_ids: "{{ created.created }}"
    fail_on_error: false
  register: osd_state
  until: osd_state.failed_checks | length == 0
  retries: 120
  delay: 5
'''

RETURN = r'''
osds:
  description: Every OSD looked at, with the declared partition (null for one given by id), C(up) and C(in).
  returned: always
  type: list
  elements: dict
  sample:
    - {osd_id: 1, path: /dev/disk/by-id/virtio-disk2-part4, up: false, in: true}
checks:
  description: C(osds_on_partitions) (when O(partitions) is set) and C(osds_up_in), each with C(ok) and the C(problem).
  returned: always
  type: list
  elements: dict
  sample:
    - {check: osds_up_in, ok: false, problem: osd.1 is down and in}
failed_checks:
  description: The entries of RV(checks) that are not C(ok); empty when the OSDs are in place.
  returned: always
  type: list
  elements: dict
msg:
  description: V(all 2 checks passed), or how many failed and why.
  returned: always
  type: str
commands:
  description: Commands run.
  returned: always
  type: list
  elements: str
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.isplab.infra.plugins.module_utils.ceph_osd.ceph import (
    CephError, parse_lvm_list, parse_osd_dump, resolve_paths)
from ansible_collections.isplab.infra.plugins.module_utils.ceph_osd.osd_checks import check_osds
from ansible_collections.isplab.infra.plugins.module_utils.common.runner import CommandError, CommandRunner


def main():
    module = AnsibleModule(
        argument_spec=dict(
            partitions=dict(type='list', elements='path', default=[]),
            osd_ids=dict(type='list', elements='int', default=[]),
            fail_on_error=dict(type='bool', default=True),
        ),
        supports_check_mode=True,
    )
    params = module.params
    runner = CommandRunner(module)
    try:
        existing = {}
        if params['partitions']:
            existing = parse_lvm_list(runner.run(['ceph-volume', 'lvm', 'list', '--format', 'json']).stdout)
        states = parse_osd_dump(runner.run(['ceph', 'osd', 'dump', '--format', 'json']).stdout)
    except (CephError, CommandError) as exc:
        module.fail_json(msg=str(exc), commands=runner.commands)
    resolved = resolve_paths(params['partitions'])
    checks, osds = check_osds(params['partitions'], resolved, existing, states, params['osd_ids'])
    checks.exit(module, fail_on_error=params['fail_on_error'], changed=False, osds=osds, commands=runner.commands)


if __name__ == '__main__':
    main()
