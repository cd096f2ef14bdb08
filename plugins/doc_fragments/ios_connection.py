# -*- coding: utf-8 -*-
# Copyright: isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    """Options of the modules that drive an IOS-XE router over their own netmiko session.

    The argument specs these document are module_utils/flow_monitor/session.py CONNECTION_ARGS,
    module_utils/flow_monitor/model.py ATTACHMENT_ARGS and module_utils/flow_monitor/presets.py PRESET_ARGS.
    """

    # The SSH session every IOS-XE module opens from the controller.
    DOCUMENTATION = r'''
requirements:
  - netmiko >= 4.0 on the host that runs the module
options:
  host: {description: Router address., type: str, required: true}
  port: {description: SSH port., type: int, default: 22}
  username: {description: SSH user (from inventory or vault)., type: str, required: true}
  password: {description: SSH password (from vault)., type: str, required: true}
  secret: {description: Enable secret (from vault); omit when the user logs in privileged., type: str}
  device_type: {description: netmiko driver., type: str, default: cisco_xe, choices: [cisco_xe, cisco_ios]}
  timeout: {description: Seconds to wait for the router per operation., type: int, default: 30}
attributes:
  platform:
    support: full
    platforms: [ios_xe]
    description: Cisco IOS-XE over SSH (netmiko) from the controller.
'''

    # Interface attachments (ip|ipv6 flow monitor NAME input|output), the same shape for push and verify.
    ATTACHMENTS = r'''
options:
  interfaces:
    description: Interface attachments.
    type: list
    elements: dict
    default: []
    suboptions:
      name: {description: Interface name as IOS shows it., type: str, required: true}
      monitors:
        description: Attachments.
        type: list
        elements: dict
        default: []
        suboptions:
          monitor: {description: Monitor name., type: str, required: true}
          family: {description: Address family., type: str, default: ipv4, choices: [ipv4, ipv6]}
          direction: {description: Direction., type: str, default: input, choices: [input, output]}
'''

    # Presets (module_utils/flow_monitor/presets.py): the push merges them, the verifier expects them.
    PRESETS = r'''
options:
  presets:
    description:
      - Named sets of records, monitors and interface attachments that isplab.infra.flow_monitor merges into
        its own records, monitors and interfaces (a record or monitor name defined both by the user and by a
        preset is an error) and isplab.infra.flow_monitor_verify expects on the router.
      - C(te_paths) adds records and monitors C(te-in) (match routing source/destination as 4-octet, match
        interface input, match ipv4 destination address; collect sys-uptime first/last, counter bytes/packets
        long, interface output) and C(te-out) (the mirror image - interface output, ipv4 source address, collect
        interface input), cache timeouts active 100 s, inactive 15 s, update 150 s, and attaches
        C(ip flow monitor te-in input) and C(ip flow monitor te-out output) on every O(preset_interfaces) entry.
        IPv4 only. It is the router side of the isplab.infra.flow_paths role.
    type: list
    elements: str
    default: []
    choices: [te_paths]
  preset_interfaces:
    description:
      - Upstream/peer interfaces that get the attachments of O(presets), next to any the user lists for them in
        O(interfaces). Required when O(presets) is not empty.
    type: list
    elements: str
    default: []
'''
