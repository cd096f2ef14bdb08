import pytest

from ansible_collections.isplab.infra.plugins.module_utils.flow_monitor import model as m
from ansible_collections.isplab.infra.plugins.module_utils.flow_monitor.lint import PEER_AS_FIELDS, lint
from ansible_collections.isplab.infra.plugins.module_utils.flow_monitor.presets import TE_IN_FIELDS

WHY_PEER = ("derived from the router's own routing table at export time, not from the path the traffic took: the "
            "source peer AS is usually wrong and the destination peer AS is wrong with equal-cost paths (the router "
            "reports a peer it did not use); use 'match interface input' with 'collect interface output' (or the "
            "reverse) and a per-router interface->peer table (isplab.infra.flow_paths) instead, or define the "
            "record in records with allow_peer_as: true to keep it")
BOTH_INTERFACES = ['match interface input', 'collect interface output']


def desired(fields, allow_peer_as=None, record='peer'):
    item = {'name': record, 'fields': fields}
    if allow_peer_as is not None:
        item['allow_peer_as'] = allow_peer_as
    return m.normalize([{'name': 'nfcapd', 'destination': '192.0.2.10'}], [item],
                       [{'name': 'mon', 'record': record, 'exporters': ['nfcapd']}], [])


def test_peer_fields_are_all_four_keywords():
    assert sorted(PEER_AS_FIELDS) == ['routing destination as peer', 'routing destination as peer 4-octet',
                                      'routing source as peer', 'routing source as peer 4-octet']


@pytest.mark.parametrize('verb', ['match', 'collect'])
@pytest.mark.parametrize('keyword', ['routing source as peer 4-octet', 'routing destination as peer 4-octet'])
def test_one_peer_field_is_refused_with_the_reason(verb, keyword):
    fields = m.DEFAULT_RECORD_FIELDS + BOTH_INTERFACES + ['%s %s' % (verb, keyword)]
    assert lint(desired(fields)) == ["record 'peer': '%s %s' is %s" % (verb, keyword, WHY_PEER)]


def test_two_octet_peer_fields_get_the_peer_and_the_as_trans_lints():
    fields = ['match routing source as peer', 'collect routing destination as peer',
              'collect counter bytes long', 'collect counter packets long']
    assert lint(desired(fields)) == [
        "record 'peer': 'match routing source as peer', 'collect routing destination as peer' are " + WHY_PEER,
        "record 'peer': 'match routing source as peer' is a 2-byte AS field in an aggregated record (no address or "
        "port match fields); every 4-byte ASN arrives as 23456 (AS_TRANS): use 'match routing source as peer 4-octet'",
        "record 'peer': 'collect routing destination as peer' is a 2-byte AS field in an aggregated record (no "
        "address or port match fields); every 4-byte ASN arrives as 23456 (AS_TRANS): use 'collect routing "
        "destination as peer 4-octet'"]


def test_allow_peer_as_accepts_them_and_only_them():
    fields = m.DEFAULT_RECORD_FIELDS + ['match routing source as peer 4-octet', 'match routing destination as peer 4-octet']
    assert lint(desired(fields, allow_peer_as=True)) == []
    assert lint(desired(fields, allow_peer_as=False)) == [
        "record 'peer': 'match routing source as peer 4-octet', 'match routing destination as peer 4-octet' are "
        + WHY_PEER]
    # the flag does not silence the other lints
    problems = lint(desired(fields + ['collect counter bytes'], allow_peer_as=True))
    assert problems == ["record 'peer': 'collect counter bytes' is a 32-bit counter in an aggregated record (no "
                        "address or port match fields); it caps at 4294967295 per flow: use 'collect counter bytes long'"]


def test_predefined_peer_record_is_refused_where_used():
    model = m.normalize([{'name': 'nfcapd', 'destination': '192.0.2.10'}], [],
                        [{'name': 'mon', 'record': 'netflow ipv4 as peer', 'exporters': ['nfcapd']}], [])
    problems = lint(model)
    assert problems[0] == ("record 'netflow ipv4 as peer': 'match routing source as peer', 'match routing "
                           "destination as peer' are " + WHY_PEER)
    assert len(problems) == 5  # and two 2-byte AS fields, two 32-bit counters


def test_address_record_with_one_interface_field_is_refused():
    # te-in without its collected interface: the address key makes it unaggregated, the lint holds anyway
    fields = [f for f in TE_IN_FIELDS if f != 'collect interface output']
    assert 'match ipv4 destination address' in fields
    assert lint(desired(fields, record='te-in')) == [
        "record 'te-in': exactly one interface field ('match interface input'); a single interface field once made "
        "the collector read the next two bytes as the missing interface and misparse every later field by 2 bytes: "
        "use 'match interface input' with 'collect interface output' (or the reverse), or none"]
