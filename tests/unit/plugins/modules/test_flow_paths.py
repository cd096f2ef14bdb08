"""The flow_paths module on a REAL nfcapd file with the real nfdump binary.

tests/unit/fixtures/flow_paths/nfcapd.sample was written by nfcapd (Debian nfdump 1.7.1) from the NetFlow v9
records tests/unit/fixtures/flow_paths/capture.py sent (what was sent: scenario.json); tables.json holds the
routers and networks of that capture. The module runs nfdump on it through CommandRunner.
"""

import json
import os
import shutil

import pytest

from ansible_collections.isplab.infra.plugins.modules import flow_paths

FIXTURES = os.path.join(os.path.dirname(__file__), '..', '..', 'fixtures', 'flow_paths')
STAMP = '202612031105'

pytestmark = pytest.mark.skipif(shutil.which('nfdump') is None, reason='needs the real nfdump (Debian package nfdump)')


def scenario_mbps(case, **match):
    """Mbit/s sent for the legs of a scenario case (capture.py's SCENARIO), filtered by leg fields."""
    with open(os.path.join(FIXTURES, 'scenario.json')) as handle:
        legs = json.load(handle)['legs']
    return sum(leg['mbps'] for leg in legs if leg['case'] == case and all(leg[k] == v for k, v in match.items()))


@pytest.fixture
def bed(tmp_path):
    """A flow directory in nfcapd's -S 1 layout holding the captured file, and the module's config."""
    day = tmp_path / 'flows' / STAMP[:4] / STAMP[4:6] / STAMP[6:8]
    day.mkdir(parents=True)
    shutil.copy(os.path.join(FIXTURES, 'nfcapd.sample'), str(day / ('nfcapd.' + STAMP)))
    with open(os.path.join(FIXTURES, 'tables.json')) as handle:
        config = json.load(handle)
    config.update(flow_dirs=[{'ident': 'edge1', 'dir': str(tmp_path / 'flows')}], out_dir=str(tmp_path / 'out'))
    return {'config': config, 'out': tmp_path / 'out', 'day': day}


def test_bad_table_fails_with_the_validation_message_and_writes_nothing(run_module, bed):
    config = bed['config']
    config['routers'][0]['interfaces'].append({'ifindex': 1, 'name': 'Gi0/0/9', 'peer': '174', 'capacity_mbps': 100})
    config['networks'][1]['prefix'] = '198.18.0.65/26'
    result = run_module(flow_paths.main, {'config': config, 'pending': True, 'render': True})
    assert result.failed
    assert result.result['msg'] == ('flow_paths_routers[0] (rudo5): interface ifindex 1 is listed twice; '
                                    'flow_paths_networks[1]: prefix 198.18.0.65/26 has host bits set, use 198.18.0.64/26')
    assert not bed['out'].exists()


def test_without_a_choice_of_slots_it_only_validates(run_module, bed):
    result = run_module(flow_paths.main, {'config': bed['config'], '_ansible_check_mode': True})
    assert not result.failed and not result.result['changed']
    assert result.result['slots'] == [] and result.result['commands'] == []
    assert result.result['config']['routers'] == ['rudo5', 'rudo6', 'rudo8']


def test_check_mode_reports_the_slot_and_writes_nothing(run_module, bed):
    result = run_module(flow_paths.main, {'config': bed['config'], 'pending': True, 'render': True,
                                          '_ansible_check_mode': True})
    assert result.result['changed']
    (slot,) = result.result['slots']
    assert slot['slot'] == STAMP and slot['written']
    assert result.result['page']['written']
    # only nfdump reading the captured file (rows, and whatever else the store reads from it)
    source = str(bed['day'] / ('nfcapd.' + STAMP))
    assert result.result['commands'][0].split()[1:3] == ['-r', source]
    assert all(c.split()[0].endswith('/nfdump') and c.split()[2] == source for c in result.result['commands'])
    assert not bed['out'].exists()


def test_pending_writes_slot_lines_and_page_then_nothing_is_pending(run_module, bed):
    first = run_module(flow_paths.main, {'config': bed['config'], 'pending': True, 'render': True})
    assert first.result['changed']
    (slot,) = first.result['slots']
    # Lines derived from what capture.py sent, not from the aggregator: inbound 2906 via rudo5's peer 8220
    # to the DHCP /26, outbound DHCP via 8220 to 3320, transit inside rudo6.
    dhcp_in = scenario_mbps('inbound', src_as=2906, router='127.0.0.2', inif=1, addrs=['198.18.0.%d' % i for i in range(1, 5)])
    assert '2906 8220 rudo5 DHCP %d' % round(dhcp_in) in slot['lines']
    assert 'DHCP rudo5 8220 3320 %d' % round(scenario_mbps('outbound', dst_as=3320)) in slot['lines']
    assert '196714 196714 rudo6 rudo6 1299 1299 %d' % round(scenario_mbps('transit_one')) in slot['lines']
    txt = (bed['out'] / 'slots' / (STAMP + '.txt')).read_text()
    assert txt.splitlines() == slot['lines']
    stored = json.loads((bed['out'] / 'slots' / (STAMP + '.json')).read_text())
    assert [p['line'] for p in stored['paths']] == slot['lines'] and stored['problems'] == slot['problems']
    page = (bed['out'] / 'index.html').read_text()
    assert STAMP in page and first.result['page'] == {'path': str(bed['out'] / 'index.html'), 'written': True, 'slots': 1}

    second = run_module(flow_paths.main, {'config': bed['config'], 'pending': True, 'render': True})
    assert not second.result['changed']
    assert second.result['slots'] == [] and second.result['commands'] == []


def test_rerun_of_a_past_slot_shows_the_changed_lines(run_module, bed):
    run_module(flow_paths.main, {'config': bed['config'], 'stamp': STAMP})
    bed['config']['networks'][0]['service'] = 'POOL-DHCP'
    result = run_module(flow_paths.main, {'config': bed['config'], 'stamp': STAMP, '_ansible_diff': True})
    assert result.result['changed']
    before = result.result['diff']['before'][STAMP].splitlines()
    after = result.result['diff']['after'][STAMP].splitlines()
    assert 'DHCP rudo5 8220 3320 94' in before and 'DHCP rudo5 8220 3320 94' not in after
    assert 'POOL-DHCP rudo5 8220 3320 94' in after
    assert (bed['out'] / 'slots' / (STAMP + '.txt')).read_text().splitlines() == after


def test_config_path_is_read_from_the_host(run_module, bed, tmp_path):
    path = tmp_path / 'flow_paths.json'
    path.write_text(json.dumps(bed['config']))
    result = run_module(flow_paths.main, {'config_path': str(path), 'since': STAMP, 'until': STAMP})
    assert [s['slot'] for s in result.result['slots']] == [STAMP] and result.result['changed']
    missing = run_module(flow_paths.main, {'config_path': str(tmp_path / 'nope.json')})
    assert missing.failed and missing.result['msg'] == (
        'config_path %s cannot be read: run the isplab.infra.flow_paths role (install) first' % (tmp_path / 'nope.json'))


@pytest.mark.parametrize('args, message', [
    ({'stamp': '2026120311'}, "stamp must be a 12-digit nfcapd stamp YYYYMMDDhhmm (UTC), got '2026120311'"),
    ({'stamp': STAMP, 'pending': True}, 'stamp and pending choose the slots in different ways: '
                                        'give only one of stamp, pending and since'),
])
def test_bad_slot_choice_is_refused(run_module, bed, args, message):
    result = run_module(flow_paths.main, dict(args, config=bed['config']))
    assert result.failed and result.result['msg'] == message


def test_stamp_without_a_file_names_the_flow_dirs(run_module, bed):
    result = run_module(flow_paths.main, {'config': bed['config'], 'stamp': '202612031110'})
    assert result.failed
    assert result.result['msg'].startswith('no nfcapd file nfcapd.202612031110 below %s' % bed['config']['flow_dirs'][0]['dir'])
