# -*- coding: utf-8 -*-
# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The exporters nfcapd stored in one file, as ``nfdump -E FILE`` (nfdump 1.7.1) prints them.

Shared by flow_collector (loss checks) and flow_paths (loss per slot, installed on the collector without
Ansible): standard library only. One line per exporter and observation domain; an exporter that sent
templates but no data in that file gets a short line without counters (seen on the lab collector):

    SysID: 1, IP:        127.0.0.2, version: 9, ID:  7, Sequence failures: 1, packets: 8, flows: 80
    SysID: 2, IP:         10.0.2.2, version: 9, ID:  0 - no flows sent
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

EXPORTER_LINE = re.compile(r'^SysID:\s*(\d+),\s*IP:\s*(\S+),\s*version:\s*(\d+),\s*ID:\s*(\d+),\s*'
                           r'Sequence failures:\s*(\d+),\s*packets:\s*(\d+),\s*flows:\s*(\d+)\s*$')
SILENT_EXPORTER_LINE = re.compile(r'^SysID:\s*(\d+),\s*IP:\s*(\S+),\s*version:\s*(\d+),\s*ID:\s*(\d+)\s*-\s*no flows sent\s*$')


class ExportersError(ValueError):
    """nfdump -E printed something that is not its exporter list."""


def parse_exporters(text):
    """List of {sysid, ip, version, id, sequence_failures, packets, flows}; no flows sent = all counters 0."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines or lines[0] != 'Exporters:':
        raise ExportersError('nfdump -E printed no "Exporters:" heading: %r' % text[:200])
    exporters = []
    for line in lines[1:]:
        if line == 'No Exporter records found':
            continue
        match = EXPORTER_LINE.match(line)
        if match:
            sysid, ip, version, domain, failures, packets, flows = match.groups()
        else:
            match = SILENT_EXPORTER_LINE.match(line)
            if not match:
                raise ExportersError('unexpected nfdump -E line: %r' % line)
            (sysid, ip, version, domain), failures, packets, flows = match.groups(), 0, 0, 0
        exporters.append({'sysid': int(sysid), 'ip': ip, 'version': int(version), 'id': int(domain),
                          'sequence_failures': int(failures), 'packets': int(packets), 'flows': int(flows)})
    return exporters


def failures_by_exporter(exporters):
    """{exporter IP: sequence failures}, summed over the observation domains of one IP."""
    totals = {}
    for exporter in exporters:
        totals[exporter['ip']] = totals.get(exporter['ip'], 0) + exporter['sequence_failures']
    return totals
