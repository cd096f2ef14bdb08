# -*- coding: utf-8 -*-
# Copyright: isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    """Attribute docs shared by the collection's modules; each module adds its own C(platform)."""

    DOCUMENTATION = r'''
options: {}
'''

    # Every *_verify module: it reads the live system, changes nothing, and fails only when asked to.
    VERIFIER = r'''
options:
  fail_on_error:
    description:
      - Fail the task when a check fails. Either way the result lists every check and the failed ones.
    type: bool
    default: true
attributes:
  check_mode:
    support: full
    description: Reads only; runs the same in check mode.
  diff_mode:
    support: none
    description: Changes nothing, so there is nothing to diff.
'''
