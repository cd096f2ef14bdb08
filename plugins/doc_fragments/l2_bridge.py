# -*- coding: utf-8 -*-
# Copyright: isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    """Options of the bridge verifiers (model.verify_argument_spec): the expected bridge, stated in full."""

    VERIFIER = r'''
options:
  name:
    description: Bridge name (netgraph node or Linux interface).
    type: str
    required: true
  restrictive:
    description: Expected mode.
    type: bool
    required: true
  mac_hold_time:
    description: Expected MAC hold time in seconds (ng_bridge C(maxStaleness), Linux C(ageing_time)).
    type: int
    required: true
  ports:
    description: Expected ports in the port model of the bridge modules (name, interface, role, kind).
    type: list
    elements: dict
    required: true
'''
