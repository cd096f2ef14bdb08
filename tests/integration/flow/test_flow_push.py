"""Transactional push and record locks, against the IOS-XE twin (its test switches: docs/flow.md)."""

import pytest

from ansible_collections.isplab.infra.plugins.modules import flow_monitor
from ansible_collections.isplab.infra.plugins.module_utils.flow_monitor.model import render
from ansible_collections.isplab.infra.plugins.module_utils.flow_monitor.parser import parse_running_config
from ansible_collections.isplab.infra.plugins.module_utils.flow_monitor.session import IosSession

from test_flow_twin import FIELD_CONFIG, FakeModule, connection, role_params

pytestmark = pytest.mark.flow_twin

SECTION = 'show running-config | section flow'


class Refused(Exception):
    pass


class RecordingModule(FakeModule):
    def fail_json(self, **kwargs):
        raise Refused(kwargs)


def _show(twin, *commands):
    conn = twin.connect()
    try:
        return [conn.send_command(c) for c in commands]
    finally:
        conn.disconnect()


def test_refusal_at_every_step_restores_the_configuration(twin, tmp_path):
    # the field config without its dangling attachment (a monitor that does not exist cannot be attached again)
    startup = FIELD_CONFIG.format(port=9995).replace(' ipv6 flow monitor as input\n', '')
    twin.start(startup_config=startup, traffic=[])
    params = dict(connection(twin), **role_params(9995, str(tmp_path / 'backup')))
    checked = RecordingModule(params, check_mode=True)
    steps = [line for line in flow_monitor.run(checked, IosSession(checked))['config_lines'] if line != 'exit']
    assert len(steps) > 15
    before = render(parse_running_config(_show(twin, SECTION, 'twin-test refuse-config 1')[0]))
    for step in range(1, len(steps) + 1):
        module = RecordingModule(params)
        with pytest.raises(Refused) as info:
            flow_monitor.run(module, IosSession(module))
        result = info.value.args[0]
        assert '%% Twin fault injection: command refused (%s)' % steps[step - 1] in result['msg'], (step, result['msg'])
        assert result['rolled_back'] is True, (step, result['msg'])
        assert 'write memory' not in result['commands']
        shown = _show(twin, SECTION, 'twin-test refuse-config %d' % (step + 1))[0]
        assert render(parse_running_config(shown)) == before, step
    _show(twin, 'twin-test clear')
    module = RecordingModule(params)
    assert flow_monitor.run(module, IosSession(module))['changed'] is True


@pytest.mark.parametrize('lock', ['attached', 'referenced'])
def test_record_change_succeeds_under_both_lock_readings(twin, tmp_path, lock):
    twin.start(traffic=[])
    _show(twin, 'twin-test record-lock %s' % lock)
    params = dict(connection(twin), **role_params(9995, str(tmp_path / 'backup')))
    # a second, unmanaged monitor references the record without being attached anywhere
    module = RecordingModule(params)
    flow_monitor.run(module, IosSession(module))
    conn = twin.connect()
    conn.send_config_set(['flow monitor spare', 'record asn', 'exit'])
    conn.disconnect()
    params['purge'] = False
    params['records'][0]['fields'] = ['match routing source as 4-octet', 'match routing destination as 4-octet',
                                      'collect counter bytes long', 'collect counter packets long']
    result = flow_monitor.run(module, IosSession(module))
    assert result['changed'] is True
    running = _show(twin, SECTION)[0]
    assert 'collect timestamp sys-uptime first' not in running
    assert 'flow monitor spare\n record asn' in running
    assert ' ip flow monitor asn input' in running
