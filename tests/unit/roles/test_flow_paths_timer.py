"""The flow_paths role's systemd units, and the timer's command run from the layout install.yml creates.

The units are rendered from the role's templates and defaults, checked with the real systemd-analyze, and the
service's ExecStart runs with the service's Environment= on the system python3 (no Ansible importable there)
against a REAL nfcapd file (tests/unit/fixtures/flow_paths/nfcapd.sample, see its README) and the real nfdump.
"""

import json
import os
import shlex
import shutil
import subprocess

import jinja2
import pytest
import yaml

from ansible_collections.isplab.infra.plugins.module_utils.flow_paths import install

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..'))
ROLE = os.path.join(REPO, 'roles', 'flow_paths')
FIXTURES = os.path.join(REPO, 'tests', 'unit', 'fixtures', 'flow_paths')
SYSTEM_PYTHON = '/usr/bin/python3'
STAMP = '202612031105'


def role_vars(**overrides):
    with open(os.path.join(ROLE, 'defaults', 'main.yml')) as handle:
        values = yaml.safe_load(handle)
    values.update(overrides, ansible_managed='managed by the test')
    return values


def render(name, values):
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(os.path.join(ROLE, 'templates')), undefined=jinja2.StrictUndefined)
    return env.get_template(name + '.j2').render(**values)


def unit_settings(text):
    settings = {}
    for line in text.splitlines():
        if '=' in line and not line.startswith('#'):
            key, value = line.split('=', 1)
            settings.setdefault(key, []).append(value)
    return settings


def test_timer_fires_after_each_rotation():
    timer = unit_settings(render('isplab-flow-paths.timer', role_vars()))
    assert timer['OnCalendar'] == ['*:0/5:40'] and timer['Persistent'] == ['true']
    hourly = unit_settings(render('isplab-flow-paths.timer', role_vars(flow_paths_slot_seconds=3600, flow_paths_timer_offset=5)))
    assert hourly['OnCalendar'] == ['*:0/60:05']


@pytest.mark.skipif(shutil.which('systemd-analyze') is None, reason='needs systemd-analyze')
def test_units_pass_systemd_analyze_verify(tmp_path):
    values = role_vars(flow_paths_user='root')  # a user that exists here; the unit's syntax is what is checked
    paths = []
    for name in ('isplab-flow-paths.service', 'isplab-flow-paths.timer'):
        path = tmp_path / name
        path.write_text(render(name, values))
        paths.append(str(path))
    proc = subprocess.run(['systemd-analyze', 'verify'] + paths, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert 'isplab-flow-paths' not in proc.stderr, proc.stderr


@pytest.mark.skipif(shutil.which('nfdump') is None or not os.path.exists(SYSTEM_PYTHON),
                    reason='needs the real nfdump and the system python3')
def test_service_command_runs_from_the_installed_layout(tmp_path):
    lib = tmp_path / 'lib'
    # what install.yml does: the files isplab.infra.flow_paths_install writes, from the collection's sources
    for rel, data in install.required_files().items():
        (lib / rel).parent.mkdir(parents=True, exist_ok=True)
        (lib / rel).write_bytes(data)
    day = tmp_path / 'flows' / STAMP[:4] / STAMP[4:6] / STAMP[6:8]
    day.mkdir(parents=True)
    shutil.copy(os.path.join(FIXTURES, 'nfcapd.sample'), str(day / ('nfcapd.' + STAMP)))
    with open(os.path.join(FIXTURES, 'tables.json')) as handle:
        config = json.load(handle)
    config.update(flow_dirs=[{'ident': 'edge1', 'dir': str(tmp_path / 'flows')}], out_dir=str(tmp_path / 'out'),
                  lifetime_days=36500)  # the fixture's stamp must not expire whenever the test runs
    config_path = tmp_path / 'flow_paths.json'
    config_path.write_text(json.dumps(config))
    service = unit_settings(render('isplab-flow-paths.service', role_vars(
        flow_paths_lib_dir=str(lib), flow_paths_config_path=str(config_path))))
    env = {'PATH': os.environ['PATH']}
    env.update(value.split('=', 1) for value in service['Environment'])
    argv = shlex.split(service['ExecStart'][0])
    assert argv[0] == SYSTEM_PYTHON
    proc = subprocess.run(argv, env=env, capture_output=True, text=True, check=False, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[0].startswith('slot %s: ' % STAMP)
    lines = (tmp_path / 'out' / 'slots' / (STAMP + '.txt')).read_text().splitlines()
    assert 'DHCP rudo5 8220 3320 94' in lines
    assert STAMP in (tmp_path / 'out' / 'index.html').read_text()
    assert not list(lib.rglob('__pycache__'))  # PYTHONDONTWRITEBYTECODE: the package stays root's, read-only
