# -*- coding: utf-8 -*-
# Copyright: isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    """Options of the modules that drive an IOS-XE router over their own netmiko session.

    The argument specs these document are module_utils/flow_monitor/session.py CONNECTION_ARGS
    and module_utils/flow_monitor/model.py ATTACHMENT_ARGS.
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
