"""execution-environment.yml builds a valid ansible-builder 3 context offline, pinned like the lock file."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
EE = yaml.safe_load((REPO / "execution-environment.yml").read_text())


def _pins():
    pins = {}
    for line in (REPO / "requirements" / "constraints.txt").read_text().splitlines():
        match = re.fullmatch(r"([A-Za-z0-9_.\-]+)==(\S+)", line.strip())
        if match:
            pins[match.group(1).lower()] = match.group(2)
    return pins


def test_python_requirements_are_generated_from_the_lock_file():
    result = subprocess.run([sys.executable, str(REPO / "awx" / "ee" / "gen_requirements.py"), "--check"],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    pins = _pins()
    for line in (REPO / "awx" / "ee" / "requirements.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            name, version = line.split("==")
            assert pins[name.lower()] == version, name


def test_ansible_core_and_runner_are_pinned_like_the_lock_file():
    pins = _pins()
    deps = EE["dependencies"]
    assert EE["version"] == 3
    assert deps["ansible_core"]["package_pip"] == "ansible-core==%s" % pins["ansible-core"]
    assert deps["ansible_runner"]["package_pip"] == "ansible-runner==%s" % pins["ansible-runner"]


def test_bindep_file_parses_for_this_platform():
    result = subprocess.run([str(BIN / "bindep"), "-f", str(REPO / "bindep.txt"), "-l", "newline"],
                            capture_output=True, text=True, check=False)
    # rc 1 only means packages are missing on this machine; a syntax error is rc 2 with a traceback.
    assert result.returncode in (0, 1), result.stderr
    assert "Traceback" not in result.stderr


@pytest.fixture(scope="module")
def context():
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    result = subprocess.run([str(REPO / "awx" / "ee" / "build.sh"), "create"], cwd=REPO, env=env,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No matches" not in result.stdout + result.stderr
    return REPO / "build" / "ee" / "context"


def test_builder_context_carries_every_dependency(context):
    build = context / "_build"
    assert (build / "requirements.txt").read_text() == (REPO / "awx" / "ee" / "requirements.txt").read_text()
    assert (build / "bindep.txt").read_text() == (REPO / "bindep.txt").read_text()
    assert (build / "collections" / "isplab-infra.tar.gz").is_file()
    containerfile = next(p for p in (context / "Containerfile", context / "Dockerfile") if p.exists()).read_text()
    assert 'ARG ANSIBLE_INSTALL_REFS="%s %s"' % (EE["dependencies"]["ansible_core"]["package_pip"],
                                                 EE["dependencies"]["ansible_runner"]["package_pip"]) in containerfile


def test_galaxy_requirements_install_the_collection_as_the_galaxy_stage_does(context, tmp_path):
    # The galaxy stage runs `ansible-galaxy collection install -r requirements.yml` in /build (= _build).
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env["HOME"] = str(tmp_path)
    result = subprocess.run([str(BIN / "ansible-galaxy"), "collection", "install", "--offline", "-r",
                             "requirements.yml", "--collections-path", str(tmp_path / "share")],
                            cwd=context / "_build", env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "share" / "ansible_collections" / "isplab" / "infra" / "MANIFEST.json").is_file()
