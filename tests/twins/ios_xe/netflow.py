"""The twin's NetFlow v9 layer: the collection's encoder plus what only a router and a test need.

The encoder is plugins/module_utils/flow_collector/netflow_v9.py, loaded by path
so the twin runs without an ansible_collections tree.  Counter saturation and
AS_TRANS are the router's truncation (flow_collector_verify sends exact values
and never truncates); the decoder lets tests read back what was encoded.
"""

import importlib.util
import os
import struct

_NF_PATH = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'plugins', 'module_utils', 'flow_collector',
                        'netflow_v9.py')
_spec = importlib.util.spec_from_file_location('isplab_twin_netflow_v9', _NF_PATH)
nf = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(nf)

NetflowError = nf.NetflowError


def saturate(value, length):
    """Clamp ``value`` to the largest unsigned integer of ``length`` bytes (what a router counter does)."""
    return min(int(value), (1 << (8 * length)) - 1)


def as_trans(asn, length):
    """An ASN as a field of ``length`` bytes carries it: 4-byte ASNs in 2-byte fields become AS_TRANS."""
    return asn if length >= 4 or asn <= 0xFFFF else nf.AS_TRANS


def record_length(template):
    """Bytes of one data record of ``template`` (any object with ``fields`` = [(type, length)])."""
    return sum(length for _type, length in template.fields)


class DecodedTemplate:
    """A template read from a datagram; equal to any template with the same id and fields."""

    def __init__(self, template_id, fields):
        self.template_id = template_id
        self.fields = [(int(t), int(n)) for t, n in fields]

    def __eq__(self, other):
        return (self.template_id, self.fields) == (getattr(other, 'template_id', None), getattr(other, 'fields', None))

    def __repr__(self):
        return 'DecodedTemplate(%d, %r)' % (self.template_id, self.fields)


def decode_packet(data, templates=None):
    """Decode one datagram; returns (header dict, templates dict id->DecodedTemplate, records list of (id, dict)).

    ``templates`` carries templates learned from earlier packets and is updated in place.
    """
    if templates is None:
        templates = {}
    if len(data) < nf.HEADER.size:
        raise NetflowError('datagram of %d bytes is shorter than the v9 header' % len(data))
    version, count, uptime, secs, sequence, source_id = nf.HEADER.unpack_from(data)
    if version != nf.VERSION:
        raise NetflowError('not NetFlow v9: version %d' % version)
    header = {'version': version, 'count': count, 'sys_uptime': uptime, 'unix_secs': secs,
              'sequence': sequence, 'source_id': source_id}
    records = []
    offset = nf.HEADER.size
    while offset + 4 <= len(data):
        set_id, set_length = struct.unpack_from('!HH', data, offset)
        if set_length < 4 or offset + set_length > len(data):
            raise NetflowError('flowset at offset %d has a bad length %d' % (offset, set_length))
        body = data[offset + 4:offset + set_length]
        if set_id == nf.TEMPLATE_FLOWSET_ID:
            _decode_templates(body, templates)
        elif set_id >= 256:
            template = templates.get(set_id)
            if template is None:
                raise NetflowError('data flowset for unknown template %d' % set_id)
            records.extend((set_id, record) for record in _decode_records(body, template))
        offset += set_length
    return header, templates, records


def _decode_templates(body, templates):
    pos = 0
    while pos + 4 <= len(body):
        template_id, field_count = struct.unpack_from('!HH', body, pos)
        pos += 4
        fields = [struct.unpack_from('!HH', body, pos + 4 * i) for i in range(field_count)]
        pos += 4 * field_count
        templates[template_id] = DecodedTemplate(template_id, fields)


def _decode_records(body, template):
    pos = 0
    size = record_length(template)
    while pos + size <= len(body):
        record = {}
        for field_type, length in template.fields:
            record[field_type] = int.from_bytes(body[pos:pos + length], 'big')
            pos += length
        yield record
