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
