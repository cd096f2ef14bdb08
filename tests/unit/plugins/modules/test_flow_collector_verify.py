from ansible_collections.isplab.infra.plugins.module_utils.flow_collector import netflow_v9 as nf
from ansible_collections.isplab.infra.plugins.module_utils.common.checks import CheckList
from ansible_collections.isplab.infra.plugins.modules import flow_collector_verify as v
from ansible_collections.isplab.infra.tests.twins.ios_xe.netflow import record_length


def sent():
    return [v.summarize(t, r) for t, r in v.test_records(45000, 3600000)]


def test_records_exercise_both_templates_and_large_values():
    rows = v.test_records(45000, 3600000)
    assert {t.template_id for t, _r in rows} == {400, 401}
    assert record_length(v.LONG) == 41 and record_length(v.SHORT) == 29
    assert any(r[nf.IN_BYTES] > 2 ** 32 and r[nf.SRC_AS] > 65535 for t, r in rows if t is v.LONG)
    for template, record in rows:  # every value fits its field: encoding would raise otherwise
        nf.encode_data_flowset(template, [record])


def test_exact_round_trip_passes():
    checks = CheckList()
    rows = sent()
    v.compare(checks, rows, [dict(r, first_ms=0) for r in rows])
    assert checks.failed == [] and len(checks.results) == 5


def test_truncated_counter_fails():
    checks = CheckList()
    rows = sent()
    received = [dict(r) for r in rows]
    received[0]['bytes'] = 4294967295
    v.compare(checks, rows, received)
    problems = [c['problem'] for c in checks.failed]
    assert problems[0].startswith('not read back exactly: sent bytes=6442450944 packets=4500001 src_as=199932 '
                                  'dst_as=3320; received')
    assert problems[1] == '1 record(s) with the test marker that were not sent'


def test_nothing_received_fails_every_record():
    checks = CheckList()
    v.compare(checks, sent(), [])
    assert len(checks.failed) == 4
