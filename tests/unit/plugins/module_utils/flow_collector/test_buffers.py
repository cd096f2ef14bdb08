"""The receive buffer rule and the values the kernel would cap without an error."""

import pytest

from ansible_collections.isplab.infra.plugins.module_utils.flow_collector import buffers, netflow_v9 as nf

# The flow_monitor role's default record: 4-byte AS pair, long counters, sys-uptime first/last.
DEFAULT_RECORD = nf.Template(256, [(nf.SRC_AS, 4), (nf.DST_AS, 4), (nf.IN_BYTES, 8), (nf.IN_PKTS, 8),
                                   (nf.FIRST_SWITCHED, 4), (nf.LAST_SWITCHED, 4)])


def test_records_per_datagram_matches_what_the_encoder_fits():
    per = buffers.records_per_datagram(1400, 32)
    assert per == 43
    record = {t: 1 for t, _n in DEFAULT_RECORD.fields}
    datagram = nf.encode_packet([nf.encode_data_flowset(DEFAULT_RECORD, [record] * per)], 0, 0, 0)
    assert len(datagram) <= 1400
    bigger = nf.encode_packet([nf.encode_data_flowset(DEFAULT_RECORD, [record] * (per + 1))], 0, 0, 0)
    assert len(bigger) > 1400


def test_role_defaults_give_the_documented_buffer():
    plan = buffers.receive_buffer(100000, 56, 1400)
    assert plan['records_per_datagram'] == 24
    assert plan['datagrams'] == 4167  # ceil(100000 / 24)
    assert plan['rcvbuf_bytes'] == 4167 * 1400 == 5833800
    assert plan['accounted_bytes'] == 11667600


def test_partial_last_datagram_counts():
    assert buffers.receive_buffer(44, 32, 1400)['datagrams'] == 2


@pytest.mark.parametrize('args, message', [
    ((100, 32, 50), 'a datagram of 50 bytes holds no record of 32 bytes (v9 header 20 + flowset header 4): raise datagram_bytes'),
    ((0, 32, 1400), 'burst_flows must be at least 1, got 0'),
    ((100, 0, 1400), 'record_bytes must be at least 1, got 0'),
    ((100, 32, 70000), 'datagram_bytes 70000 is above the largest UDP payload (65507)'),
])
def test_impossible_inputs_are_refused(args, message):
    with pytest.raises(buffers.BufferError) as info:
        buffers.receive_buffer(*args)
    assert str(info.value) == message


def test_exporter_overrides_win():
    plans = buffers.plan([{'ident': 'edge1'}, {'ident': 'edge2', 'burst_flows': 300000}, {'ident': 'edge3', 'rcvbuf_bytes': 8388608}],
                         100000, 56, 1400)
    assert plans['edge1']['rcvbuf_bytes'] == 5833800
    assert plans['edge2']['rcvbuf_bytes'] == 12500 * 1400
    assert plans['edge3']['rcvbuf_bytes'] == 8388608 and plans['edge3']['accounted_bytes'] == 16777216


def test_rmem_max_is_the_largest_buffer_and_never_lowered():
    plans = buffers.plan([{'ident': 'a'}, {'ident': 'b', 'burst_flows': 200000}], 100000, 56, 1400)
    assert buffers.target_rmem_max(plans, 0, 212992) == 8334 * 1400
    assert buffers.target_rmem_max(plans, 0, 33554432) == 33554432
    assert buffers.target_rmem_max(plans, 4194304, 33554432) == 4194304


def test_buffer_above_rmem_max_is_refused_with_the_value_to_set():
    plans = buffers.plan([{'ident': 'edge1'}, {'ident': 'edge2', 'rcvbuf_bytes': 200000}], 100000, 56, 1400)
    assert buffers.refusals(plans, 212992) == [
        "instance 'edge1': nfcapd -B 5833800 is above net.core.rmem_max 212992; the kernel would silently cap the "
        "receive buffer at 212992 and drop bursts beyond it: set flow_collector_rmem_max to at least 5833800 "
        "(or 0 for the largest -B) or lower the instance's burst_flows"]
    assert buffers.refusals(plans, 5833800) == []


def test_buffer_above_int_max_half_is_refused():
    plans = buffers.plan([{'ident': 'big', 'rcvbuf_bytes': 2 ** 30}], 100000, 56, 1400)
    assert buffers.refusals(plans, 2 ** 31 - 1) == [
        "instance 'big': nfcapd -B 1073741824 is above 1073741823 (INT_MAX / 2), which the kernel caps silently: "
        "lower flow_collector_burst_flows or flow_collector_rcvbuf_bytes"]


def test_sysctl_file_holds_the_value():
    assert 'net.core.rmem_max = 5833800\n' in buffers.sysctl_text(5833800)
