#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: linux_bridge_verify
short_description: Check a live Linux bridge against the port model
description:
  - Reads C(ip -j -d link show) and C(bridge -d -j link show) and reports every port's flags, the
    MAC hold time and the mode (restrictive, classic or mixed) the flags amount to.
version_added: 0.1.0
author: isplab.infra contributors (@isplab)
options:
  netns:
    description: Namespace of the bridge.
    type: str
extends_documentation_fragment:
  - isplab.infra.attributes.verifier
  - isplab.infra.l2_bridge.verifier
attributes:
  platform:
    platforms: linux
    support: full
    description: Linux with iproute2 (C(ip -j), C(bridge -j)).
'''

EXAMPLES = r'''
- name: Verify vmbr7
  isplab.infra.linux_bridge_verify:
    name: vmbr7
    restrictive: true
    mac_hold_time: 1500
    ports: "{{ bridge.ports }}"
'''

RETURN = r'''
mode:
  description: restrictive, classic or mixed, from the live port flags.
  returned: when the bridge exists
  type: str
ports:
  description: Live flags per bridge port interface.
  returned: always
  type: dict
checks:
  description: Every check with ok and problem.
  returned: always
  type: list
  elements: dict
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.isplab.infra.plugins.module_utils.common.checks import CheckList
from ansible_collections.isplab.infra.plugins.module_utils.common.runner import CommandRunner
from ansible_collections.isplab.infra.plugins.module_utils.l2_bridge.host import read_links
from ansible_collections.isplab.infra.plugins.module_utils.l2_bridge.linux import FLAG_NAMES, desired_flags, port_mode
from ansible_collections.isplab.infra.plugins.module_utils.l2_bridge.model import mode_name, verify_argument_spec


def check_ports(checks, params, bridge_ports):
    """Each declared port is enslaved to the bridge with exactly the flags its role asks for."""
    for port in params['ports']:
        flags = bridge_ports.get(port['interface'])
        want = desired_flags(port['role'], params['restrictive'])
        have = dict((f, flags[f]) for f in FLAG_NAMES) if flags and flags['master'] == params['name'] else None
        checks.expect('port %s (%s)' % (port['name'], port['interface']), have == want,
                      'flags are %s, wanted %s' % (have, want))


def main():
    module = AnsibleModule(
        argument_spec=verify_argument_spec(netns=dict(type='str')),
        supports_check_mode=True,
    )
    params = module.params
    runner = CommandRunner(module)
    links, bridge_ports = read_links(runner, params['netns'])
    checks = CheckList()
    enslaved = dict((k, v) for k, v in bridge_ports.items() if v['master'] == params['name'])
    facts = dict(commands=runner.commands, ports=enslaved)
    bridge = links.get(params['name'])
    if not checks.expect('bridge exists', bridge is not None and bridge['kind'] == 'bridge',
                         '%s is not a bridge on this host' % params['name']):
        checks.exit(module, fail_on_error=params['fail_on_error'], **facts)
    checks.expect('bridge is up', bridge['up'], '%s is down' % params['name'])
    checks.expect('mac hold time', bridge['ageing_time'] == params['mac_hold_time'],
                  'ageing_time is %s s, wanted %d s' % (bridge['ageing_time'], params['mac_hold_time']))
    check_ports(checks, params, bridge_ports)
    facts['mode'] = port_mode(params['ports'], bridge_ports)
    wanted = mode_name(params['restrictive'])
    checks.expect('mode', facts['mode'] == wanted, 'port flags amount to %s, wanted %s' % (facts['mode'], wanted))
    checks.exit(module, fail_on_error=params['fail_on_error'], **facts)


if __name__ == '__main__':
    main()
