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
  - Before reading, loads C(ng_socket) and C(ng_ether) (ng_ether nodes exist only after C(kldload ng_ether))
    and sets them for boot in O(loader_conf); raises C(net.graph.recvspace) and C(net.graph.maxdgram) now and
    in O(sysctl_conf) so that C(ngctl show) of the bridge and C(ngctl list) fit (about 136 bytes per hook
    and 72 per node; the kernel drops larger replies). Both with check mode and diff.
  - The mode a bridge was built in is recorded in O(state_dir), keyed by the node ID, because the kernel
    decides it once and no message reads it back; without a record it is inferred from the oldest hook.
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
  loader_conf:
    description: Boot loader configuration that gets C(ng_socket_load="YES") and C(ng_ether_load="YES").
    type: path
    default: /boot/loader.conf
  sysctl_conf:
    description: Where the raised C(net.graph.recvspace) and C(net.graph.maxdgram) are kept for boot.
    type: path
    default: /etc/sysctl.conf
  state_dir:
    description: Directory of the mode records (C(<name>.mode) holding node ID, mode and first hook).
    type: path
    default: /var/db/isplab/ng_bridge
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
mode_source:
  description: C(record) (written when the module built this node) or C(oldest hook) (inferred).
  returned: always
  type: str
mode_record:
  description: Mode and first hook of the bridge as built by RV(create_batch), for the rc.d script's record.
  returned: state=present
  type: str
  sample: restrictive uplink1
host:
  description: Kernel modules loaded, socket buffers before and after, whether loader.conf and sysctl.conf changed.
  returned: state=present
  type: dict
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
from ansible_collections.isplab.infra.plugins.module_utils.l2_bridge.host import apply_batch, read_arp_max_age
from ansible_collections.isplab.infra.plugins.module_utils.l2_bridge.model import (
    PORT_KINDS, arp_rule, bridge_argument_spec, connect_order, mode_name, validate_params)
from ansible_collections.isplab.infra.plugins.module_utils.l2_bridge.netgraph import (
    absent_lines, boot_lines, describe, describe_model, ether_node_name, plan)
from ansible_collections.isplab.infra.plugins.module_utils.l2_bridge.netgraph_host import (
    GraphUnreadable, bridge_mode, ensure_buffers, ensure_modules, read_graph, write_record)


def read_bridge(runner, name, result=None, host=None):
    try:
        existing, observed, config = read_graph(runner, name)
    except GraphUnreadable as exc:
        if host is None or not (host['pending'] and runner.module.check_mode):
            runner.module.fail_json(msg=str(exc), commands=runner.commands)
        # Check mode cannot raise the buffers, so the bridge cannot be read yet: the real run plans it.
        runner.module.warn('%s; the plan is made when the buffers have been raised' % exc)
        result['changed'] = True
        runner.module.exit_json(**result)
    if observed is not None and observed['type'] != 'bridge':
        runner.module.fail_json(msg='node %s: is a %s node, not a bridge; choose another name or shut that '
                                    'node down' % (name, observed['type']), commands=runner.commands)
    return existing, observed, config


def remove(module, runner, tracker, result):
    _existing, observed, config = read_bridge(runner, module.params['name'])
    if observed is not None:
        mode, source, _first = bridge_mode(observed, module.params['state_dir'])
        result.update(mode_before=mode, mode_source=source, batch=absent_lines(module.params['name'], observed),
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


def prepare_host(module, runner, tracker, model, result):
    """Kernel modules and socket buffers first: without them the graph cannot be read (or is incomplete)."""
    params = module.params
    host = ensure_modules(runner, tracker, params['loader_conf'])
    host.update(ensure_buffers(runner, tracker, params['sysctl_conf'], model['name'], len(model['ports'])))
    result['host'] = host
    result['changed'] = bool(host['loaded'] or host['loader_conf_changed'] or host['sysctl_conf_changed']
                             or host['buffers'] != host['buffers_before'])
    return host


def ensure(module, runner, tracker, result):
    params = module.params
    model = validate_params(module)
    check_arp_rule(module, runner, model, result)
    config = dict(debugLevel=params['debug_level'], loopTimeout=params['loop_timeout'],
                  maxStaleness=model['mac_hold_time'], minStableAge=params['min_stable_age'])
    first_hook = connect_order(model['ports'], model['restrictive'])[0]['name']
    result.update(create_batch=boot_lines(model, config), mode_record='%s %s' % (mode_name(model['restrictive']),
                                                                                 first_hook))
    host = prepare_host(module, runner, tracker, model, result)
    existing, observed, observed_config = read_bridge(runner, model['name'], result, host)
    ether_nodes = set(ether_node_name(p['interface']) for p in model['ports'] if p['kind'] == 'ether')
    if 'ng_ether' in host['loaded'] and module.check_mode and ether_nodes:
        # ng_ether is not loaded yet, so its nodes cannot be listed: assume the load brings them.
        existing |= ether_nodes
        module.warn('ng_ether is not loaded: check mode assumes every ether port interface exists')
    belief = bridge_mode(observed, params['state_dir'])
    planned = plan(model, observed, existing, config, observed_config=observed_config, rebuild=params['rebuild'],
                   belief=belief if belief[0] else None)
    result.update(mode_before=planned['mode_before'], mode_source=belief[1], added=planned['add'],
                  removed=planned['remove'], replaced=planned['replace'], batch=planned['lines'])
    if planned['problems']:
        module.fail_json(msg='; '.join(planned['problems']), **result)
    tracker.add('bridge', describe(observed, observed_config), describe_model(model, config))
    result['changed'] = result['changed'] or bool(planned['lines'])
    apply_batch(runner, planned['lines'])
    if observed is None or planned['rebuild'] or not observed['hooks']:
        write_record(runner, params['state_dir'], model, first_hook)


def main():
    module = AnsibleModule(
        argument_spec=bridge_argument_spec(
            PORT_KINDS,
            rebuild=dict(type='bool', default=False),
            arp_max_age=dict(type='int'),
            debug_level=dict(type='int', default=1),
            loop_timeout=dict(type='int', default=60),
            min_stable_age=dict(type='int', default=1),
            loader_conf=dict(type='path', default='/boot/loader.conf'),
            sysctl_conf=dict(type='path', default='/etc/sysctl.conf'),
            state_dir=dict(type='path', default='/var/db/isplab/ng_bridge'),
        ),
        supports_check_mode=True,
    )
    runner = CommandRunner(module)
    tracker = DiffTracker()
    result = dict(changed=False, commands=runner.commands, batch=[], added=[], removed=[], replaced=[],
                  mode_before=None, mode_source=None)
    if module.params['state'] == 'absent':
        remove(module, runner, tracker, result)
    else:
        ensure(module, runner, tracker, result)
    if module._diff:
        result['diff'] = tracker.diff()
    module.exit_json(**result)


if __name__ == '__main__':
    main()
