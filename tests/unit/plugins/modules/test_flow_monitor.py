import pytest

from ansible_collections.isplab.infra.plugins.modules import flow_monitor


class Failed(Exception):
    pass


class FakeModule:
    check_mode = False
    _diff = False

    def __init__(self, params):
        self.params = params

    def fail_json(self, **kwargs):
        raise Failed(kwargs)


class NoSession:
    commands = []

    def open(self):
        raise AssertionError('the router must not be contacted when the lint fails')

    def close(self):
        pass


def test_lint_failure_stops_before_connecting():
    params = {'exporters': [], 'records': [], 'collector_interval': 300, 'purge': False,
              'monitors': [{'name': 'asn', 'record': 'netflow ipv4 as', 'exporters': [], 'description': None,
                            'active_timeout': 1800, 'inactive_timeout': 15, 'update_timeout': 150,
                            'cache_entries': None}],
              'interfaces': [{'name': 'Gi1', 'monitors': [{'monitor': 'as', 'family': 'ipv6', 'direction': 'input'}]}]}
    with pytest.raises(Failed) as info:
        flow_monitor.run(FakeModule(params), NoSession())
    result = info.value.args[0]
    assert result['msg'].startswith('the flow configuration fails 6 lint(s): ')
    assert "interface 'Gi1': 'ipv6 flow monitor as input' names monitor 'as', which is not defined" in result['lint']
    assert result['commands'] == []


def test_secrets_are_no_log():
    spec = flow_monitor.argument_spec()
    assert spec['password']['no_log'] is True and spec['secret']['no_log'] is True


def test_preset_clash_and_peer_as_fail_before_connecting():
    params = {'exporters': [{'name': 'nfcapd', 'destination': '192.0.2.10', 'transport_port': 9995, 'version': '9',
                             'template_timeout': 60}],
              'records': [{'name': 'peer', 'fields': ['match routing source as peer 4-octet',
                                                      'collect counter bytes long'], 'allow_peer_as': False}],
              'monitors': [{'name': 'te-out', 'record': 'peer', 'exporters': ['nfcapd']}],
              'interfaces': [], 'collector_interval': 300, 'purge': False,
              'presets': ['te_paths'], 'preset_interfaces': ['GigabitEthernet2'], 'preset_exporters': None}
    with pytest.raises(Failed) as info:
        flow_monitor.run(FakeModule(params), NoSession())
    result = info.value.args[0]
    assert [p.split(';')[0] for p in result['lint']] == [
        "monitor 'te-out' is defined both in monitors and by preset te_paths",
        "record 'peer': 'match routing source as peer 4-octet' is derived from the router's own routing table at "
        "export time, not from the path the traffic took: the source peer AS is usually wrong and the destination "
        "peer AS is wrong with equal-cost paths (the router reports a peer it did not use)"]
    assert result['commands'] == []


def test_preset_exporters_default_to_every_exporter():
    spec = flow_monitor.argument_spec()
    assert spec['preset_exporters'].get('default') is None
    assert spec['presets']['choices'] == ['te_paths']
