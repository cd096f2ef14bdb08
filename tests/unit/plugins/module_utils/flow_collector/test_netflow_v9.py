import pytest

from ansible_collections.isplab.infra.plugins.module_utils.flow_collector import netflow_v9 as nf
# decoding and router-side truncation are test/twin code, next to the twin that uses them
from ansible_collections.isplab.infra.tests.twins.ios_xe import netflow as twin_nf

FIELD_TEMPLATE = nf.Template(256, [(16, 2), (17, 2), (10, 4), (14, 4), (61, 1), (1, 4), (2, 4), (22, 4), (21, 4)])


def test_field_template_is_29_bytes():
    assert twin_nf.record_length(FIELD_TEMPLATE) == 29


def test_round_trip_with_padding_and_template():
    record = {16: 23456, 17: 3320, 10: 1, 14: 2, 61: 0, 1: 4294967295, 2: 7, 22: 1000, 21: 2000}
    packets, seq = nf.build_packets(FIELD_TEMPLATE, [record, record], 5000, 1700000000, 41, source_id=9)
    assert seq == 42 and len(packets) == 1
    assert len(packets[0]) % 4 == 0
    header, templates, records = twin_nf.decode_packet(packets[0])
    assert header == {'version': 9, 'count': 3, 'sys_uptime': 5000, 'unix_secs': 1700000000,
                      'sequence': 41, 'source_id': 9}
    assert templates[256] == FIELD_TEMPLATE
    assert records == [(256, record), (256, record)]


def test_long_counters_and_4_byte_as_survive():
    template = nf.Template(300, [(16, 4), (1, 8)])
    packets, _seq = nf.build_packets(template, [{16: 199932, 1: 6442450944}], 0, 0, 0)
    assert twin_nf.decode_packet(packets[0])[2] == [(300, {16: 199932, 1: 6442450944})]


def test_value_that_does_not_fit_is_refused():
    with pytest.raises(nf.NetflowError, match='value 199932 does not fit in 2 bytes'):
        nf.build_packets(FIELD_TEMPLATE, [{16: 199932, 17: 0, 10: 0, 14: 0, 61: 0, 1: 0, 2: 0, 22: 0, 21: 0}], 0, 0, 0)


def test_router_truncation_helpers():
    assert twin_nf.saturate(6442450944, 4) == 4294967295
    assert twin_nf.saturate(6442450944, 8) == 6442450944
    assert twin_nf.as_trans(199932, 2) == 23456
    assert twin_nf.as_trans(64512, 2) == 64512
    assert twin_nf.as_trans(199932, 4) == 199932


def test_data_for_unknown_template_is_an_error():
    packets, _seq = nf.build_packets(FIELD_TEMPLATE, [], 0, 0, 0)
    data_only = nf.encode_packet([nf.encode_data_flowset(nf.Template(257, [(1, 4)]), [{1: 5}])], 0, 0, 0)
    assert twin_nf.decode_packet(packets[0])[2] == []
    with pytest.raises(twin_nf.NetflowError, match='unknown template 257'):
        twin_nf.decode_packet(data_only)
