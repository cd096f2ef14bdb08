# -*- coding: utf-8 -*-
# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Lints of a desired flow model: what IOS-XE accepts but the collector would get wrong.

Each problem is one sentence saying what is wrong, why (field notes sections 3 and 5) and what to use
instead; ``lint`` returns them all so the module fails once, before connecting, with every one.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.isplab.infra.plugins.module_utils.flow_monitor.model import (
    DEFAULT_COLLECTOR_INTERVAL, FIELDS, PREDEFINED_RECORDS, attachment_line, record_fields, split_field)

# Peer AS fields (NetFlow v9 types 128, 129), 2- and 4-octet: the router fills them from its routing table
# when it exports, so they name the peer it would use now, not the one the traffic came from or went to.
PEER_AS_FIELDS = frozenset(keyword for keyword, (field_type, _size, _kind) in FIELDS.items() if field_type in (128, 129))


def lint_record(name, fields, allow_peer_as=False):
    """Problems of one record's field list, each a complete sentence."""
    problems = []
    known = []
    for line in fields:
        parsed = split_field(line)
        if parsed is None:
            problems.append("record '%s': unknown field keyword '%s'; known fields are 'match|collect' followed by one of: %s"
                            % (name, line, ', '.join(sorted(FIELDS))))
        else:
            known.append(parsed)
    interface_fields = ['%s %s' % p for p in known if FIELDS[p[1]][2] == 'interface']
    if len(interface_fields) == 1:
        problems.append("record '%s': exactly one interface field ('%s'); a single interface field once made the "
                        "collector read the next two bytes as the missing interface and misparse every later field by 2 "
                        "bytes: use 'match interface input' with 'collect interface output' (or the reverse), or none"
                        % (name, interface_fields[0]))
    peer_fields = ["'%s %s'" % p for p in known if p[1] in PEER_AS_FIELDS]
    if peer_fields and not allow_peer_as:
        problems.append("record '%s': %s %s derived from the router's own routing table at export time, not from the "
                        "path the traffic took: the source peer AS is usually wrong and the destination peer AS is "
                        "wrong with equal-cost paths (the router reports a peer it did not use); use 'match interface "
                        "input' with 'collect interface output' (or the reverse) and a per-router interface->peer "
                        "table (isplab.infra.flow_paths) instead, or define the record in records with "
                        "allow_peer_as: true to keep it"
                        % (name, ', '.join(peer_fields), 'is' if len(peer_fields) == 1 else 'are'))
    aggregated = not any(FIELDS[p[1]][2] in ('address', 'port') for p in known if p[0] == 'match')
    if aggregated:
        for verb, keyword in known:
            field_type, size, kind = FIELDS[keyword]
            if kind == 'counter' and size < 8:
                problems.append("record '%s': '%s %s' is a 32-bit counter in an aggregated record (no address or "
                                "port match fields); it caps at 4294967295 per flow: use '%s %s long'"
                                % (name, verb, keyword, verb, keyword))
            if kind == 'as' and size < 4:
                problems.append("record '%s': '%s %s' is a 2-byte AS field in an aggregated record (no address or "
                                "port match fields); every 4-byte ASN arrives as 23456 (AS_TRANS): use '%s %s 4-octet'"
                                % (name, verb, keyword, verb, keyword))
    return problems


def lint(model, collector_interval=DEFAULT_COLLECTOR_INTERVAL):
    """Every problem of the desired model; an empty list means it may be pushed."""
    problems = []
    for name, record in sorted(model['records'].items()):
        problems.extend(lint_record(name, record['fields'], record.get('allow_peer_as')))
    for name, monitor in sorted(model['monitors'].items()):
        fields = record_fields(model, monitor['record']) if monitor['record'] else None
        if fields is None:
            problems.append("monitor '%s': record '%s' is neither defined in records nor a predefined record (%s)"
                            % (name, monitor['record'], ', '.join(sorted(PREDEFINED_RECORDS))))
        elif monitor['record'] in PREDEFINED_RECORDS:
            problems.extend(lint_record(monitor['record'], fields))
        for exporter in monitor['exporters']:
            if exporter not in model['exporters']:
                problems.append("monitor '%s': exporter '%s' is not defined in exporters" % (name, exporter))
        for key, label in (('active_timeout', 'active'), ('update_timeout', 'update')):
            if monitor[key] >= collector_interval:
                problems.append("monitor '%s': cache timeout %s %d s is not below the collector rotation interval "
                                "of %d s; sums would land in a later file as spikes: set it below %d (field fix: "
                                "active 100, update 150)"
                                % (name, label, monitor[key], collector_interval, collector_interval))
    for ifname, attachments in sorted(model['interfaces'].items()):
        for att in attachments:
            if att['family'] not in ('ipv4', 'ipv6'):
                problems.append("interface '%s': family '%s' must be ipv4 or ipv6" % (ifname, att['family']))
            if att['direction'] not in ('input', 'output'):
                problems.append("interface '%s': direction '%s' must be input or output" % (ifname, att['direction']))
            if att['monitor'] not in model['monitors']:
                problems.append("interface '%s': '%s' names monitor '%s', which is not defined"
                                % (ifname, attachment_line(att), att['monitor']))
    return problems
