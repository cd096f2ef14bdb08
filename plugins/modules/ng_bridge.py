#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: ng_bridge
short_description: FreeBSD netgraph ng_bridge with uplink hooks and restrictive mode
description:
  - Plans the whole graph change from C(ngctl list), C(ngctl show) and C(msg getconfig) and applies it
    as one C(ngctl -f -) batch.
  - A new bridge gets its first hook from the mode, because ng_bridge fixes the mode with the first hook
    ever connected. Restrictive connects an uplink first, classic a link.
  - On a live bridge only the hooks that differ are added, replaced or removed.
    Changing classic and restrictive needs O(rebuild=true).
  - C(maxStaleness) (the MAC hold time) must be greater than C(net.link.ether.inet.max_age).
    In restrictive mode a violation fails before any change; in classic mode it is a warning.
version_added: 0.1.0
author: isplab.infra contributors (@isplab)
options:
  name:
    description: Netgraph node name of the bridge.
    type: str
    required: true
  state:
    description: C(absent) shuts the bridge and the eiface nodes of its ports down.
    type: str
    choices: [present, absent]
    default: present
  restrictive:
    description: Connect an uplink first so link hooks never receive unknown unicast.
    type: bool
    default: true
  mac_hold_time:
    description: Seconds a MAC stays learned (C(maxStaleness)).
    type: int
    default: 1500
  ports:
    description: Bridge ports. The port name is the hook name.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: Hook name, C(link<N>) (N >= 0) or C(uplink<N>) (N >= 1), canonical decimal.
        type: str
        required: true
      interface:
        description:
          - For O(ports[].kind=ether) the Ethernet interface whose ng_ether C(lower) hook is used.
          - For O(ports[].kind=eiface) the node name of the ng_eiface that is created or reused
            (its interface is C(ngethN)).
        type: str
        required: true
      role:
        description: Must match the name prefix.
        type: str
        required: true
        choices: [uplink, link]
      kind:
        description: Which node the hook connects to.
        type: str
        choices: [ether, eiface]
        default: ether
  rebuild:
    description: Allow shutting the bridge down and building it again when its mode must change.
    type: bool
    default: false
  arp_max_age:
    description: ARP lifetime to compare against; read from C(sysctl net.link.ether.inet.max_age) when unset
      (FreeBSD's default 1200 if the sysctl cannot be read).
    type: int
  debug_level:
    description: C(debugLevel) of the bridge.
    type: int
    default: 1
  loop_timeout:
    description: C(loopTimeout) in seconds.
    type: int
    default: 60
  min_stable_age:
    description: C(minStableAge) in seconds.
    type: int
    default: 1
attributes:
  check_mode:
    support: full
    description: Plans and reports the ngctl batch without running it.
  diff_mode:
    support: full
    description: Hooks and config before and after.
  platform:
    platforms: freebsd
    support: full
    description: FreeBSD with netgraph (ng_bridge, ng_eiface, ng_ether load on demand).
notes:
  - Netgraph state does not survive a reboot; the role C(isplab.infra.l2_bridge) writes RV(create_batch) to a file
    that its rc.d script feeds to C(ngctl -f) at boot.
'''

EXAMPLES = r'''
- name: Bridge with two DSL uplinks, restrictive
  isplab.infra.ng_bridge:
    name: br0
    restrictive: true
    mac_hold_time: 1500
    ports:
      - {name: uplink1, interface: ix0.7, role: uplink}
      - {name: uplink2, interface: ix1.7, role: uplink}
      - {name: link1, interface: ix0.1001, role: link}
'''

RETURN = r'''
commands:
  description: Read commands, then C(ngctl -f -) followed by the batch lines it was fed (indented).
  returned: always
  type: list
  elements: str
batch:
  description: The ngctl lines of this run.
  returned: always
  type: list
  elements: str
create_batch:
  description: ngctl lines that build the bridge on a freshly booted host (for the rc.d script).
  returned: state=present
  type: list
  elements: str
mode_before:
  description: C(restrictive), C(classic) or null when the bridge did not exist.
  returned: always
  type: str
added:
  description: Hooks connected by this run.
  returned: always
  type: list
  elements: str
removed:
  description: Hooks disconnected by this run.
  returned: always
  type: list
  elements: str
replaced:
  description: Hooks reconnected to a different peer.
  returned: always
  type: list
  elements: str
arp_rule:
  description: Outcome of the hold time versus ARP lifetime rule (level ok, warn or fail, message).
  returned: state=present
  type: dict
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.isplab.infra.plugins.module_utils.l2_bridge.model import (
    PORT_KINDS, BridgeModelError, arp_rule, bridge_argument_spec, validate)
from ansible_collections.isplab.infra.plugins.module_utils.common.diff import DiffTracker
from ansible_collections.isplab.infra.plugins.module_utils.l2_bridge.netgraph import (
    boot_lines, parse_config, parse_list, parse_show, peer_of, plan)
from ansible_collections.isplab.infra.plugins.module_utils.common.runner import CommandRunner

FREEBSD_ARP_MAX_AGE = 1200


def read_graph(runner, name):
    nodes = parse_list(runner.run_or_fail(['ngctl', 'list']).stdout)
    existing = set(n['name'] for n in nodes if n['name'])
    if name not in existing:
        return existing, None, None
    observed = parse_show(runner.run_or_fail(['ngctl', 'show', '%s:' % name]).stdout)
    if observed['type'] != 'bridge':
        runner.module.fail_json(msg='node %s: is a %s node, not a bridge' % (name, observed['type']),
                                commands=runner.commands)
    config = parse_config(runner.run_or_fail(['ngctl', 'msg', '%s:' % name, 'getconfig']).stdout)
    return existing, observed, config


def arp_max_age(runner, given):
    if given is not None:
        return given, 'parameter'
    if runner.binary('sysctl', required=False) is None:
        return FREEBSD_ARP_MAX_AGE, 'FreeBSD default'
    result = runner.run(['sysctl', '-n', 'net.link.ether.inet.max_age'], expected_rc=None)
    if result.rc == 0 and result.stdout.strip().isdigit():
        return int(result.stdout.strip()), 'sysctl'
    return FREEBSD_ARP_MAX_AGE, 'FreeBSD default'


def describe(observed, config):
    if observed is None:
        return None
    return {'hooks': ['%s -> %s:%s' % (h['hook'], h['peer_name'] or '[%s]' % h['peer_id'], h['peer_hook'])
                      for h in reversed(observed['hooks'])], 'config': config}


def apply_batch(runner, lines):
    if not lines:
        return
    runner.run_or_fail(['ngctl', '-f', '-'], changes=True, data='\n'.join(lines))
    runner.commands.extend('  ' + line for line in lines)


def main():
    module = AnsibleModule(
        argument_spec=bridge_argument_spec(
            PORT_KINDS,
            rebuild=dict(type='bool', default=False),
            arp_max_age=dict(type='int'),
            debug_level=dict(type='int', default=1),
            loop_timeout=dict(type='int', default=60),
            min_stable_age=dict(type='int', default=1),
        ),
        supports_check_mode=True,
    )
    params = module.params
    runner = CommandRunner(module)
    tracker = DiffTracker()
    result = dict(changed=False, commands=runner.commands, batch=[], added=[], removed=[], replaced=[],
                  mode_before=None)

    if params['state'] == 'absent':
        existing, observed, config = read_graph(runner, params['name'])
        result['mode_before'] = observed and ('restrictive' if observed['hooks'] and
                                              observed['hooks'][-1]['hook'].startswith('uplink') else 'classic')
        if observed is not None:
            lines = ['shutdown %s:' % h['peer_name'] for h in observed['hooks']
                     if h['peer_type'] == 'eiface' and h['peer_name']]
            lines.append('shutdown %s:' % params['name'])
            result.update(batch=lines, removed=[h['hook'] for h in observed['hooks']], changed=True)
            tracker.add('bridge', describe(observed, config), None)
            apply_batch(runner, lines)
        if module._diff:
            result['diff'] = tracker.diff()
        module.exit_json(**result)

    try:
        model = validate(dict(name=params['name'], restrictive=params['restrictive'],
                              mac_hold_time=params['mac_hold_time'], ports=params['ports']))
    except BridgeModelError as exc:
        module.fail_json(msg='invalid bridge %s: %s' % (params['name'], exc), errors=exc.errors, commands=[])

    max_age, source = arp_max_age(runner, params['arp_max_age'])
    level, message = arp_rule(model['mac_hold_time'], max_age, model['restrictive'])
    result['arp_rule'] = dict(level=level, message=message, arp_max_age=max_age, arp_max_age_source=source)
    if level == 'fail':
        module.fail_json(msg=message + ' (restrictive mode: raise mac_hold_time)', **result)
    if level == 'warn':
        module.warn(message)

    config = dict(debugLevel=params['debug_level'], loopTimeout=params['loop_timeout'],
                  maxStaleness=model['mac_hold_time'], minStableAge=params['min_stable_age'])
    existing, observed, observed_config = read_graph(runner, model['name'])
    planned = plan(model, observed, existing, config, observed_config=observed_config,
                   rebuild=params['rebuild'])
    result.update(mode_before=planned['mode_before'], added=planned['add'], removed=planned['remove'],
                  replaced=planned['replace'], batch=planned['lines'],
                  create_batch=boot_lines(model, config))
    if planned['problems']:
        module.fail_json(msg='; '.join(planned['problems']), **result)

    tracker.add('bridge', describe(observed, observed_config), {
        'hooks': ['%s -> %s:%s' % ((p['name'],) + peer_of(p)) for p in model['ports']],
        'config': config, 'mode': 'restrictive' if model['restrictive'] else 'classic'})
    result['changed'] = bool(planned['lines'])
    apply_batch(runner, planned['lines'])
    if module._diff:
        result['diff'] = tracker.diff()
    module.exit_json(**result)


if __name__ == '__main__':
    main()
