"""flow_collector_buffers end to end on a temporary sysctl file and a stand-in for /proc/sys/net/core/rmem_max."""

import json

import pytest

from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args
from ansible_collections.isplab.infra.plugins.module_utils.flow_collector import buffers
from ansible_collections.isplab.infra.plugins.modules import flow_collector_buffers


@pytest.fixture
def host(tmp_path, monkeypatch):
    proc = tmp_path / 'rmem_max'
    proc.write_text('212992\n')  # Debian bookworm's default
    calls = []

    def run_command(self, args, **kwargs):
        calls.append(list(args))
        return 0, '', ''

    monkeypatch.setattr(buffers, 'RMEM_MAX_PROC', str(proc))
    monkeypatch.setattr(basic.AnsibleModule, 'run_command', run_command)
    monkeypatch.setattr(basic.AnsibleModule, 'get_bin_path', lambda self, name, required=False, opt_dirs=None: '/sbin/' + name)
    return {'sysctl': tmp_path / 'sysctl.conf', 'calls': calls}


def run(module_args, capsys):
    with patch_module_args(module_args):
        with pytest.raises(SystemExit):
            flow_collector_buffers.main()
    return json.loads(capsys.readouterr().out)


def test_raises_rmem_max_persistently_and_now(host, capsys):
    result = run({'exporters': [{'ident': 'edge1', 'port': 9995}], 'sysctl_file': str(host['sysctl'])}, capsys)
    assert result['changed'] and result['rcvbuf'] == {'edge1': 5833800} and result['rmem_max'] == 5833800
    assert result['rmem_max_raised'] is True
    assert host['calls'] == [['/sbin/sysctl', '-w', 'net.core.rmem_max=5833800']]
    assert 'net.core.rmem_max = 5833800\n' in host['sysctl'].read_text()


def test_refusal_changes_nothing(host, capsys):
    result = run({'exporters': [{'ident': 'edge1', 'port': 9995}], 'rmem_max': 4194304,
                  'sysctl_file': str(host['sysctl'])}, capsys)
    assert result['failed']
    assert result['msg'] == (
        "flow_collector_buffers: instance 'edge1': nfcapd -B 5833800 is above net.core.rmem_max 4194304; the kernel "
        "would silently cap the receive buffer at 4194304 and drop bursts beyond it: set flow_collector_rmem_max to "
        "at least 5833800 (or 0 for the largest -B) or lower the instance's burst_flows")
    assert host['calls'] == [] and not host['sysctl'].exists()


def test_unmanaged_sysctl_is_checked_against_the_live_value(host, capsys):
    result = run({'exporters': [{'ident': 'edge1'}], 'manage_sysctl': False, 'sysctl_file': str(host['sysctl'])}, capsys)
    assert result['failed'] and 'above net.core.rmem_max 212992' in result['msg']
    small = run({'exporters': [{'ident': 'edge1', 'burst_flows': 3000}], 'manage_sysctl': False,
                 'sysctl_file': str(host['sysctl'])}, capsys)
    assert not small['changed'] and small['rcvbuf'] == {'edge1': 125 * 1400} and host['calls'] == []


def test_check_mode_writes_and_applies_nothing(host, capsys):
    result = run({'exporters': [{'ident': 'edge1'}], 'sysctl_file': str(host['sysctl']), '_ansible_check_mode': True,
                  '_ansible_diff': True}, capsys)
    assert result['changed'] and not host['sysctl'].exists() and host['calls'] == []
    assert result['diff']['before']['net.core.rmem_max'] == 212992 and result['diff']['after']['net.core.rmem_max'] == 5833800


def test_second_run_is_unchanged(host, capsys):
    run({'exporters': [{'ident': 'edge1'}], 'sysctl_file': str(host['sysctl'])}, capsys)
    (host['sysctl'].parent / 'rmem_max').write_text('5833800\n')  # what sysctl -w did
    again = run({'exporters': [{'ident': 'edge1'}], 'sysctl_file': str(host['sysctl'])}, capsys)
    assert not again['changed'] and again['rmem_max_raised'] is False
