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

from ansible_collections.isplab.infra.plugins.module_utils.common.diff import DiffTracker
from ansible_collections.isplab.infra.plugins.module_utils.common.runner import CommandRunner
from ansible_collections.isplab.infra.plugins.module_utils.l2_bridge.host import (
    apply_batch, read_arp_max_age, read_graph)
from ansible_collections.isplab.infra.plugins.module_utils.l2_bridge.model import (
    PORT_KINDS, arp_rule, bridge_argument_spec, validate_params)
from ansible_collections.isplab.infra.plugins.module_utils.l2_bridge.netgraph import (
    absent_lines, boot_lines, describe, describe_model, observed_mode, plan)


def read_bridge(runner, name):
    existing, observed, config = read_graph(runner, name)
    if observed is not None and observed['type'] != 'bridge':
        runner.module.fail_json(msg='node %s: is a %s node, not a bridge; choose another name or shut that '
                                    'node down' % (name, observed['type']), commands=runner.commands)
    return existing, observed, config


def remove(module, runner, tracker, result):
    _existing, observed, config = read_bridge(runner, module.params['name'])
    if observed is not None:
        result.update(mode_before=observed_mode(observed['hooks']), batch=absent_lines(module.params['name'], observed),
                      removed=[h['hook'] for h in observed['hooks']], changed=True)
        tracker.add('bridge', describe(observed, config), None)
        apply_batch(runner, result['batch'])


def check_arp_rule(module, runner, model, result):
    """The hold time must exceed the ARP lifetime: fails in restrictive mode, warns in classic mode."""
    max_age, source = read_arp_max_age(runner, module.params['arp_max_age'])
    level, message = arp_rule(model['mac_hold_time'], max_age, model['restrictive'])
    result['arp_rule'] = dict(level=level, message=message, arp_max_age=max_age, arp_max_age_source=source)
    if level == 'fail':
        module.fail_json(msg=message + ' (restrictive mode: raise mac_hold_time)', **result)
    if level == 'warn':
        module.warn(message)


def ensure(module, runner, tracker, result):
    params = module.params
    model = validate_params(module)
    check_arp_rule(module, runner, model, result)
    config = dict(debugLevel=params['debug_level'], loopTimeout=params['loop_timeout'],
                  maxStaleness=model['mac_hold_time'], minStableAge=params['min_stable_age'])
    existing, observed, observed_config = read_bridge(runner, model['name'])
    planned = plan(model, observed, existing, config, observed_config=observed_config, rebuild=params['rebuild'])
    result.update(mode_before=planned['mode_before'], added=planned['add'], removed=planned['remove'],
                  replaced=planned['replace'], batch=planned['lines'], create_batch=boot_lines(model, config))
    if planned['problems']:
        module.fail_json(msg='; '.join(planned['problems']), **result)
    tracker.add('bridge', describe(observed, observed_config), describe_model(model, config))
    result['changed'] = bool(planned['lines'])
    apply_batch(runner, planned['lines'])


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
    runner = CommandRunner(module)
    tracker = DiffTracker()
    result = dict(changed=False, commands=runner.commands, batch=[], added=[], removed=[], replaced=[],
                  mode_before=None)
    if module.params['state'] == 'absent':
        remove(module, runner, tracker, result)
    else:
        ensure(module, runner, tracker, result)
    if module._diff:
        result['diff'] = tracker.diff()
    module.exit_json(**result)


if __name__ == '__main__':
    main()
