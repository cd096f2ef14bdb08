import pytest

from ansible_collections.isplab.infra.plugins.module_utils.flow_monitor import model as m
from ansible_collections.isplab.infra.plugins.module_utils.flow_monitor.lint import lint
from flow_layout import field_layout


def model(records=None, monitors=None, interfaces=None, exporters=None):
    return m.normalize(exporters if exporters is not None else [{'name': 'nfcapd', 'destination': '192.0.2.10'}],
                       records if records is not None else [{'name': 'asn'}],
                       monitors if monitors is not None else [{'name': 'asn', 'record': 'asn',
                                                               'exporters': ['nfcapd']}],
                       interfaces or [])


def test_defaults_are_the_field_fix():
    desired = model()
    assert desired['records']['asn']['fields'] == [
        'match routing source as 4-octet', 'match routing destination as 4-octet', 'collect counter bytes long',
        'collect counter packets long', 'collect timestamp sys-uptime first', 'collect timestamp sys-uptime last']
    mon = desired['monitors']['asn']
    assert (mon['active_timeout'], mon['update_timeout'], mon['inactive_timeout']) == (100, 150, 15)
    assert lint(desired) == []


def test_predefined_as_record_layout_is_29_bytes():
    layout = field_layout(m.PREDEFINED_RECORDS['netflow ipv4 as'])
    assert sum(size for _k, _t, _o, size in layout) == 29
    assert sorted(t for _k, t, _o, _s in layout) == [1, 2, 10, 14, 16, 17, 21, 22, 61]


def test_timeouts_not_below_rotation():
    desired = model(monitors=[{'name': 'asn', 'record': 'asn', 'exporters': ['nfcapd'],
                               'active_timeout': 1800, 'update_timeout': 300}])
    assert lint(desired) == [
        "monitor 'asn': cache timeout active 1800 s is not below the collector rotation interval of 300 s; sums "
        "would land in a later file as spikes: set it below 300 (field fix: active 100, update 150)",
        "monitor 'asn': cache timeout update 300 s is not below the collector rotation interval of 300 s; sums "
        "would land in a later file as spikes: set it below 300 (field fix: active 100, update 150)"]


def test_short_counters_and_as_in_aggregated_record():
    desired = model(records=[{'name': 'asn', 'fields': ['match routing source as', 'collect counter bytes']}])
    assert lint(desired) == [
        "record 'asn': 'match routing source as' is a 2-byte AS field in an aggregated record (no address or port "
        "match fields); every 4-byte ASN arrives as 23456 (AS_TRANS): use 'match routing source as 4-octet'",
        "record 'asn': 'collect counter bytes' is a 32-bit counter in an aggregated record (no address or port "
        "match fields); it caps at 4294967295 per flow: use 'collect counter bytes long'"]


def test_short_counters_allowed_when_addresses_are_keys():
    desired = model(records=[{'name': 'asn', 'fields': ['match ipv4 source address', 'collect counter bytes']}])
    assert lint(desired) == []


def test_exactly_one_interface_field():
    fields = m.DEFAULT_RECORD_FIELDS + ['match interface input']
    assert lint(model(records=[{'name': 'asn', 'fields': fields}])) == [
        "record 'asn': exactly one interface field ('match interface input'); a single interface field once made "
        "the collector read the next two bytes as the missing interface and misparse every later field by 2 bytes: "
        "use 'match interface input' with 'collect interface output' (or the reverse), or none"]
    assert lint(model(records=[{'name': 'asn', 'fields': fields + ['collect interface output']}])) == []


def test_attachment_to_undefined_monitor():
    desired = model(interfaces=[{'name': 'GigabitEthernet1', 'monitors': [
        {'monitor': 'asn', 'family': 'ipv4', 'direction': 'output'},
        {'monitor': 'as', 'family': 'ipv6', 'direction': 'input'}]}])
    assert lint(desired) == [
        "interface 'GigabitEthernet1': 'ipv6 flow monitor as input' names monitor 'as', which is not defined"]


def test_unknown_keyword():
    problems = lint(model(records=[{'name': 'asn', 'fields': m.DEFAULT_RECORD_FIELDS + ['collect counter octets']}]))
    assert len(problems) == 1
    assert problems[0].startswith("record 'asn': unknown field keyword 'collect counter octets'; known fields are")


def test_predefined_record_is_linted_where_used():
    problems = lint(model(records=[], monitors=[{'name': 'asn', 'record': 'netflow ipv4 as',
                                                 'exporters': ['nfcapd']}]))
    assert len(problems) == 4  # two 32-bit counters, two 2-byte AS fields
    assert all(p.startswith("record 'netflow ipv4 as': ") for p in problems)


def test_undefined_record_and_exporter():
    problems = lint(model(monitors=[{'name': 'asn', 'record': 'nope', 'exporters': ['gone']}]))
    assert problems == [
        "monitor 'asn': record 'nope' is neither defined in records nor a predefined record "
        "(netflow ipv4 as, netflow ipv4 as peer, netflow-original)",
        "monitor 'asn': exporter 'gone' is not defined in exporters"]


def test_layout_rejects_unknown_field():
    with pytest.raises(m.FlowModelError, match="unknown field keyword 'match banana'"):
        field_layout(['match banana'])
