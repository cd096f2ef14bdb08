# -*- coding: utf-8 -*-
# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The nfdump command of one nfcapd file and its rows.

nfdump aggregates the te-in/te-out records per exporter, interfaces, AS pair and local /26, so a
1,000,000-flow file becomes a few thousand lines; they are split with str.split (no regex per line).
A te-in record carries no source address, so its source /26 prints as 0.0.0.0; a te-out record has
no destination address. Standard library only: the collector runs this without Ansible.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import io

from ansible_collections.isplab.infra.plugins.module_utils.common import nfdump_exporters

# nfdump prints times in its own zone; UTC keeps every run alike (no times are parsed here today).
NFDUMP_ENVIRONMENT = {'TZ': 'UTC'}
AGGREGATION = 'srcip4/26,srcas,inif,router,outif,dstas,dstip4/26'
FORMAT = 'fmt:%ra %in %out %sas %das %sa %da %byt %pkt %fl'
NO_ADDRESS = '0.0.0.0'
# What nfdump prints instead of rows for a file (or filter) without flows.
NO_FLOWS = 'No matching flows'


class RowError(ValueError):
    """nfdump printed a line that is not a row of FORMAT."""


def nfdump_argv(path):
    """The read-only nfdump command for one nfcapd file (-N: plain numbers, -q: no header or summary)."""
    return ['nfdump', '-r', path, '-q', '-N', '-A', AGGREGATION, '-o', FORMAT]


def parse_rows(text, ident=None):
    """Row dicts of nfdump's output; ``ident`` is the nfcapd instance whose directory held the file.

    ``record`` is 'in' (te-in: no source address), 'out' (te-out: no destination address) or None
    (both or neither address: not a record of the te_paths preset).
    """
    return list(iter_rows(text, ident))


def iter_rows(text, ident=None):
    """parse_rows one row at a time: the aggregator consumes rows as they are split, a big file is not held twice."""
    for number, line in enumerate(io.StringIO(text), 1):
        fields = line.split()
        if not fields:
            continue
        if len(fields) != 10:
            if line.strip() == NO_FLOWS:
                continue
            raise RowError('nfdump output line %d has %d fields, expected 10 (%s): %r'
                           % (number, len(fields), FORMAT[4:], line.strip()))
        exporter, inif, outif, src_as, dst_as, src_net, dst_net, nbytes, packets, flows = fields
        if src_net == NO_ADDRESS and dst_net != NO_ADDRESS:
            record = 'in'
        elif dst_net == NO_ADDRESS and src_net != NO_ADDRESS:
            record = 'out'
        else:
            record = None
        try:
            row = {
                'exporter': exporter, 'ident': ident, 'record': record,
                'inif': int(inif), 'outif': int(outif), 'src_as': int(src_as), 'dst_as': int(dst_as),
                'src_net': src_net, 'dst_net': dst_net,
                'bytes': int(nbytes), 'packets': int(packets), 'flows': int(flows),
            }
        except ValueError:
            raise RowError('nfdump output line %d has a non-numeric counter, interface or AS (was -N given?): %r'
                           % (number, line.strip()))
        yield row


def exporters_argv(path):
    """The read-only nfdump command printing the exporters nfcapd stored in one file, with their sequence failures."""
    return ['nfdump', '-E', path]


def parse_sequence_failures(text):
    """{exporter address: sequence failures} of ``nfdump -E`` output, summed over observation domains.

    nfcapd counts a failure per gap in an exporter's datagram sequence numbers: flows were lost on the way.
    """
    try:
        return nfdump_exporters.failures_by_exporter(nfdump_exporters.parse_exporters(text))
    except nfdump_exporters.ExportersError as exc:
        raise RowError(str(exc))
