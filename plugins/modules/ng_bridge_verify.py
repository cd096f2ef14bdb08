#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: ng_bridge_verify
short_description: Check a live ng_bridge against the port model
description:
  - Reads C(ngctl show) and C(msg getconfig) and reports the hooks, the first hook, the mode, the config
    values and the MAC hold time versus ARP lifetime rule.
  - The mode comes from the record C(isplab.infra.ng_bridge) wrote in O(state_dir) when it built this node
    (same node ID); without one it is inferred from the oldest connected hook, which is wrong once the
    true first hook was disconnected (RV(mode_source) says which); see docs/bridges.md.
  - A bridge whose C(ngctl show) reply does not fit C(net.graph.recvspace) fails the check C(bridge readable).
version_added: 0.1.0
author: isplab.infra contributors (@isplab)
options:
  arp_max_age:
    description: ARP lifetime; read from sysctl when unset (FreeBSD default 1200 otherwise).
    type: int
  state_dir:
    description: Directory of the mode records written by C(isplab.infra.ng_bridge).
    type: path
    default: /var/db/isplab/ng_bridge
extends_documentation_fragment:
  - isplab.infra.attributes.verifier
  - isplab.infra.l2_bridge.verifier
attributes:
  platform:
    platforms: freebsd
    support: full
    description: FreeBSD with netgraph.
'''

EXAMPLES = r'''
- name: Verify br0
  isplab.infra.ng_bridge_verify:
    name: br0
    restrictive: true
    mac_hold_time: 1500
    ports: "{{ bridge.ports }}"
'''

RETURN = r'''
hooks:
  description: Connected hooks, oldest first, with their peers.
  returned: always
  type: list
  elements: dict
first_hook:
  description: The first hook ever (recorded), else the oldest connected hook.
  returned: always
  type: str
mode:
  description: restrictive or classic, null when the bridge is missing.
  returned: always
  type: str
mode_source:
  description: C(record) or C(oldest hook) (inferred).
  returned: always
  type: str
config:
  description: debugLevel, loopTimeout, maxStaleness, minStableAge.
  returned: always
  type: dict
checks:
  description: Every check with ok and problem.
  returned: always
  type: list
  elements: dict
failed_checks:
  description: The checks that failed (C(bridge readable) when C(ngctl show) does not fit the socket buffer).
  returned: always
  type: list
  elements: dict
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.isplab.infra.plugins.module_utils.common.checks import CheckList
from ansible_collections.isplab.infra.plugins.module_utils.common.runner import CommandRunner
from ansible_collections.isplab.infra.plugins.module_utils.l2_bridge.host import read_arp_max_age
from ansible_collections.isplab.infra.plugins.module_utils.l2_bridge.model import (
    arp_rule, mode_name, verify_argument_spec)
from ansible_collections.isplab.infra.plugins.module_utils.l2_bridge.netgraph import peer_of
from ansible_collections.isplab.infra.plugins.module_utils.l2_bridge.netgraph_host import (
    GraphUnreadable, bridge_mode, read_graph)


def check_hooks(checks, ports, hooks):
    """Every declared port is a hook to its peer node, and no other hook is connected."""
    have = dict((h['hook'], h) for h in hooks)
    for port in ports:
        peer = peer_of(dict(port, kind=port.get('kind', 'ether')))[0]
        hook = have.get(port['name'])
        checks.expect('hook %s' % port['name'], hook is not None and hook['peer_name'] == peer,
                      'hook %s is %s, wanted a connection to %s:' % (
                          port['name'], 'missing' if hook is None else 'connected to %s:' % hook['peer_name'], peer))
    extra = sorted(set(have) - set(p['name'] for p in ports))
    checks.expect('no undeclared hooks', not extra, 'undeclared hooks: %s' % ', '.join(extra))


def check_hold_time(module, runner, checks, config, facts):
    params = module.params
    checks.expect('maxStaleness', config['maxStaleness'] == params['mac_hold_time'],
                  'maxStaleness is %d, wanted %d' % (config['maxStaleness'], params['mac_hold_time']))
    max_age, _source = read_arp_max_age(runner, params['arp_max_age'])
    level, message = arp_rule(config['maxStaleness'], max_age, facts['mode'] == 'restrictive')
    facts['arp_rule'] = dict(level=level, message=message, arp_max_age=max_age)
    if level == 'warn':
        module.warn(message)
    checks.expect('maxStaleness exceeds ARP lifetime', level != 'fail', message)


def main():
    module = AnsibleModule(
        argument_spec=verify_argument_spec(arp_max_age=dict(type='int'),
                                           state_dir=dict(type='path', default='/var/db/isplab/ng_bridge')),
        supports_check_mode=True,
    )
    params = module.params
    runner = CommandRunner(module)
    checks = CheckList()
    facts = dict(commands=runner.commands, hooks=[], first_hook=None, mode=None, mode_source=None, config=None)
    try:
        _existing, shown, config = read_graph(runner, params['name'])
    except GraphUnreadable as exc:
        checks.expect('bridge readable', False, '%s: run isplab.infra.ng_bridge, which raises them' % exc)
        checks.exit(module, fail_on_error=params['fail_on_error'], **facts)
    if not checks.expect('bridge exists', shown is not None, 'no netgraph node named %s' % params['name']) or \
            not checks.expect('node is a bridge', shown['type'] == 'bridge', 'node type is %s' % shown['type']):
        checks.exit(module, fail_on_error=params['fail_on_error'], **facts)
    hooks = list(reversed(shown['hooks']))
    mode, source, first = bridge_mode(shown, params['state_dir'])
    facts.update(hooks=hooks, first_hook=first, mode=mode, mode_source=source, config=config)
    wanted_mode = mode_name(params['restrictive'])
    checks.expect('mode', facts['mode'] == wanted_mode, 'mode is %s (first hook %s), wanted %s'
                  % (facts['mode'], facts['first_hook'], wanted_mode))
    check_hooks(checks, params['ports'], hooks)
    check_hold_time(module, runner, checks, config, facts)
    checks.exit(module, fail_on_error=params['fail_on_error'], **facts)


if __name__ == '__main__':
    main()
