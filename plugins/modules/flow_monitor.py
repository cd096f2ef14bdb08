#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: flow_monitor
short_description: Configure IOS-XE Flexible NetFlow exporters, records, monitors and interface attachments
description:
  - Lints the desired configuration first (timeouts against the collector rotation interval, 32-bit counters
    and 2-byte AS fields in aggregated records, single interface fields, C(routing ... as peer) fields,
    undefined monitors, unknown field keywords) and fails before connecting when anything is wrong.
  - Merges the records, monitors and attachments of the named O(presets) into the user's own before linting and
    planning, so check mode and diff show the preset's commands too.
  - Refuses, before connecting, every value IOS-XE would refuse (cache entries 16..2000000, template timeout
    1..86400, cache timeouts 1..604800, UDP port 1..65535, destinations that are not IP addresses, names that
    are not one CLI word).
  - Reads C(show running-config | section flow), computes the minimal change (exporter order and field order
    do not matter), backs up the running config, pushes the change with netmiko, reads the configuration
    back to verify it and saves it with C(write memory).
  - Monitors that reference a record being changed are detached and release the record first, so the push
    holds whether IOS-XE refuses record changes while a monitor is attached or while one merely references it.
  - The push is transactional; when the router refuses any command part-way, the module restores the flow
    configuration read before the push, checks it, and fails with the router's message.
  - "Runs on the controller (C(delegate_to: localhost)); it opens its own SSH session to the router."
version_added: "0.1.0"
author: isplab.infra contributors (@isplab)
options:
  exporters:
    description: Flow exporters.
    type: list
    elements: dict
    default: []
    suboptions:
      name: {description: Exporter name., type: str, required: true}
      description: {description: Free text., type: str}
      destination: {description: Collector IPv4 or IPv6 address (checked before connecting)., type: str, required: true}
      vrf: {description: VRF through which the collector is reached (C(destination A.B.C.D vrf NAME))., type: str}
      source: {description: Source interface of the export packets., type: str}
      transport_port: {description: UDP port of the collector (1..65535)., type: int, default: 9995}
      version:
        description: Export protocol (C(export-protocol netflow-v5), C(netflow-v9) or C(ipfix)).
        type: str
        default: '9'
        choices: ['5', '9', ipfix]
      template_timeout:
        description:
          - Seconds between template refreshes (C(template data timeout), 1..86400; IOS-XE default 600).
          - nfcapd keeps templates in memory only, so after a collector restart the router's data cannot be
            decoded until the next refresh; the default 60 bounds that loss to a minute. It must be below
            O(collector_interval).
        type: int
        default: 60
  records:
    description: Flow records.
    type: list
    elements: dict
    default: []
    suboptions:
      name: {description: Record name., type: str, required: true}
      description: {description: Free text., type: str}
      fields:
        description:
          - C(match ...)/C(collect ...) lines. Omitted means the field fix (source/destination AS 4-octet,
            counters long, sys-uptime first/last).
        type: list
        elements: str
      allow_peer_as:
        description:
          - Accept C(routing source as peer) / C(routing destination as peer) fields (2- or 4-octet) in this record.
          - They are refused by default; the router derives them from its own routing table at export time, so the
            source peer AS is usually wrong and the destination peer AS is wrong with equal-cost paths. Use
            C(match interface input) with C(collect interface output) and a per-router interface->peer table
            (the isplab.infra.flow_paths role) instead.
        type: bool
        default: false
  monitors:
    description: Flow monitors.
    type: list
    elements: dict
    default: []
    suboptions:
      name: {description: Monitor name., type: str, required: true}
      description: {description: Free text., type: str}
      record: {description: Record name (defined in O(records) or predefined)., type: str, required: true}
      exporters: {description: Exporter names; order does not matter., type: list, elements: str, default: []}
      active_timeout: {description: Cache active timeout in seconds., type: int, default: 100}
      inactive_timeout: {description: Cache inactive timeout in seconds., type: int, default: 15}
      update_timeout: {description: Cache update timeout in seconds (permanent caches)., type: int, default: 150}
      cache_entries: {description: Cache size; omitted keeps the platform default., type: int}
  interfaces:
    description: Interface attachments. The list of an interface named here is authoritative for it.
  preset_exporters:
    description:
      - Exporter names the monitors of O(presets) export to; omitted means every exporter in O(exporters).
    type: list
    elements: str
  collector_interval:
    description: Rotation interval of the collector (nfcapd C(-t)); active and update timeouts must be below it.
    type: int
    default: 300
  purge:
    description: Also remove flow monitors, records, exporters and attachments that are not in the desired state.
    type: bool
    default: false
  backup_dir:
    description: Controller directory for a copy of the running config (mode 0600) taken before any push.
    type: path
    required: true
  save:
    description: Save the configuration (C(write memory)) after a verified push.
    type: bool
    default: true
extends_documentation_fragment:
  - isplab.infra.ios_connection
  - isplab.infra.ios_connection.attachments
  - isplab.infra.ios_connection.presets
attributes:
  check_mode: {support: full, description: Reads the router and reports the commands it would send.}
  diff_mode: {support: full, description: Before/after of the flow sections and attachments.}
'''

EXAMPLES = r'''
- name: Configure AS-level flow export towards nfcapd
  isplab.infra.flow_monitor:
    host: "{{ flow_monitor_device_host }}"
    username: "{{ flow_monitor_device_username }}"
    password: "{{ flow_monitor_device_password }}"
    secret: "{{ flow_monitor_device_secret }}"
    backup_dir: "{{ playbook_dir }}/backups"
    exporters:
      - {name: nfcapd, destination: 192.0.2.10, source: Loopback0, transport_port: 9995}
    records:
      - name: asn
    monitors:
      - {name: asn, record: asn, exporters: [nfcapd]}
    interfaces:
      - name: GigabitEthernet1
        monitors: [{monitor: asn, direction: input}, {monitor: asn, direction: output}]
  delegate_to: localhost

- name: Same, plus the TE records te-in/te-out on the upstream interfaces (for isplab.infra.flow_paths)
  isplab.infra.flow_monitor:
    host: "{{ flow_monitor_device_host }}"
    username: "{{ flow_monitor_device_username }}"
    password: "{{ flow_monitor_device_password }}"
    backup_dir: "{{ playbook_dir }}/backups"
    exporters:
      - {name: nfcapd, destination: 192.0.2.10, source: Loopback0}
    presets: [te_paths]
    preset_interfaces: [GigabitEthernet1, GigabitEthernet2]
  delegate_to: localhost
'''

RETURN = r'''
commands:
  description: Every command sent (or, in check mode, that would be sent); no credentials.
  returned: always
  type: list
  elements: str
config_lines:
  description: The configuration lines of the planned change only.
  returned: always
  type: list
  elements: str
backup_file:
  description: Path of the running-config backup taken before the push.
  returned: changed and not check mode
  type: str
rolled_back:
  description: Whether a refused push was undone (the flow configuration read back equals the one before it).
  returned: when the router refused a command of the push
  type: bool
running:
  description: The flow configuration read back after the push (model form).
  returned: success
  type: dict
'''

import os
import time

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.isplab.infra.plugins.module_utils.common.diff import DiffTracker
from ansible_collections.isplab.infra.plugins.module_utils.common.files import write_text
from ansible_collections.isplab.infra.plugins.module_utils.flow_monitor.diff import expected_after, plan
from ansible_collections.isplab.infra.plugins.module_utils.flow_monitor.lint import lint
from ansible_collections.isplab.infra.plugins.module_utils.flow_monitor.model import ATTACHMENT_ARGS, normalize, render
from ansible_collections.isplab.infra.plugins.module_utils.flow_monitor.presets import PRESET_ARGS, merge_presets
from ansible_collections.isplab.infra.plugins.module_utils.flow_monitor.parser import parse_running_config
from ansible_collections.isplab.infra.plugins.module_utils.flow_monitor.validate import validate
from ansible_collections.isplab.infra.plugins.module_utils.flow_monitor.session import (
    CONNECTION_ARGS, HAS_NETMIKO, NETMIKO_IMPORT_ERROR, IosSession, IosSessionError)

SECTION = 'show running-config | section flow'


def argument_spec():
    spec = dict(CONNECTION_ARGS)
    spec.update(
        exporters=dict(type='list', elements='dict', default=[], options=dict(
            name=dict(type='str', required=True), description=dict(type='str'),
            destination=dict(type='str', required=True), vrf=dict(type='str'), source=dict(type='str'),
            transport_port=dict(type='int', default=9995),
            version=dict(type='str', default='9', choices=['5', '9', 'ipfix']),
            template_timeout=dict(type='int', default=60))),
        records=dict(type='list', elements='dict', default=[], options=dict(
            name=dict(type='str', required=True), description=dict(type='str'),
            fields=dict(type='list', elements='str'), allow_peer_as=dict(type='bool', default=False))),
        monitors=dict(type='list', elements='dict', default=[], options=dict(
            name=dict(type='str', required=True), description=dict(type='str'),
            record=dict(type='str', required=True), exporters=dict(type='list', elements='str', default=[]),
            active_timeout=dict(type='int', default=100), inactive_timeout=dict(type='int', default=15),
            update_timeout=dict(type='int', default=150), cache_entries=dict(type='int'))),
        interfaces=ATTACHMENT_ARGS,
        preset_exporters=dict(type='list', elements='str'),
        collector_interval=dict(type='int', default=300),
        purge=dict(type='bool', default=False),
        backup_dir=dict(type='path', required=True),
        save=dict(type='bool', default=True),
    )
    spec.update(PRESET_ARGS)
    return spec


def write_backup(module, directory, text):
    os.makedirs(directory, mode=0o700, exist_ok=True)
    name = '%s_%d_%s.cfg' % (module.params['host'].replace(':', '_'), module.params['port'],
                             time.strftime('%Y%m%dT%H%M%S'))
    path = os.path.join(directory, name)
    # running configs hold password hashes: only the owner may read the copy
    write_text(module, path, text, mode=0o600)
    return path


def push(module, session, current, lines, result):
    """Send ``lines``; on a refusal restore ``current`` (same planner, so also safe under the stricter
    reading of record locks), check it and fail with the router's message."""
    try:
        session.configure(lines)
        return
    except IosSessionError as exc:
        refusal = str(exc)
    try:
        partial = parse_running_config(session.show(SECTION))
        session.configure(plan(partial, current, purge=True))
        restored = parse_running_config(session.show(SECTION))
        result['rolled_back'] = render(restored) == render(current)
        outcome = ('the flow configuration from before the push was restored' if result['rolled_back'] else
                   'the rollback left a flow configuration that differs from the one before the push')
    except IosSessionError as exc:
        result['rolled_back'] = False
        outcome = 'the rollback failed too: %s' % exc
    module.fail_json(msg='%s; %s (backup in %s); nothing was saved' % (refusal, outcome, result['backup_file']),
                     **result)


def run(module, session):
    params = module.params
    exporters = params['preset_exporters'] if params.get('preset_exporters') is not None else [
        exp['name'] for exp in params['exporters']]
    merged = merge_presets(params.get('presets'), params.get('preset_interfaces'), exporters,
                           params['records'], params['monitors'], params['interfaces'])
    desired = normalize(params['exporters'], merged['records'], merged['monitors'], merged['interfaces'])
    problems = merged['problems'] + validate(desired, params['collector_interval']) + lint(
        desired, params['collector_interval'])
    if problems:
        module.fail_json(msg='the flow configuration fails %d lint(s): %s' % (len(problems), '; '.join(problems)),
                         lint=problems, commands=[])
    result = dict(changed=False, commands=session.commands, config_lines=[])
    try:
        session.open()
        current = parse_running_config(session.show(SECTION))
        lines = plan(current, desired, purge=params['purge'])
        wanted = expected_after(current, desired, purge=params['purge'])
        tracker = DiffTracker()
        tracker.add('flow', render(current), render(wanted))
        result['config_lines'] = lines
        if module._diff:
            result['diff'] = tracker.diff()
        if not lines:
            result['running'] = current
            return result
        result['changed'] = True
        if module.check_mode:
            session.configure(lines)
            result['running'] = current
            return result
        result['backup_file'] = write_backup(module, params['backup_dir'], session.show('show running-config'))
        push(module, session, current, lines, result)
        after = parse_running_config(session.show(SECTION))
        result['running'] = after
        if render(after) != render(wanted):
            result.update(expected=render(wanted), found=render(after))
            module.fail_json(msg='the router accepted the change but its flow configuration differs from the '
                                 'desired one; nothing was saved (backup in %s)' % result['backup_file'], **result)
        if params['save']:
            session.save()
        return result
    except IosSessionError as exc:
        module.fail_json(msg=str(exc), **result)
    finally:
        session.close()


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    if not HAS_NETMIKO:
        module.fail_json(msg=missing_required_lib('netmiko'), exception=NETMIKO_IMPORT_ERROR)
    module.exit_json(**run(module, IosSession(module)))


if __name__ == '__main__':
    main()
