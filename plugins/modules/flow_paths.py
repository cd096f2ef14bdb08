#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: flow_paths
short_description: Traffic-engineering path lines per nfcapd file, and the Sankey page of the last day
description:
  - Validates the tables (routers with their peer and internal interfaces, local networks, thresholds) and fails
    with every problem named before anything is read or written.
  - Aggregates one nfcapd file per slot with nfdump (per router, peer line, AS and local /26) into path lines such as
    C(2906 8220 rudo5 NAT 86) (inbound), C(DHCP rudo5 8220 3320 94) (outbound) and
    C(2906 8220 rudo8 rudo6 196714 196714 83) (transit), with flow counts, and writes
    C(<out_dir>/slots/<stamp>.json) and C(.txt).
  - With O(render=true) it writes C(<out_dir>/index.html), one self-contained page with the slots of the last day.
  - Without O(stamp), O(pending) or O(since) it only validates the tables.
  - The same code runs on the collector's timer (C(python3 -m ...flow_paths.cli)); this module is for the first run,
    reruns of past slots and checks. See docs/flow_paths.md.
version_added: "0.1.0"
author: isplab.infra contributors (@isplab)
requirements:
  - nfdump 1.7 on the collector host
options:
  config:
    description:
      - The aggregator's config, as in the JSON file the role writes (C(routers), C(networks), C(flow_dirs),
        C(out_dir), C(title), C(slot_seconds), C(transit_threshold_mbps), C(scan_min_flows),
        C(scan_max_kbps_per_flow), C(lifetime_days)).
      - Exactly one of O(config) and O(config_path).
    type: dict
  config_path:
    description: Path of that config as JSON on the managed host (the role's C(flow_paths_config_path)).
    type: path
  stamp:
    description: Aggregate the nfcapd file(s) of this 12-digit stamp (C(YYYYMMDDhhmm), UTC), e.g. to rerun a past slot.
    type: str
  pending:
    description: Aggregate every stamp whose slot is missing or older than one of its flow files.
    type: bool
    default: false
  since:
    description: Aggregate every stamp from this one (inclusive) to O(until); rewrites existing slots.
    type: str
  until:
    description: Last stamp (inclusive) of O(since); default the newest flow file.
    type: str
  limit:
    description: With O(pending) or O(since), only the newest this many stamps; 0 means all.
    type: int
    default: 0
  render:
    description: Write the page of the last day (C(<out_dir>/index.html)) after the slots.
    type: bool
    default: false
attributes:
  check_mode:
    support: full
    description: Runs nfdump (read-only) and reports which slots and page would be written and their lines; writes nothing.
  diff_mode:
    support: full
    description: The lines of every slot before and after.
  platform:
    support: full
    platforms: [posix]
    description: The collector host with nfdump and the nfcapd files.
'''

EXAMPLES = r'''
- name: Check the tables only
  isplab.infra.flow_paths:
    config: "{{ lookup('ansible.builtin.file', 'flow_paths.json') | from_json }}"
  check_mode: true

- name: Aggregate what the timer has not yet done and render the page
  isplab.infra.flow_paths:
    config_path: /etc/isplab/flow_paths.json
    pending: true
    render: true

- name: Rerun a past slot after a table fix (see the lines with --diff)
  isplab.infra.flow_paths:
    config_path: /etc/isplab/flow_paths.json
    stamp: "202612031105"
    render: true
'''

RETURN = r'''
slots:
  description:
    - One entry per aggregated stamp, oldest first, with C(slot) (the stamp), C(path) (the slot JSON), C(written)
      (it differs from the file, so it was or would be written), C(lines) (the path lines), C(problems) (unknown
      routers, interfaces and networks, unmatched transit, unclassified rows; each with C(kind) and C(text)) and
      C(totals).
  returned: always
  type: list
  elements: dict
  sample:
    - slot: "202612031105"
      path: /var/lib/isplab/flow_paths/slots/202612031105.json
      written: true
      lines: ["2906 8220 rudo5 DHCP 86", "DHCP rudo5 8220 3320 94"]
      problems: []
      totals: {inbound_mbps: 86.0, outbound_mbps: 94.0, transit_mbps: 0.0, flows: 7}
page:
  description: Path of the page and whether it was (or would be) written.
  returned: when O(render=true)
  type: dict
  sample: {path: /var/lib/isplab/flow_paths/index.html, written: true, slots: 288}
config:
  description: The validated config's summary (routers, networks, flow_dirs, out_dir).
  returned: always
  type: dict
commands:
  description: nfdump commands run.
  returned: always
  type: list
  elements: str
'''

import json
import os
import re
import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.isplab.infra.plugins.module_utils.common.diff import DiffTracker
from ansible_collections.isplab.infra.plugins.module_utils.common.files import read_text, update_text
from ansible_collections.isplab.infra.plugins.module_utils.common.runner import CommandError, CommandRunner
from ansible_collections.isplab.infra.plugins.module_utils.flow_paths import page, store
from ansible_collections.isplab.infra.plugins.module_utils.flow_paths.tables import TableError, load_config

STAMP_RE = re.compile(r'^\d{12}$')


def read_config(module):
    """The validated Config; fails with the TableError text itself (every problem, entry and fix)."""
    raw = module.params['config']
    if module.params['config_path']:
        text = read_text(module.params['config_path'], default=None)
        if text is None:
            module.fail_json(msg='config_path %s cannot be read: run the isplab.infra.flow_paths role (install) first'
                             % module.params['config_path'])
        try:
            raw = json.loads(text)
        except ValueError as exc:
            module.fail_json(msg='config_path %s is not JSON: %s' % (module.params['config_path'], exc))
    try:
        return load_config(raw)
    except TableError as exc:
        module.fail_json(msg=str(exc))


def check_stamps(module):
    chosen = [name for name in ('stamp', 'pending', 'since') if module.params[name]]
    if len(chosen) > 1:
        module.fail_json(msg='%s choose the slots in different ways: give only one of stamp, pending and since'
                         % ' and '.join(chosen))
    for name in ('stamp', 'since', 'until'):
        value = module.params[name]
        if value is not None and not STAMP_RE.match(value):
            module.fail_json(msg='%s must be a 12-digit nfcapd stamp YYYYMMDDhhmm (UTC), got %r' % (name, value))


def chosen_stamps(params, config):
    """The stamps to aggregate, oldest first."""
    if params['stamp']:
        return [params['stamp']]
    if params['pending']:
        stamps = store.pending_stamps(config, now=time.time())
    elif params['since']:
        until = params['until'] or '9' * 12
        stamps = sorted(s for s in store.source_files(config) if params['since'] <= s <= until)
    else:
        return []
    return stamps[-params['limit']:] if params['limit'] > 0 else stamps


def stored_slot(out_dir, stamp):
    try:
        return store.load_slot(out_dir, stamp)
    except (IOError, OSError, ValueError):
        return None


def slot_lines(slot):
    return [path['line'] for path in slot.get('paths', [])] if slot else []


def aggregate(module, runner, config, stamps, tracker):
    """Build and (outside check mode) store each stamp; the result entry per slot."""
    entries = []
    for stamp in stamps:
        slot = store.build_slot(runner, config, stamp)
        before = stored_slot(config.out_dir, stamp)
        written = before != slot
        if written and not module.check_mode:
            store.write_slot(module, config.out_dir, slot)
        tracker.add(stamp, '\n'.join(slot_lines(before)), '\n'.join(slot_lines(slot)))
        entries.append({'slot': stamp, 'path': store.slot_path(config.out_dir, stamp), 'written': written,
                        'lines': slot_lines(slot), 'problems': slot['problems'], 'totals': slot['totals']})
    return entries


def render(module, config, slots_written):
    """Write the page when it differs; in check mode a slot that would be written counts as a page change."""
    recent = store.load_recent(config.out_dir)
    path = os.path.join(config.out_dir, store.PAGE)
    written = update_text(module, path, page.render_page(recent, config.page_layout(), config.title), 0o644)
    return {'path': path, 'written': written or (module.check_mode and slots_written), 'slots': len(recent)}


def summary(config):
    return {'routers': [r.name for r in config.routers], 'networks': len(config.networks),
            'flow_dirs': config.flow_dirs, 'out_dir': config.out_dir}


def main():
    module = AnsibleModule(argument_spec=dict(
        config=dict(type='dict'),
        config_path=dict(type='path'),
        stamp=dict(type='str'),
        pending=dict(type='bool', default=False),
        since=dict(type='str'),
        until=dict(type='str'),
        limit=dict(type='int', default=0),
        render=dict(type='bool', default=False),
    ), mutually_exclusive=[('config', 'config_path')],
        required_one_of=[('config', 'config_path')], required_by={'until': 'since'}, supports_check_mode=True)
    check_stamps(module)
    config = read_config(module)
    runner = CommandRunner(module)
    tracker = DiffTracker()
    try:
        slots = aggregate(module, runner, config, chosen_stamps(module.params, config), tracker)
    except (CommandError, ValueError) as exc:  # nfdump failed, a stamp without file, output not in the format
        module.fail_json(msg=str(exc), commands=runner.commands)
    changed = any(entry['written'] for entry in slots)
    result = dict(slots=slots, commands=runner.commands, config=summary(config))
    if module.params['render']:
        result['page'] = render(module, config, changed)
        changed = changed or result['page']['written']
    if module._diff:
        result['diff'] = tracker.diff()
    module.exit_json(changed=changed, **result)


if __name__ == '__main__':
    main()
