import os

from ansible_collections.isplab.infra.plugins.module_utils.common.checks import CheckList
from ansible_collections.isplab.infra.plugins.modules import flow_monitor_verify

FIX = os.path.join(os.path.dirname(__file__), '..', '..', 'fixtures', 'ios_xe')


def outputs(prefix):
    names = {'record': 'show_flow_record', 'templates': 'show_flow_exporter_templates',
             'monitor': 'show_flow_monitor', 'running': 'running_section_flow'}
    result = {}
    for key, name in names.items():
        with open(os.path.join(FIX, '%s_%s.txt' % (prefix, name))) as handle:
            result[key] = handle.read()
    return result


ATTACH_OUT = {'interface': 'GigabitEthernet1', 'monitor': 'asn', 'family': 'ipv4', 'direction': 'output'}


def test_field_config_fails_with_each_reason():
    checks = CheckList()
    flow_monitor_verify.evaluate(checks, outputs('field'), [], [ATTACH_OUT], 300)
    problems = [c['problem'] for c in checks.failed]
    where = 'template 256 of monitor asn (exporter nfcapd)'
    assert problems == [
        'monitor as is not configured',  # the dangling `ipv6 flow monitor as input`
        'active timeout 1800 s is not below the collector interval of 300 s: sums land in a later file as spikes',
        'cannot check: show flow monitor prints no update timeout for monitor asn (cache type normal (Platform '
        'cache)) (accept it with accept_unchecked)',
        '%s: source AS is 2 bytes; 4-byte ASNs arrive as 23456: use 4-octet' % where,
        '%s: destination AS is 2 bytes; 4-byte ASNs arrive as 23456: use 4-octet' % where,
        '%s: bytes counter is 4 bytes; it caps at 4294967295: use a long counter' % where,
        '%s: packets counter is 4 bytes; it caps at 4294967295: use a long counter' % where,
        'interface GigabitEthernet1 lacks "ip flow monitor asn output"',
    ]


def test_fixed_config_passes_for_both_exporters():
    checks = CheckList()
    templates = flow_monitor_verify.evaluate(checks, outputs('fixed'), ['asn'], [ATTACH_OUT], 300,
                                             ['monitor * update timeout'])
    assert checks.failed == []
    assert sorted(t['exporter'] for t in templates) == ['backup', 'nfcapd']
    assert len([c for c in checks.results if 'counter size' in c['check']]) == 4


def test_missing_monitor_is_reported():
    checks = CheckList()
    flow_monitor_verify.evaluate(checks, outputs('fixed'), ['nope'], [], 300)
    assert [c['problem'] for c in checks.failed] == ['monitor nope is not configured']


def test_update_timeout_a_normal_cache_does_not_print_is_unchecked_not_passed():
    # real IOS-XE prints no Update Timeout line for a normal cache (field notes section 6)
    checks = CheckList()
    flow_monitor_verify.evaluate(checks, outputs('fixed'), ['asn'], [ATTACH_OUT], 300)
    unchecked = [c for c in checks.results if c.get('details', {}).get('unchecked')]
    assert [c['check'] for c in unchecked] == ['monitor asn update timeout']
    assert checks.failed == unchecked
    assert unchecked[0]['problem'].startswith('cannot check: show flow monitor prints no update timeout')
    accepted = CheckList()
    flow_monitor_verify.evaluate(accepted, outputs('fixed'), ['asn'], [ATTACH_OUT], 300, ['monitor * update timeout'])
    assert accepted.failed == []


def test_presets_add_their_monitors_and_attachments():
    params = {'monitors': ['asn'], 'presets': ['te_paths'], 'preset_interfaces': ['GigabitEthernet2'],
              'interfaces': [{'name': 'GigabitEthernet1', 'monitors': [
                  {'monitor': 'asn', 'family': 'ipv4', 'direction': 'output'}]}]}
    monitors, attachments, problems = flow_monitor_verify.expected(params)
    assert (monitors, problems) == (['asn', 'te-in', 'te-out'], [])
    assert attachments == [ATTACH_OUT,
                           {'interface': 'GigabitEthernet2', 'monitor': 'te-in', 'family': 'ipv4', 'direction': 'input'},
                           {'interface': 'GigabitEthernet2', 'monitor': 'te-out', 'family': 'ipv4', 'direction': 'output'}]
    # the fixed router has no te-in/te-out: each missing piece is a failed check
    checks = CheckList()
    flow_monitor_verify.evaluate(checks, outputs('fixed'), monitors, attachments, 300, ['monitor * update timeout'])
    assert [c['problem'] for c in checks.failed] == [
        'monitor te-in is not configured', 'monitor te-out is not configured',
        'interface GigabitEthernet2 lacks "ip flow monitor te-in input"',
        'interface GigabitEthernet2 lacks "ip flow monitor te-out output"']
