#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: flow_monitor_verify
short_description: Verify IOS-XE flow monitors export what an AS-level collector needs
description:
  - Reads C(show flow record), C(show flow exporter templates), C(show flow monitor) and
    C(show running-config | section flow) and checks, per monitor, the exported template and the cache.
  - Fails on counter fields (bytes, packets) shorter than 8 bytes, AS fields shorter than 4 bytes,
    an active or update timeout at or above the collector rotation interval, a monitor that exports no
    template, and missing interface attachments.
  - "Read-only; runs on the controller (C(delegate_to: localhost))."
version_added: "0.1.0"
author: isplab.infra contributors (@isplab)
options:
  monitors:
    description:
      - Monitors to check; empty means every monitor attached to an interface.
      - The monitors of O(presets) are checked too, and their attachments on O(preset_interfaces) must exist.
    type: list
    elements: str
    default: []
  interfaces:
    description: Attachments that must exist, in the shape of M(isplab.infra.flow_monitor)'s O(interfaces).
  collector_interval: {description: Collector rotation interval in seconds., type: int, default: 300}
  accept_unchecked:
    description:
      - Names (shell patterns) of checks the router's output does not allow, which may pass unchecked.
      - A check the verifier cannot make (for example C(monitor asn update timeout) - IOS-XE prints no
        C(Update Timeout) line for a normal cache) is reported with C(unchecked) and fails unless listed here.
    type: list
    elements: str
    default: []
extends_documentation_fragment:
  - isplab.infra.attributes.verifier
  - isplab.infra.ios_connection
  - isplab.infra.ios_connection.attachments
  - isplab.infra.ios_connection.presets
'''

EXAMPLES = r'''
- name: Verify the AS monitor exports 8-byte counters and 4-byte AS numbers
  isplab.infra.flow_monitor_verify:
    host: "{{ flow_monitor_device_host }}"
    username: "{{ flow_monitor_device_username }}"
    password: "{{ flow_monitor_device_password }}"
    monitors: [asn]
    interfaces:
      - name: GigabitEthernet1
        monitors: [{monitor: asn, direction: input}]
  delegate_to: localhost
'''

RETURN = r'''
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
templates:
  description: Parsed C(show flow exporter templates).
  returned: success
  type: list
  elements: dict
commands:
  description: The show commands that were run.
  returned: always
  type: list
  elements: str
'''

import fnmatch

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.isplab.infra.plugins.module_utils.common.checks import CheckList
from ansible_collections.isplab.infra.plugins.module_utils.flow_monitor.model import ATTACHMENT_ARGS
from ansible_collections.isplab.infra.plugins.module_utils.flow_monitor.parser import (
    parse_running_config, parse_show_flow_exporter_templates, parse_show_flow_monitor, parse_show_flow_record)
from ansible_collections.isplab.infra.plugins.module_utils.flow_monitor.presets import PRESET_ARGS, merge_presets
from ansible_collections.isplab.infra.plugins.module_utils.flow_monitor.session import (
    CONNECTION_ARGS, HAS_NETMIKO, NETMIKO_IMPORT_ERROR, IosSession, IosSessionError)

COUNTER_TYPES = {1: 'bytes', 2: 'packets'}
AS_TYPES = {16: 'source AS', 17: 'destination AS', 128: 'destination peer AS', 129: 'source peer AS'}


def attachments_of(interfaces):
    """flow_monitor-shaped interfaces -> flat attachment dicts."""
    return [{'interface': intf['name'], 'monitor': m['monitor'], 'family': m.get('family') or 'ipv4',
             'direction': m.get('direction') or 'input'} for intf in interfaces for m in intf.get('monitors') or []]


def expected(params):
    """(monitor names, attachment dicts) to check: the parameters' own plus those of their presets."""
    merged = merge_presets(params.get('presets'), params.get('preset_interfaces'), [],
                           interfaces=params['interfaces'])
    names = list(params['monitors'])
    if names:
        names += [mon['name'] for mon in merged['monitors'] if mon['name'] not in names]
    return names, attachments_of(merged['interfaces']), merged['problems']


def cannot_check(checks, name, reason, accepted):
    """A check the output does not allow: fails unless its name matches one of ``accepted``."""
    ok = any(fnmatch.fnmatchcase(name, pattern) for pattern in accepted)
    checks.expect(name, ok, 'cannot check: %s (accept it with accept_unchecked)' % reason, unchecked=True)


def evaluate(checks, outputs, monitors, attachments, interval, accepted=()):
    """All checks from the four show outputs (pure, so unit tests feed captured text)."""
    templates = parse_show_flow_exporter_templates(outputs['templates'])
    monitor_info = parse_show_flow_monitor(outputs['monitor'])
    records = parse_show_flow_record(outputs['record'])
    running = parse_running_config(outputs['running'])
    attached = set((ifname, a['family'], a['monitor'], a['direction'])
                   for ifname, atts in running['interfaces'].items() for a in atts)
    if not monitors:
        monitors = sorted(set(a[2] for a in attached))
    for name in monitors:
        info = monitor_info.get(name)
        if not checks.expect('monitor %s exists' % name, info is not None,
                             'monitor %s is not configured' % name):
            continue
        cache = info['cache']
        for key, label in (('active_timeout', 'active'), ('update_timeout', 'update')):
            value = cache.get(key)
            if value is None:
                cannot_check(checks, 'monitor %s %s timeout' % (name, label),
                             'show flow monitor prints no %s timeout for monitor %s (cache type %s)'
                             % (label, name, cache.get('type', 'unknown')), accepted)
            else:
                checks.expect('monitor %s %s timeout' % (name, label), value < interval,
                              '%s timeout %d s is not below the collector interval of %d s: sums land in a later '
                              'file as spikes' % (label, value, interval), timeout=value)
        mine = [t for t in templates if t['monitor'] == name]
        if not checks.expect('monitor %s exports a template' % name, mine,
                             'no exporter template for monitor %s (not attached, no exporter or no record)' % name):
            continue
        for template in mine:
            where = 'template %s of monitor %s (exporter %s)' % (template['template_id'], name, template['exporter'])
            for field in template['fields']:
                if field['type'] in COUNTER_TYPES:
                    checks.expect('%s %s counter size' % (where, COUNTER_TYPES[field['type']]), field['size'] >= 8,
                                  '%s: %s counter is %d bytes; it caps at %d: use a long counter'
                                  % (where, COUNTER_TYPES[field['type']], field['size'],
                                     (1 << (8 * field['size'])) - 1), size=field['size'])
                if field['type'] in AS_TYPES:
                    checks.expect('%s %s size' % (where, AS_TYPES[field['type']]), field['size'] >= 4,
                                  '%s: %s is %d bytes; 4-byte ASNs arrive as 23456: use 4-octet'
                                  % (where, AS_TYPES[field['type']], field['size']), size=field['size'])
            record = records.get(template['record'])
            if record is None or record['field_space'] is None:
                cannot_check(checks, '%s layout' % where, 'show flow record has no field space for record %s'
                             % template['record'], accepted)
            else:
                layout = sum(f['size'] for f in template['fields'])
                checks.expect('%s layout' % where, layout == record['field_space'],
                              '%s: template fields add up to %d bytes but the record has %d'
                              % (where, layout, record['field_space']))
    for att in attachments:
        key = (att['interface'], att['family'], att['monitor'], att['direction'])
        line = '%s flow monitor %s %s' % ('ipv6' if att['family'] == 'ipv6' else 'ip', att['monitor'], att['direction'])
        checks.expect('attachment %s %s' % (att['interface'], line), key in attached,
                      'interface %s lacks "%s"' % (att['interface'], line))
    return templates


def main():
    spec = dict(CONNECTION_ARGS)
    spec.update(
        monitors=dict(type='list', elements='str', default=[]),
        interfaces=ATTACHMENT_ARGS,
        collector_interval=dict(type='int', default=300),
        fail_on_error=dict(type='bool', default=True),
        accept_unchecked=dict(type='list', elements='str', default=[]),
    )
    spec.update(PRESET_ARGS)
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    if not HAS_NETMIKO:
        module.fail_json(msg=missing_required_lib('netmiko'), exception=NETMIKO_IMPORT_ERROR)
    monitors, attachments, problems = expected(module.params)
    if problems:
        module.fail_json(msg='; '.join(problems), commands=[])
    session = IosSession(module)
    try:
        session.open()
        outputs = {'record': session.show('show flow record'),
                   'templates': session.show('show flow exporter templates'),
                   'monitor': session.show('show flow monitor'),
                   'running': session.show('show running-config | section flow')}
    except IosSessionError as exc:
        module.fail_json(msg=str(exc), commands=session.commands)
    finally:
        session.close()
    checks = CheckList()
    templates = evaluate(checks, outputs, monitors, attachments, module.params['collector_interval'],
                         module.params['accept_unchecked'])
    checks.exit(module, fail_on_error=module.params['fail_on_error'], changed=False,
                templates=templates, commands=session.commands)


if __name__ == '__main__':
    main()
