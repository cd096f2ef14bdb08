#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: bridge_matrix
short_description: Prove a bridge's forwarding behaviour with a ping and capture matrix
description:
  - Every port pings every target (one target with a MAC nobody has, one without ARP entry) while
    every port is captured with C(tcpdump), then each (source, target, capture point) cell is
    classified as C(expected), C(discussable), C(unwanted) or C(absent) (colour rules in docs/bridges.md).
  - Fails when an unwanted cell appears and O(restrictive=true), or when a frame for a port target did
    not reach that port.
  - Ports are network namespaces on this host whose interface is connected to the bridge under test.
  - Read-only for the bridge; in check mode nothing is sent.
version_added: 0.1.0
author: isplab.infra contributors (@isplab)
options:
  ports:
    description: Test ports.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: Port label used in the cells (the field test uses the address's last octet).
        type: str
        required: true
      netns:
        description: Namespace of the port's host.
        type: str
        required: true
      interface:
        description: Interface inside O(ports[].netns).
        type: str
        required: true
      address:
        description: IPv4 address of the port's host.
        type: str
        required: true
      mac:
        description: MAC address of the port's host.
        type: str
        required: true
      role:
        description: Bridge port role.
        type: str
        required: true
        choices: [uplink, link]
  targets:
    description: Ping targets; C(port) targets are named like a port.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: Target label.
        type: str
        required: true
      address:
        description: IPv4 address pinged.
        type: str
        required: true
      kind:
        description: C(port), C(unknown_mac) (static ARP entry to a MAC nobody has) or C(no_arp).
        type: str
        required: true
        choices: [port, unknown_mac, no_arp]
  restrictive:
    description: What the bridge claims; unwanted cells fail the module only when true.
    type: bool
    required: true
  learn_broadcast:
    description: Before the probes, every link port pings this broadcast address once, so the bridge
      has learned every link MAC (as on a live network). Skipped when unset.
    type: str
attributes:
  check_mode:
    support: full
    description: Read-only for the bridge; in check mode no probe is sent.
  diff_mode:
    support: none
    description: Nothing changes.
  platform:
    platforms: linux
    support: full
    description: Linux, root, iproute2 with C(ip netns), tcpdump and iputils ping.
requirements:
  - tcpdump, iputils ping, iproute2 with C(ip netns)
'''

EXAMPLES = r'''
- name: Run the matrix on the namespace test bed
  isplab.infra.bridge_matrix:
    restrictive: true
    learn_broadcast: 10.99.0.255
    ports:
      - {name: "10", netns: bt-10, interface: eth0, address: 10.99.0.10, mac: "00:00:00:00:01:01", role: uplink}
      - {name: "11", netns: bt-11, interface: eth0, address: 10.99.0.11, mac: "00:00:00:00:02:01", role: link}
    targets:
      - {name: "10", address: 10.99.0.10, kind: port}
      - {name: "11", address: 10.99.0.11, kind: port}
      - {name: "20", address: 10.99.0.20, kind: unknown_mac}
      - {name: "21", address: 10.99.0.21, kind: no_arp}
'''

RETURN = r'''
cells:
  description: One entry per (source, target, capture) with C(seen) and C(verdict).
  returned: success or matrix failure
  type: list
  elements: dict
summary:
  description: Number of cells per verdict.
  returned: success or matrix failure
  type: dict
unwanted:
  description: The unwanted cells.
  returned: success or matrix failure
  type: list
  elements: dict
missing:
  description: Cells where a frame for a port target was not seen at that port.
  returned: success or matrix failure
  type: list
  elements: dict
commands:
  description: Commands run.
  returned: always
  type: list
  elements: str
'''

import os
import shutil
import tempfile

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.isplab.infra.plugins.module_utils.l2_bridge import matrix
from ansible_collections.isplab.infra.plugins.module_utils.common.runner import CommandRunner


def capture(runner, module):
    """Run the probes with every port captured; {port name: probe frames seen there}."""
    ports = module.params['ports']
    workdir = tempfile.mkdtemp(prefix='isplab-matrix-')
    try:
        runner.run_or_fail(matrix.capture_argv(workdir, ports, module.params['targets'],
                                               module.params['learn_broadcast']))
        captures = {}
        for port in ports:
            pcap = os.path.join(workdir, '%s.pcap' % port['name'])
            captures[port['name']] = matrix.parse_capture(
                runner.run_or_fail(['tcpdump', '-n', '-e', '-r', pcap]).stdout)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return captures


def main():
    module = AnsibleModule(
        argument_spec=dict(
            ports=dict(type='list', elements='dict', required=True, options=dict(
                name=dict(type='str', required=True), netns=dict(type='str', required=True),
                interface=dict(type='str', required=True), address=dict(type='str', required=True),
                mac=dict(type='str', required=True),
                role=dict(type='str', required=True, choices=['uplink', 'link']))),
            targets=dict(type='list', elements='dict', required=True, options=dict(
                name=dict(type='str', required=True), address=dict(type='str', required=True),
                kind=dict(type='str', required=True, choices=list(matrix.TARGET_KINDS)))),
            restrictive=dict(type='bool', required=True),
            learn_broadcast=dict(type='str'),
        ),
        supports_check_mode=True,
    )
    ports = module.params['ports']
    targets = module.params['targets']
    problems = matrix.input_problems(ports, targets)
    if problems:
        module.fail_json(msg='; '.join(problems))
    runner = CommandRunner(module)
    for tool in ('ip', 'tcpdump', 'ping', 'sh'):
        runner.binary(tool)
    if module.check_mode:
        module.exit_json(changed=False, commands=runner.commands, cells=[], summary={}, unwanted=[], missing=[])
    cells = matrix.cells(ports, targets, matrix.observations(ports, targets, capture(runner, module)))
    result = dict(changed=False, commands=runner.commands, cells=cells, summary=matrix.summary(cells),
                  unwanted=[c for c in cells if c['verdict'] == 'unwanted'], missing=matrix.missing(cells, targets))
    failures = matrix.failures(result['unwanted'], result['missing'], module.params['restrictive'])
    if failures:
        module.fail_json(msg='; '.join(failures), **result)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
