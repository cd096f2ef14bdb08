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
  - Reads C(ngctl show) and C(msg getconfig) and reports the hooks, which hook came first, the mode
    inferred from it, the config values and the MAC hold time versus ARP lifetime rule.
  - The mode is inferred from the oldest connected hook (ngctl lists hooks newest first). If the true
    first hook was disconnected since, the inference can be wrong; see docs/bridges.md.
version_added: 0.1.0
author: isplab.infra contributors (@isplab)
options:
  name:
    description: Bridge node name.
    type: str
    required: true
  restrictive:
    description: Expected mode.
    type: bool
    required: true
  mac_hold_time:
    description: Expected C(maxStaleness).
    type: int
    required: true
  ports:
    description: Expected ports (as for M(isplab.infra.ng_bridge)); only hook names and peers are compared.
    type: list
    elements: dict
    required: true
  arp_max_age:
    description: ARP lifetime; read from sysctl when unset (FreeBSD default 1200 otherwise).
    type: int
  fail_on_error:
    description: Fail when a check fails (otherwise only report).
    type: bool
    default: true
extends_documentation_fragment:
  - isplab.infra.attributes.verifier
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
  description: The oldest connected hook.
  returned: always
  type: str
mode:
  description: restrictive or classic (inferred), null when the bridge is missing.
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
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.isplab.infra.plugins.module_utils.l2_bridge.model import arp_rule, verify_argument_spec
from ansible_collections.isplab.infra.plugins.module_utils.common.checks import CheckList
from ansible_collections.isplab.infra.plugins.module_utils.l2_bridge.netgraph import (
    ether_node_name, observed_mode, parse_config, parse_list, parse_show)
from ansible_collections.isplab.infra.plugins.module_utils.common.runner import CommandRunner


def main():
    module = AnsibleModule(
        argument_spec=verify_argument_spec(arp_max_age=dict(type='int')),
        supports_check_mode=True,
    )
    params = module.params
    runner = CommandRunner(module)
    checks = CheckList()
    names = set(n['name'] for n in parse_list(runner.run_or_fail(['ngctl', 'list']).stdout) if n['name'])
    facts = dict(commands=runner.commands, hooks=[], first_hook=None, mode=None, config=None)
    if not checks.expect('bridge exists', params['name'] in names, 'no netgraph node named %s' % params['name']):
        checks.exit(module, fail_on_error=params['fail_on_error'], **facts)
    shown = parse_show(runner.run_or_fail(['ngctl', 'show', '%s:' % params['name']]).stdout)
    config = parse_config(runner.run_or_fail(['ngctl', 'msg', '%s:' % params['name'], 'getconfig']).stdout)
    hooks = list(reversed(shown['hooks']))
    facts.update(hooks=hooks, first_hook=hooks[0]['hook'] if hooks else None, mode=observed_mode(shown['hooks']),
                 config=config)
    checks.expect('node is a bridge', shown['type'] == 'bridge', 'node type is %s' % shown['type'])
    wanted_mode = 'restrictive' if params['restrictive'] else 'classic'
    checks.expect('mode', facts['mode'] == wanted_mode, 'mode is %s (first hook %s), wanted %s'
                  % (facts['mode'], facts['first_hook'], wanted_mode))
    have = dict((h['hook'], h) for h in hooks)
    for port in params['ports']:
        peer = port['interface'] if port.get('kind', 'ether') == 'eiface' else ether_node_name(port['interface'])
        hook = have.get(port['name'])
        checks.expect('hook %s' % port['name'], hook is not None and hook['peer_name'] == peer,
                      'hook %s is %s, wanted a connection to %s:' % (
                          port['name'], 'missing' if hook is None else 'connected to %s:' % hook['peer_name'], peer))
    extra = sorted(set(have) - set(p['name'] for p in params['ports']))
    checks.expect('no undeclared hooks', not extra, 'undeclared hooks: %s' % ', '.join(extra))
    checks.expect('maxStaleness', config['maxStaleness'] == params['mac_hold_time'],
                  'maxStaleness is %d, wanted %d' % (config['maxStaleness'], params['mac_hold_time']))
    max_age = params['arp_max_age']
    if max_age is None:
        max_age = 1200
        if runner.binary('sysctl', required=False):
            result = runner.run(['sysctl', '-n', 'net.link.ether.inet.max_age'], expected_rc=None)
            if result.rc == 0 and result.stdout.strip().isdigit():
                max_age = int(result.stdout.strip())
    level, message = arp_rule(config['maxStaleness'], max_age, facts['mode'] == 'restrictive')
    facts['arp_rule'] = dict(level=level, message=message, arp_max_age=max_age)
    if level == 'warn':
        module.warn(message)
    checks.expect('maxStaleness exceeds ARP lifetime', level != 'fail', message)
    checks.exit(module, fail_on_error=params['fail_on_error'], **facts)


if __name__ == '__main__':
    main()
