#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: linux_bridge
short_description: Linux bridge with uplink and restrictive link ports (live state via iproute2)
description:
  - Applies the port model of M(isplab.infra.ng_bridge) to a Linux bridge with C(ip) and C(bridge).
  - Uplink ports get C(learning off) and C(flood on); link ports C(learning on) and C(flood off) in
    restrictive mode (C(flood on) in classic mode); C(mcast_flood) and C(bcast_flood) stay on.
  - Only the live state is changed; the role C(isplab.infra.l2_bridge) persists it in ifupdown2 files.
version_added: 0.1.0
author: isplab.infra contributors (@isplab)
options:
  name:
    description: Bridge interface name.
    type: str
    required: true
  state:
    description: C(absent) deletes the bridge (its ports are released, not deleted).
    type: str
    choices: [present, absent]
    default: present
  restrictive:
    description: Link ports do not receive unknown unicast.
    type: bool
    default: true
  mac_hold_time:
    description: FDB ageing time in seconds.
    type: int
    default: 1500
  ports:
    description: Bridge ports; the names follow the ng_bridge hook rules so one model serves both backends.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: C(link<N>) or C(uplink<N>).
        type: str
        required: true
      interface:
        description: Existing interface to enslave.
        type: str
        required: true
      role:
        description: Must match the name prefix.
        type: str
        required: true
        choices: [uplink, link]
      kind:
        description: Accepted so the ng_bridge port list can be reused; a Linux port is always an existing interface.
        type: str
        choices: [ether]
        default: ether
  netns:
    description: Network namespace of the bridge (C(ip -n)/C(bridge -n)); the host namespace when unset.
    type: str
attributes:
  check_mode:
    support: full
    description: Plans and reports the ip/bridge commands without running them.
  diff_mode:
    support: full
    description: Port flags and hold time before and after.
  platform:
    platforms: linux
    support: full
    description: Linux with iproute2 (C(ip -j), C(bridge -j)).
'''

EXAMPLES = r'''
- name: Restrictive bridge over two uplinks and a customer port
  isplab.infra.linux_bridge:
    name: vmbr7
    restrictive: true
    mac_hold_time: 1500
    ports:
      - {name: uplink1, interface: bond0.7, role: uplink}
      - {name: link1, interface: bond0.1001, role: link}
'''

RETURN = r'''
commands:
  description: The ip/bridge commands run (or planned in check mode).
  returned: always
  type: list
  elements: str
mode:
  description: Mode read back from C(bridge -d -j link show) after the change (restrictive, classic or mixed).
  returned: state=present and not check mode
  type: str
port_flags:
  description: Every port (name, interface, role) with the flags it must have (learning, flood, mcast_flood, bcast_flood).
  returned: state=present
  type: list
  elements: dict
ifupdown2_stanza:
  description: Lines of the ifupdown2 stanza that rebuilds this bridge with the same flags at boot
    (the role C(isplab.infra.l2_bridge) writes them to a file).
  returned: state=present
  type: list
  elements: str
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.isplab.infra.plugins.module_utils.common.diff import DiffTracker
from ansible_collections.isplab.infra.plugins.module_utils.common.runner import CommandRunner
from ansible_collections.isplab.infra.plugins.module_utils.l2_bridge.host import ns_argv, read_links
from ansible_collections.isplab.infra.plugins.module_utils.l2_bridge.linux import (
    ifupdown2_stanza, plan, port_flags, port_mode)
from ansible_collections.isplab.infra.plugins.module_utils.l2_bridge.model import bridge_argument_spec, validate_params


def remove(module, runner, tracker):
    netns = module.params['netns']
    links, _ports = read_links(runner, netns)
    changed = module.params['name'] in links
    if changed:
        tracker.add('bridge', module.params['name'], None)
        runner.run_or_fail(ns_argv(['ip', 'link', 'del', 'dev', module.params['name']], netns), changes=True)
    return dict(changed=changed)


def ensure(module, runner, tracker):
    netns = module.params['netns']
    model = validate_params(module)
    result = dict(port_flags=port_flags(model), ifupdown2_stanza=ifupdown2_stanza(model))
    links, ports = read_links(runner, netns)
    commands, problems, changes = plan(model, links, ports)
    if problems:
        module.fail_json(msg='; '.join(problems), commands=runner.commands)
    for name, (before, after) in changes.items():
        tracker.add(name, before, after)
    for argv in commands:
        runner.run_or_fail(ns_argv(argv, netns), changes=True)
    result['changed'] = bool(commands)
    if not module.check_mode:
        _links, ports = read_links(runner, netns)
        result['mode'] = port_mode(model['ports'], ports)
    return result


def main():
    module = AnsibleModule(
        argument_spec=bridge_argument_spec(('ether',), netns=dict(type='str')),
        supports_check_mode=True,
    )
    runner = CommandRunner(module)
    tracker = DiffTracker()
    if module.params['state'] == 'absent':
        result = remove(module, runner, tracker)
    else:
        result = ensure(module, runner, tracker)
    result['commands'] = runner.commands
    if module._diff:
        result['diff'] = tracker.diff()
    module.exit_json(**result)


if __name__ == '__main__':
    main()
