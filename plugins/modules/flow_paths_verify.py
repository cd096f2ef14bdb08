#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: flow_paths_verify
short_description: Check that the traffic-engineering view on the collector is current and complete
description:
  - Checks, on the collector host, what the isplab.infra.flow_paths role set up - the timer is enabled and active;
    the config file passes the same table validation as the aggregator; the newest slot is at most
    O(max_behind) rotations older than the newest nfcapd file; the newest slot has no unknown routers, interfaces
    or networks (the failed check names them, so the tables can be completed); the page exists and holds the
    newest slot.
  - Reads only.
version_added: "0.1.0"
author: isplab.infra contributors (@isplab)
extends_documentation_fragment:
  - isplab.infra.attributes.verifier
options:
  config_path:
    description: The aggregator's config JSON the role wrote.
    type: path
    default: /etc/isplab/flow_paths.json
  timer:
    description: The systemd timer that runs the aggregator.
    type: str
    default: isplab-flow-paths.timer
  max_behind:
    description: How many rotations the newest slot may lag behind the newest nfcapd file.
    type: int
    default: 2
attributes:
  platform:
    support: full
    platforms: [posix]
    description: The collector host (systemd, nfcapd files).
'''

EXAMPLES = r'''
- name: Check the traffic-engineering view
  isplab.infra.flow_paths_verify:
    config_path: /etc/isplab/flow_paths.json
    fail_on_error: false
  register: flow_paths_verify_result
'''

RETURN = r'''
summary:
  description:
    - C(newest_file) and C(newest_slot) (stamps), C(behind) (rotations between them), C(problems) (texts of the
      newest slot's unknown routers, interfaces and networks), C(page) (its path).
  returned: always
  type: dict
  sample: {newest_file: "202612031105", newest_slot: "202612031105", behind: 0, problems: [],
           page: /var/lib/isplab/flow_paths/index.html}
checks:
  description: Every check with C(ok) and, when it failed, C(problem).
  returned: always
  type: list
  elements: dict
failed_checks:
  description: The checks that did not hold.
  returned: always
  type: list
  elements: dict
commands:
  description: Commands run (systemctl).
  returned: always
  type: list
  elements: str
'''

import json
import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.isplab.infra.plugins.module_utils.common.checks import CheckList
from ansible_collections.isplab.infra.plugins.module_utils.common.files import read_text
from ansible_collections.isplab.infra.plugins.module_utils.common.runner import CommandRunner
from ansible_collections.isplab.infra.plugins.module_utils.flow_paths import store
from ansible_collections.isplab.infra.plugins.module_utils.flow_paths.aggregate import stamp_start
from ansible_collections.isplab.infra.plugins.module_utils.flow_paths.tables import load_config

UNKNOWN = ('unknown_router', 'unknown_interface', 'unknown_network')


def check_timer(checks, runner, timer):
    for verb, wanted in (('is-enabled', 'enabled'), ('is-active', 'active')):
        result = runner.run(['systemctl', verb, timer], expected_rc=None)
        # a unit that does not exist prints nothing on stdout, its reason on stderr
        state = result.stdout.strip() or result.stderr.strip() or 'unknown'
        checks.expect('%s %s' % (timer, wanted), state == wanted,
                      '%s is %s, not %s: rerun the isplab.infra.flow_paths role (tag flow_paths_timer)'
                      % (timer, state, wanted))


def check_config(checks, path):
    """The validated Config, or None after a failed check saying why."""
    text = read_text(path, default=None)
    config = problem = None
    if text is None:
        problem = '%s cannot be read: run the isplab.infra.flow_paths role (tag flow_paths_install)' % path
    else:
        try:
            config = load_config(json.loads(text))
        except ValueError as exc:  # TableError, and JSON errors
            problem = '%s: %s' % (path, exc)
    checks.expect('config valid', problem is None, problem)
    return config


def check_slots(checks, config, max_behind, summary):
    """Age and unknowns of the newest slot; the slot or None."""
    files = sorted(store.source_files(config))
    slots = store.slot_stamps(config.out_dir)
    summary.update(newest_file=files[-1] if files else None, newest_slot=slots[-1] if slots else None)
    if not files or not slots:
        checks.expect('newest slot current', False,
                      'no nfcapd files in %s' % ', '.join(d['dir'] for d in config.flow_dirs) if not files else
                      'no slots in %s: start isplab-flow-paths.service and read its journal' % config.out_dir)
        return None
    behind = max(0, (stamp_start(files[-1]) - stamp_start(slots[-1])) // config.slot_seconds)
    summary['behind'] = behind
    checks.expect('newest slot current', behind <= max_behind,
                  'the newest slot %s is %d rotations behind the newest nfcapd file %s (at most %d allowed): '
                  'read journalctl -u isplab-flow-paths.service' % (slots[-1], behind, files[-1], max_behind))
    try:
        problems = store.load_slot(config.out_dir, slots[-1]).get('problems', [])
    except (IOError, OSError, ValueError) as exc:
        checks.expect('newest slot readable', False, 'slot %s cannot be read: %s' % (slots[-1], exc))
        return slots[-1]
    unknown = [p['text'] for p in problems if p.get('kind') in UNKNOWN]
    summary['problems'] = unknown
    checks.expect('no unknown routers, interfaces or networks', not unknown,
                  'slot %s: %s; add them to flow_paths_routers / flow_paths_networks' % (slots[-1], '; '.join(unknown)))
    return slots[-1]


def check_page(checks, config, newest, summary):
    page = os.path.join(config.out_dir, 'index.html')
    summary['page'] = page
    text = read_text(page, default=None)
    if text is None:
        checks.expect('page current', False, '%s does not exist: the aggregator has not rendered it yet' % page)
    elif newest is not None:
        checks.expect('page current', newest in text,
                      '%s does not contain the newest slot %s: it is not rendered after each run' % (page, newest))


def main():
    module = AnsibleModule(argument_spec=dict(
        config_path=dict(type='path', default='/etc/isplab/flow_paths.json'),
        timer=dict(type='str', default='isplab-flow-paths.timer'),
        max_behind=dict(type='int', default=2),
        fail_on_error=dict(type='bool', default=True),
    ), supports_check_mode=True)
    params = module.params
    runner = CommandRunner(module)
    checks = CheckList()
    summary = {'newest_file': None, 'newest_slot': None, 'behind': None, 'problems': [], 'page': None}
    check_timer(checks, runner, params['timer'])
    config = check_config(checks, params['config_path'])
    if config is not None:
        newest = check_slots(checks, config, params['max_behind'], summary)
        check_page(checks, config, newest, summary)
    checks.exit(module, fail_on_error=params['fail_on_error'], changed=False, summary=summary,
                commands=runner.commands)


if __name__ == '__main__':
    main()
