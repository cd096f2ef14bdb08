#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: flow_collector_buffers
short_description: Size nfcapd's UDP receive buffer and net.core.rmem_max so a burst of flows is not dropped
description:
  - Computes each nfcapd instance's receive buffer (C(-B)) from the expected peak flows per burst, the record
    length and the export datagram size; datagrams = ceil(flows / records per datagram), C(-B) = datagrams x
    datagram size. The kernel doubles the request to cover its per-datagram overhead (skb truesize, 2304 bytes
    for a 1400-byte datagram, 1.65x).
  - Refuses, before changing anything, every C(-B) the kernel would cap silently - above C(net.core.rmem_max)
    or above INT_MAX / 2 - with a message naming the instance and the value to set.
  - Writes O(sysctl_file) and applies C(net.core.rmem_max) now with C(sysctl -w) when the live value differs.
    With O(rmem_max=0) the value is the largest C(-B), but a larger live value is never lowered.
version_added: "0.2.0"
author: isplab.infra contributors (@isplab)
options:
  exporters:
    description: The collector instances; C(ident) is required, C(burst_flows) and C(rcvbuf_bytes) override the defaults.
    type: list
    elements: dict
    required: true
  burst_flows: {description: Expected peak flows per burst of one exporter., type: int, default: 100000}
  record_bytes: {description: Length of the longest data record the exporters send (template field lengths summed)., type: int, default: 56}
  datagram_bytes: {description: Size of an export datagram (UDP payload)., type: int, default: 1400}
  rcvbuf_bytes: {description: nfcapd C(-B) for every instance instead of the rule; 0 uses the rule., type: int, default: 0}
  rmem_max: {description: net.core.rmem_max to set; 0 is the largest C(-B) (never lowering the live value)., type: int, default: 0}
  manage_sysctl:
    description: Set net.core.rmem_max; false only checks the C(-B) values against the live value.
    type: bool
    default: true
  sysctl_file: {description: The sysctl.d file that keeps the value., type: path, default: /etc/sysctl.d/60-isplab-flow-collector.conf}
attributes:
  check_mode: {support: full, description: Computes and refuses the same; writes and applies nothing.}
  diff_mode: {support: full, description: net.core.rmem_max and the sysctl.d file before and after.}
  platform: {support: full, platforms: [posix], description: Linux collector host.}
'''

EXAMPLES = r'''
- name: Size the receive buffers of two collector instances
  isplab.infra.flow_collector_buffers:
    exporters:
      - {ident: edge1}
      - {ident: edge2, burst_flows: 300000}
    record_bytes: 44
  register: buffers
'''

RETURN = r'''
rcvbuf:
  description: nfcapd C(-B) per instance ident.
  returned: success
  type: dict
plans:
  description: Per ident the rule's inputs and results (records_per_datagram, datagrams, rcvbuf_bytes, accounted_bytes).
  returned: success
  type: dict
rmem_max:
  description: net.core.rmem_max after the run.
  returned: always
  type: int
rmem_max_raised:
  description: The live value was raised; instances started before keep their capped buffer until restarted.
  returned: success
  type: bool
commands:
  description: Commands run (sysctl).
  returned: always
  type: list
  elements: str
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.isplab.infra.plugins.module_utils.common.diff import DiffTracker
from ansible_collections.isplab.infra.plugins.module_utils.common.files import read_text, update_text
from ansible_collections.isplab.infra.plugins.module_utils.common.runner import CommandRunner
from ansible_collections.isplab.infra.plugins.module_utils.flow_collector import buffers


def main():
    module = AnsibleModule(argument_spec=dict(
        exporters=dict(type='list', elements='dict', required=True),
        burst_flows=dict(type='int', default=100000),
        record_bytes=dict(type='int', default=56),
        datagram_bytes=dict(type='int', default=1400),
        rcvbuf_bytes=dict(type='int', default=0),
        rmem_max=dict(type='int', default=0),
        manage_sysctl=dict(type='bool', default=True),
        sysctl_file=dict(type='path', default='/etc/sysctl.d/60-isplab-flow-collector.conf'),
    ), supports_check_mode=True)
    p = module.params
    runner = CommandRunner(module)
    try:
        live = buffers.parse_proc_int(read_text(buffers.RMEM_MAX_PROC, '0'), buffers.RMEM_MAX_PROC)
        plans = buffers.plan(p['exporters'], p['burst_flows'], p['record_bytes'], p['datagram_bytes'], p['rcvbuf_bytes'])
    except (buffers.BufferError, KeyError) as exc:
        module.fail_json(msg='flow_collector_buffers: %s' % exc, rmem_max=0, commands=[])
    target = buffers.target_rmem_max(plans, p['rmem_max'], live) if p['manage_sysctl'] else live
    refused = buffers.refusals(plans, target)
    if refused:
        module.fail_json(msg='flow_collector_buffers: ' + '; '.join(refused), refused=refused, rmem_max=live, commands=[])
    diff = DiffTracker()
    changed = False
    if p['manage_sysctl']:
        text = buffers.sysctl_text(target)
        diff.add(p['sysctl_file'], read_text(p['sysctl_file']), text)
        changed = update_text(module, p['sysctl_file'], text, 0o644)
        diff.add('net.core.rmem_max', live, target)
        if live != target:
            runner.run(['sysctl', '-w', 'net.core.rmem_max=%d' % target], changes=True)
            changed = True
    result = dict(changed=changed, rcvbuf=dict((i, e['rcvbuf_bytes']) for i, e in plans.items()), plans=plans,
                  rmem_max=target, rmem_max_raised=target > live, commands=runner.commands)
    if module._diff:
        result['diff'] = diff.diff()
    module.exit_json(**result)


if __name__ == '__main__':
    main()
