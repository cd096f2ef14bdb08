# -*- coding: utf-8 -*-
# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Values IOS-XE would refuse, found before connecting to the router.

Ranges are those of the Cisco-IOS-XE-flow YANG model (field notes section 6):
cache entries 16..2000000, template data timeout 1..86400, cache timeouts
1..604800; ``transport udp`` takes a UDP port 1..65535. A refusal part-way
through a push is recovered by a rollback, but a value known to be refused
must never get that far.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import re

from ansible_collections.isplab.infra.plugins.module_utils.flow_monitor.model import EXPORT_PROTOCOLS, PREDEFINED_RECORDS

RANGES = {
    'transport_port': (1, 65535),
    'template_timeout': (1, 86400),
    'active_timeout': (1, 604800),
    'inactive_timeout': (1, 604800),
    'update_timeout': (1, 604800),
    'cache_entries': (16, 2000000),
}
# One CLI word: IOS splits on blanks and treats '?' as a help request; ';', quotes and control characters
# are not part of any name this collection writes.
NAME = re.compile(r'^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,63}$')
INTERFACE = re.compile(r'^[A-Za-z][A-Za-z-]*[0-9]+(/[0-9]+)*(\.[0-9]+)?$')
DESCRIPTION = re.compile(r'^[ -~]{1,200}$')


def _range(problems, where, key, value):
    low, high = RANGES[key]
    if value is not None and not low <= value <= high:
        problems.append('%s: %s %d is outside %d..%d, which IOS-XE refuses' % (where, key, value, low, high))


def _name(problems, where, kind, value, pattern=NAME):
    if value is not None and not pattern.match(value):
        problems.append("%s: %s '%s' is not a single IOS word (%s)" % (where, kind, value, pattern.pattern))


def _description(problems, where, value):
    if value is not None and (not DESCRIPTION.match(value) or '?' in value):
        problems.append("%s: description %r must be one line of printable ASCII without '?'" % (where, value))


def _exporter(problems, name, exp):
    where = "exporter '%s'" % name
    _name(problems, where, 'name', name)
    _description(problems, where, exp.get('description'))
    try:
        ipaddress.ip_address(u'%s' % exp.get('destination'))
    except ValueError:
        problems.append("%s: destination '%s' is not an IPv4 or IPv6 address" % (where, exp.get('destination')))
    _name(problems, where, 'vrf', exp.get('vrf'))
    _name(problems, where, 'source interface', exp.get('source'), INTERFACE)
    if exp['version'] not in EXPORT_PROTOCOLS:
        problems.append("%s: version '%s' is not one of %s" % (where, exp['version'], ', '.join(sorted(EXPORT_PROTOCOLS))))
    for key in ('transport_port', 'template_timeout'):
        _range(problems, where, key, exp[key])


def validate(model, collector_interval):
    """Every value of the desired model the router would refuse, plus the template refresh lint."""
    problems = []
    for name, exp in sorted(model['exporters'].items()):
        _exporter(problems, name, exp)
        if exp['template_timeout'] >= collector_interval:
            problems.append("exporter '%s': template data timeout %d s is not below the collector rotation "
                            "interval of %d s; nfcapd keeps templates in memory only, so every collector restart "
                            "loses up to that long of this router's flows: set it below %d (default 60)"
                            % (name, exp['template_timeout'], collector_interval, collector_interval))
    for name, rec in sorted(model['records'].items()):
        if name in PREDEFINED_RECORDS:
            problems.append("record '%s' is predefined; IOS-XE does not let it be redefined" % name)
        _name(problems, "record '%s'" % name, 'name', name)
        _description(problems, "record '%s'" % name, rec.get('description'))
    for name, mon in sorted(model['monitors'].items()):
        where = "monitor '%s'" % name
        _name(problems, where, 'name', name)
        _description(problems, where, mon.get('description'))
        for key in ('active_timeout', 'inactive_timeout', 'update_timeout', 'cache_entries'):
            _range(problems, where, key, mon.get(key))
    for ifname in sorted(model['interfaces']):
        _name(problems, "interface '%s'" % ifname, 'name', ifname, INTERFACE)
    return problems
