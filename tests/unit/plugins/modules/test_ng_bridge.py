"""ng_bridge and ng_bridge_verify end to end against the ngctl twin (tests/twins/netgraph)."""

import json
import os
import subprocess
import sys

import pytest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..', '..'))
TWIN_DIR = os.path.join(REPO, 'tests', 'twins', 'netgraph')
MODULES = os.path.join(REPO, 'plugins', 'modules')
PORTS = [{'name': 'uplink1', 'interface': 'p10', 'role': 'uplink', 'kind': 'eiface'},
         {'name': 'link1', 'interface': 'p11', 'role': 'link', 'kind': 'eiface'},
         {'name': 'link2', 'interface': 'em1.100', 'role': 'link'},
         {'name': 'uplink2', 'interface': 'p14', 'role': 'uplink', 'kind': 'eiface'}]


def host_paths(tmp_path, module_name):
    """The host files the modules write, under tmp_path: never /boot/loader.conf or /etc/sysctl.conf here."""
    paths = dict(state_dir=str(tmp_path / 'db'))
    if module_name == 'ng_bridge':
        paths.update(loader_conf=str(tmp_path / 'loader.conf'), sysctl_conf=str(tmp_path / 'sysctl.conf'))
    return paths


@pytest.fixture
def twin(tmp_path):
    env = dict(os.environ, NGCTL_TWIN_STATE=str(tmp_path / 'graph.json'), NGCTL_TWIN_IFACES='em0,em1.100',
               PATH=TWIN_DIR + os.pathsep + os.environ['PATH'],
               PYTHONPATH=os.pathsep.join(p for p in sys.path if p))

    def run_module(module_name, check=False, **args):
        args.setdefault('_ansible_check_mode', check)
        args.setdefault('_ansible_diff', True)
        args.update(host_paths(tmp_path, module_name))
        args_file = tmp_path / 'args.json'
        args_file.write_text(json.dumps({'ANSIBLE_MODULE_ARGS': args}))
        proc = subprocess.run([sys.executable, os.path.join(MODULES, module_name + '.py'), str(args_file)],
                              env=env, capture_output=True, text=True, timeout=120, check=False)
        return json.loads(proc.stdout)

    def ngctl(*argv):
        return subprocess.run(['ngctl'] + list(argv), env=env, capture_output=True, text=True, timeout=60, check=False)

    run_module.ngctl = ngctl
    run_module.env = env
    return run_module


def bridge(**overrides):
    args = dict(name='br0', restrictive=True, mac_hold_time=1500, ports=PORTS)
    args.update(overrides)
    return args


def test_create_is_one_batch_and_idempotent(twin):
    first = twin('ng_bridge', **bridge())
    assert first['changed'] is True, first
    assert sum(1 for c in first['commands'] if c.endswith('ngctl -f -')) == 1
    assert first['added'] == ['uplink1', 'link1', 'link2', 'uplink2']
    second = twin('ng_bridge', **bridge())
    assert (second['changed'], second['batch'], second['mode_before']) == (False, [], 'restrictive')
    shown = twin.ngctl('show', 'br0:').stdout.splitlines()
    assert shown[-1].split()[0] == 'uplink1'  # oldest hook listed last: the uplink came first


def test_check_mode_changes_nothing(twin):
    result = twin('ng_bridge', check=True, **bridge())
    assert result['changed'] is True and result['batch']
    assert 'br0' not in twin.ngctl('list').stdout


def test_bad_input_fails_before_any_command(twin):
    ports = PORTS + [{'name': 'uplink0', 'interface': 'p15', 'role': 'uplink', 'kind': 'eiface'}]
    result = twin('ng_bridge', **bridge(ports=ports))
    assert result['failed'] is True
    assert result['msg'] == ("invalid bridge br0: ports[4]: port name 'uplink0' is rejected by ng_bridge (EINVAL): "
                             "uplinks start at uplink1")
    assert result['commands'] == []


def test_restrictive_with_short_hold_time_fails(twin):
    result = twin('ng_bridge', **bridge(mac_hold_time=900))
    assert result['failed'] is True
    assert result['msg'].startswith('mac_hold_time 900 s must exceed the ARP lifetime')
    assert not any('-f' in c for c in result['commands'])


def test_classic_with_short_hold_time_warns(twin):
    result = twin('ng_bridge', **bridge(restrictive=False, mac_hold_time=900))
    assert result['changed'] is True
    assert result['arp_rule']['level'] == 'warn'
    # ansible-core 2.19 returns warnings as structured summaries
    assert any('must exceed the ARP lifetime' in json.dumps(w) for w in result['warnings'])


def test_mode_change_needs_rebuild_then_rebuilds(twin):
    twin('ng_bridge', **bridge())
    refused = twin('ng_bridge', **bridge(restrictive=False))
    assert refused['failed'] is True and 'needs rebuild=true' in refused['msg']
    rebuilt = twin('ng_bridge', **bridge(restrictive=False, rebuild=True))
    assert rebuilt['batch'][0] == 'shutdown br0:'
    verify = twin('ng_bridge_verify', restrictive=False, name='br0', mac_hold_time=1500, ports=PORTS)
    assert (verify.get('failed'), verify['mode'], verify['first_hook']) == (None, 'classic', 'link1'), verify


def test_remove_one_hook_touches_only_it(twin):
    twin('ng_bridge', **bridge())
    result = twin('ng_bridge', **bridge(ports=[p for p in PORTS if p['name'] != 'link2']))
    assert result['batch'] == ['rmhook br0: link2']


def test_verify_reports_config_and_problems(twin):
    twin('ng_bridge', **bridge())
    twin.ngctl('msg', 'br0:', 'setconfig', '{ maxStaleness=800 }')
    verify = twin('ng_bridge_verify', name='br0', restrictive=True, mac_hold_time=1500, ports=PORTS,
                  fail_on_error=False)
    failed = dict((c['check'], c['problem']) for c in verify['failed_checks'])
    assert failed == {'maxStaleness': 'maxStaleness is 800, wanted 1500',
                      'maxStaleness exceeds ARP lifetime': (
                          'mac_hold_time 800 s must exceed the ARP lifetime (net.link.ether.inet.max_age) 1200 s: '
                          'a quiet host behind a link is forgotten by the bridge while peers still hold its ARP entry')}
    assert verify['config'] == {'debugLevel': 0, 'loopTimeout': 0, 'maxStaleness': 800, 'minStableAge': 0}


def test_absent_removes_bridge_and_its_eifaces(twin):
    twin('ng_bridge', **bridge())
    result = twin('ng_bridge', name='br0', state='absent')
    assert result['batch'] == ['shutdown p11:', 'shutdown p14:', 'shutdown p10:', 'shutdown br0:']
    listing = twin.ngctl('list').stdout
    assert 'bridge' not in listing and 'eiface' not in listing


def test_hook_number_above_32_bits_fails_before_any_command(twin):
    ports = PORTS + [{'name': 'link4294967296', 'interface': 'p15', 'role': 'link', 'kind': 'eiface'}]
    result = twin('ng_bridge', **bridge(ports=ports))
    assert result['failed'] is True
    assert "ng_bridge hook numbers are unsigned 32-bit, at most 4294967295" in result['msg']
    assert result['commands'] == []


def test_twin_exit_codes_like_ngctl(twin):
    assert twin.ngctl('show', 'nosuchnode:').returncode == 71  # EX_OSERR: the command failed
    assert twin.ngctl('show').returncode == 64  # EX_USAGE
    assert twin.ngctl('--bogus').returncode == 64
    batch = subprocess.run(['ngctl', '-f', '-'], input='shutdown nosuchnode:\n', env=twin.env, capture_output=True,
                           text=True, check=False)
    assert batch.returncode == 71 and 'line 1: error in file' in batch.stderr


def test_ng_ether_loaded_and_set_for_boot(twin, tmp_path):
    assert 'em1_100' not in twin.ngctl('list').stdout  # the twin has no ether nodes before kldload
    planned = twin('ng_bridge', check=True, **bridge())
    assert planned['changed'] is True and planned['host']['loaded'] == ['ng_ether']
    assert 'em1_100' not in twin.ngctl('list').stdout and not (tmp_path / 'loader.conf').exists()
    assert 'connect br0: em1_100: link2 lower' in planned['batch']
    result = twin('ng_bridge', **bridge())
    assert result.get('failed') is None, result
    assert any(c.endswith('kldload -n ng_ether') for c in result['commands'])
    assert (tmp_path / 'loader.conf').read_text() == 'ng_socket_load="YES"\nng_ether_load="YES"\n'
    assert result['diff']['after'][str(tmp_path / 'loader.conf')] == 'ng_socket_load="YES"\nng_ether_load="YES"\n'
    again = twin('ng_bridge', **bridge())
    assert again['changed'] is False and again['host']['loaded'] == []


def test_mode_survives_removal_of_the_first_hook(twin):
    # Built restrictive with uplink1 first; then uplink1 is replaced by uplink3, so link1 is the oldest hook.
    ports = [PORTS[0], PORTS[1]]
    twin('ng_bridge', **bridge(ports=ports))
    moved = [{'name': 'uplink3', 'interface': 'p16', 'role': 'uplink', 'kind': 'eiface'}, PORTS[1]]
    twin('ng_bridge', **bridge(ports=moved))
    assert twin.ngctl('show', 'br0:').stdout.splitlines()[-1].split()[0] == 'link1'
    again = twin('ng_bridge', **bridge(ports=moved))
    assert (again.get('failed'), again['changed'], again['mode_before'], again['mode_source']) == (
        None, False, 'restrictive', 'record'), again.get('msg')
    verify = twin('ng_bridge_verify', name='br0', restrictive=True, mac_hold_time=1500, ports=moved)
    assert (verify.get('failed'), verify['mode'], verify['first_hook']) == (None, 'restrictive', 'uplink1'), verify


def test_mode_record_of_another_node_is_not_believed(twin):
    twin('ng_bridge', **bridge())
    twin.ngctl('shutdown', 'br0:')
    # Rebuilt by hand as classic: the record names the old node ID, so the oldest hook decides.
    twin.ngctl('mkpeer', 'p11:', 'bridge', 'ether', 'link1')
    twin.ngctl('name', 'p11:ether', 'br0')
    verify = twin('ng_bridge_verify', name='br0', restrictive=True, mac_hold_time=1500, ports=PORTS,
                  fail_on_error=False)
    assert (verify['mode'], verify['mode_source']) == ('classic', 'oldest hook')
