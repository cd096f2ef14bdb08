# -*- coding: utf-8 -*-
# Copyright (c) isplab.infra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""NetFlow v9 datagrams (RFC 3954): encoding, stdlib only.

Used by flow_collector_verify to send real datagrams to nfcapd and by the
IOS-XE twin's exporter.  Integer fields are big-endian and exactly as long
as the template says: a value that does not fit is an error here, because
truncation (32-bit counters, 2-byte AS) is the exporter's decision and must
be made explicitly by the exporter (the twin does, tests/twins/ios_xe/netflow.py).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import struct

VERSION = 9
TEMPLATE_FLOWSET_ID = 0
HEADER = struct.Struct('!HHIIII')  # version, count, sys_uptime, unix_secs, sequence, source_id
AS_TRANS = 23456  # RFC 6793: what a 4-byte ASN becomes in a 2-byte field

# Field types used in this collection (RFC 3954 section 8).
IN_BYTES = 1
IN_PKTS = 2
PROTOCOL = 4
SRC_TOS = 5
TCP_FLAGS = 6
L4_SRC_PORT = 7
IPV4_SRC_ADDR = 8
SRC_MASK = 9
INPUT_SNMP = 10
L4_DST_PORT = 11
IPV4_DST_ADDR = 12
DST_MASK = 13
OUTPUT_SNMP = 14
IPV4_NEXT_HOP = 15
SRC_AS = 16
DST_AS = 17
LAST_SWITCHED = 21
FIRST_SWITCHED = 22
IPV6_SRC_ADDR = 27
IPV6_DST_ADDR = 28
FLOW_SAMPLER_ID = 48
DIRECTION = 61
BGP_ADJ_NEXT_AS = 128
BGP_ADJ_PREV_AS = 129


class NetflowError(ValueError):
    """A datagram or record cannot be encoded or decoded."""


class Template:
    """A data template: ``fields`` is a list of (type, length) in record order."""

    def __init__(self, template_id, fields):
        if template_id < 256:
            raise NetflowError('template id %d is reserved; data templates start at 256' % template_id)
        self.template_id = template_id
        self.fields = [(int(t), int(n)) for t, n in fields]


def _encode_value(value, length):
    if isinstance(value, (bytes, bytearray)):
        if len(value) != length:
            raise NetflowError('value of %d bytes for a field of %d bytes' % (len(value), length))
        return bytes(value)
    value = int(value)
    if value < 0 or value >> (8 * length):
        raise NetflowError('value %d does not fit in %d bytes' % (value, length))
    return value.to_bytes(length, 'big')


def _pad(body):
    return body + b'\0' * (-len(body) % 4)


def encode_template_flowset(templates):
    body = b''
    for template in templates:
        body += struct.pack('!HH', template.template_id, len(template.fields))
        for field_type, length in template.fields:
            body += struct.pack('!HH', field_type, length)
    return struct.pack('!HH', TEMPLATE_FLOWSET_ID, 4 + len(body)) + body


def encode_data_flowset(template, records):
    """``records`` are dicts field type -> value (int or bytes); every template field must be present."""
    body = b''
    for record in records:
        for field_type, length in template.fields:
            if field_type not in record:
                raise NetflowError('record has no value for field type %d of template %d'
                                   % (field_type, template.template_id))
            body += _encode_value(record[field_type], length)
    body = _pad(struct.pack('!HH', template.template_id, 0) + body)
    return struct.pack('!HH', template.template_id, len(body)) + body[4:]


def encode_packet(flowsets, sys_uptime_ms, unix_secs, sequence, source_id=0, record_count=None):
    """A v9 export packet; ``record_count`` is the header's count (templates + data records)."""
    if record_count is None:
        record_count = len(flowsets)
    header = HEADER.pack(VERSION, record_count, sys_uptime_ms & 0xFFFFFFFF, unix_secs, sequence & 0xFFFFFFFF, source_id)
    return header + b''.join(flowsets)


def build_packets(template, records, sys_uptime_ms, unix_secs, sequence, source_id=0, max_records=20,
                  with_template=True):
    """Data in packets of at most ``max_records`` records; returns (packets, next sequence).

    With ``with_template`` every packet repeats the template, so a collector started late still decodes
    it (flow_collector_verify). Without it the packets carry data only: a router sends its templates on
    its own timer (``template data timeout``), and the IOS-XE twin models that.
    """
    packets = []
    records = list(records)
    for start in range(0, max(len(records), 1), max_records):
        chunk = records[start:start + max_records]
        flowsets = [encode_template_flowset([template])] if with_template else []
        if chunk:
            flowsets.append(encode_data_flowset(template, chunk))
        if not flowsets:
            break
        packets.append(encode_packet(flowsets, sys_uptime_ms, unix_secs, sequence, source_id,
                                     record_count=len(chunk) + (1 if with_template else 0)))
        sequence += 1
    return packets, sequence
