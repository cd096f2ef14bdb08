#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: pve_verify
short_description: Verify a Proxmox VE node and its Ceph cluster through the PVE API
description:
  - Reads the PVE API with proxmoxer and an API token, the way an operator looks at a node, and reports
    every check with the ones that failed.
  - "Checks: C(cluster_quorum) and C(node_membership) (C(/cluster/status)); C(ceph_health),
    C(ceph_osds_up_in) and C(ceph_pgs_active_clean) (C(/nodes/{node}/ceph/status) or C(/cluster/ceph/status));
    C(ceph_host_osds_up_in) (every host's OSDs in C(/nodes/{node}/ceph/osd)); C(node_osd_count) (the OSDs the node
    should have); C(node_disks_present) and C(node_osds_on_disks) (C(/nodes/{node}/disks/list))."
  - "The token needs C(Sys.Audit) on C(/) (C(Datastore.Audit) suffices for the Ceph answers): tokens are
    privilege-separated by default, so give it an ACL, e.g. C(pveum acl modify / --tokens 'root@pam!verify'
    --roles PVEAuditor --propagate 0), or let the C(ceph_osd) role do it (C(ceph_osd_api_token_enabled))."
  - "An answer other than 200 fails the checks that read it, with the reason: 403 names the missing privilege
    and path, 500 a node without Ceph or without an OSD tree, 595 a node the API node cannot reach."
  - Changes nothing.
version_added: 0.1.0
author: isplab.infra contributors (@isplab)
requirements:
  - proxmoxer >= 2.0
  - requests
options:
  api_host:
    description: Host name or address of the PVE API.
    type: str
    required: true
  api_port:
    description: Port of the PVE API.
    type: int
    default: 8006
  api_user:
    description: User owning the API token, with realm (V(root@pam)).
    type: str
    required: true
  api_token_id:
    description: Token id (the part after C(!)).
    type: str
    required: true
  api_token_secret:
    description: Token secret (a UUID). Never logged, never returned.
    type: str
    required: true
  validate_certs:
    description: Verify the API's TLS certificate. Turn off only for a lab with a throw-away certificate.
    type: bool
    default: true
  ca_path:
    description: CA bundle to verify the API certificate against (the node's C(/etc/pve/pve-root-ca.pem)).
    type: path
  timeout:
    description: Seconds to wait for each API answer.
    type: int
    default: 10
  node:
    description: The PVE node name to verify.
    type: str
    required: true
  ceph_status_source:
    description: Read Ceph's status through the node (C(/nodes/{node}/ceph/status)) or the cluster (C(/cluster/ceph/status)).
    type: str
    choices: [node, cluster]
    default: node
  expect_cluster:
    description: The node must be part of a quorate cluster; false accepts a standalone node.
    type: bool
    default: true
  accepted_ceph_health:
    description: Ceph health states that pass.
    type: list
    elements: str
    default: [HEALTH_OK]
  expected_osd_count:
    description: Number of OSDs the node must have in the CRUSH map; unchecked when omitted.
    type: int
  expected_disks:
    description: Disks the node must list, as device paths or C(/dev/disk/by-id) links.
    type: list
    elements: str
    default: []
  fail_on_error:
    description:
      - Fail the task when a check fails (the result always lists every check).
      - An unreachable API, a TLS failure or a refused token (401) is the failed check C(api_access).
    type: bool
    default: true
extends_documentation_fragment:
  - isplab.infra.attributes.verifier
attributes:
  platform:
    support: full
    platforms: all
    description: Runs wherever proxmoxer is installed, usually the controller (C(delegate_to) localhost).
'''

EXAMPLES = r'''
- name: Verify pve1 and its Ceph OSDs through the API
  isplab.infra.pve_verify:
    api_host: pve1.example.net
    api_user: root@pam
    api_token_id: verify
    api_token_secret: "{{ vault_pve_verify_token }}"
    ca_path: files/pve-root-ca.pem
    node: pve1
    expected_osd_count: 2
    expected_disks:
      - /dev/disk/by-id/ata-SAMSUNG_MZ7LH960_S45NNA0R123456
  delegate_to: localhost
'''

RETURN = r'''
checks:
  description: Every check with C(ok) and, when it failed, C(problem).
  returned: always
  type: list
  elements: dict
failed_checks:
  description: The checks that failed.
  returned: always
  type: list
  elements: dict
msg:
  description: Summary of the checks.
  returned: always
  type: str
pve:
  description: "What was read: C(cluster) (name, quorate, nodes), C(ceph) (health, OSD and PG counters),
    C(node_osds), C(hosts), C(disks); only the parts whose answer came (200)."
  returned: when the API answered
  type: dict
commands:
  description: The API paths read (GET).
  returned: always
  type: list
  elements: str
'''

import traceback

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible_collections.isplab.infra.plugins.module_utils.ceph_osd.pve import api_problem, evaluate

try:
    from proxmoxer import ProxmoxAPI
    from proxmoxer.core import ResourceException
    import requests
    HAS_PROXMOXER = True
    PROXMOXER_IMPORT_ERROR = None
except ImportError:
    HAS_PROXMOXER = False
    PROXMOXER_IMPORT_ERROR = traceback.format_exc()


class ApiError(Exception):
    """No answer at all (unreachable, TLS, refused token): nothing can be checked."""


class EndpointError(Exception):
    """One GET answered with an error status; the other answers can still be checked."""

    def __init__(self, request, status, reason):
        super(EndpointError, self).__init__('%s: %d %s' % (request, status, reason))
        self.request, self.status, self.reason = request, status, reason


class PveReader:
    """GETs through proxmoxer, recording each path; errors become ``ApiError`` without the secret."""

    def __init__(self, module):
        params = module.params
        self.module = module
        self.secret = params['api_token_secret']
        self.where = 'https://%s:%d' % (params['api_host'], params['api_port'])
        verify = params['ca_path'] if (params['validate_certs'] and params['ca_path']) else params['validate_certs']
        self.api = ProxmoxAPI(params['api_host'], port=params['api_port'], user=params['api_user'],
                              token_name=params['api_token_id'], token_value=self.secret,
                              verify_ssl=verify, timeout=params['timeout'], service='PVE')
        self.identity = '%s!%s' % (params['api_user'], params['api_token_id'])
        self.paths = []

    def _clean(self, text):
        return str(text).replace(self.secret, '********') if self.secret else str(text)

    def get(self, path, **query):
        request = 'GET /api2/json%s%s' % (path, ''.join(
            '%s%s=%s' % ('?' if i == 0 else '&', k, v) for i, (k, v) in enumerate(sorted(query.items()))))
        self.paths.append(request)
        try:
            return self.api(path.lstrip('/')).get(**query)
        except ResourceException as exc:
            if exc.status_code == 401:
                raise ApiError('PVE API at %s refused token %s (401 %s): check api_user, api_token_id and '
                               'api_token_secret' % (self.where, self.identity, self._clean(exc.content)))
            # 403, 500, 595...: this answer is missing, the others may still come (see pve.api_problem).
            raise EndpointError(request, exc.status_code, self._clean(exc.content))
        except requests.exceptions.SSLError as exc:
            raise ApiError('PVE API at %s: TLS verification failed (%s): pass ca_path with the node\'s CA, '
                           'or validate_certs=false for a throw-away lab certificate'
                           % (self.where, self._clean(exc)))
        except requests.exceptions.Timeout:
            raise ApiError('PVE API at %s: no answer to GET %s within %d s (timeout)'
                           % (self.where, path, self.module.params['timeout']))
        except requests.exceptions.RequestException as exc:
            raise ApiError('PVE API at %s: GET %s failed: %s' % (self.where, path, self._clean(exc)))


def _read(reader, node, ceph_status_source):
    """The four API answers ``evaluate`` needs, and the messages of those that were refused."""
    requests_ = {
        'cluster_status': ('/cluster/status', {}),
        'ceph_status': ('/nodes/%s/ceph/status' % node if ceph_status_source == 'node' else '/cluster/ceph/status',
                        {}),
        'osd_tree': ('/nodes/%s/ceph/osd' % node, {}),
        'disks': ('/nodes/%s/disks/list' % node, {'include-partitions': 1}),
    }
    data, errors = {}, {}
    for key in ('cluster_status', 'ceph_status', 'osd_tree', 'disks'):
        path, query = requests_[key]
        try:
            data[key] = reader.get(path, **query)
        except EndpointError as exc:
            errors[key] = api_problem(key, exc.request, exc.status, exc.reason, reader.identity, node)
    return data, errors


def main():
    module = AnsibleModule(
        argument_spec=dict(
            api_host=dict(type='str', required=True),
            api_port=dict(type='int', default=8006),
            api_user=dict(type='str', required=True),
            api_token_id=dict(type='str', required=True, no_log=False),
            api_token_secret=dict(type='str', required=True, no_log=True),
            validate_certs=dict(type='bool', default=True),
            ca_path=dict(type='path'),
            timeout=dict(type='int', default=10),
            node=dict(type='str', required=True),
            ceph_status_source=dict(type='str', choices=['node', 'cluster'], default='node'),
            expect_cluster=dict(type='bool', default=True),
            accepted_ceph_health=dict(type='list', elements='str', default=['HEALTH_OK']),
            expected_osd_count=dict(type='int'),
            expected_disks=dict(type='list', elements='str', default=[]),
            fail_on_error=dict(type='bool', default=True),
        ),
        supports_check_mode=True,
    )
    if not HAS_PROXMOXER:
        module.fail_json(msg=missing_required_lib('proxmoxer'), exception=PROXMOXER_IMPORT_ERROR)
    params = module.params
    if params['timeout'] < 1:
        module.fail_json(msg='timeout must be at least 1 second, got %d' % params['timeout'])
    reader = PveReader(module)
    try:
        data, errors = _read(reader, params['node'], params['ceph_status_source'])
    except ApiError as exc:
        # An unreachable API or a refused token is a failed check like any other: fail_on_error decides.
        problem = {'check': 'api_access', 'ok': False, 'problem': str(exc)}
        (module.fail_json if params['fail_on_error'] else module.exit_json)(
            msg=str(exc), changed=False, commands=reader.paths, checks=[problem], failed_checks=[problem])
    checks, facts = evaluate(data, params['node'], expect_cluster=params['expect_cluster'],
                             accepted_health=params['accepted_ceph_health'],
                             expected_osd_count=params['expected_osd_count'],
                             expected_disks=params['expected_disks'], errors=errors)
    checks.exit(module, fail_on_error=params['fail_on_error'], changed=False, pve=facts, commands=reader.paths)


if __name__ == '__main__':
    main()
