"""The built collection installs into a clean virtualenv and ansible-doc lists every module.

Builds the artifact with `ansible-galaxy collection build` (galaxy.yml's build_ignore decides what
ships), creates a venv without system site packages, installs ansible-core at the lock file's pin from
pip's configured index, installs the artifact there and asks that venv's ansible-doc.
"""

import json
import re
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
# Test-only trees that must never reach users (the lab harness and the device twins live under tests/).
FORBIDDEN_PREFIXES = ("tests/", "molecule/", ".venv/", "build/", "requirements/")


def _pin(distribution):
    for line in (REPO / "requirements" / "constraints.txt").read_text().splitlines():
        name, _sep, version = line.partition("==")
        if name.strip().lower() == distribution:
            return version.strip()
    raise AssertionError("%s is not pinned in requirements/constraints.txt" % distribution)


def _run(argv, **kwargs):
    result = subprocess.run(argv, capture_output=True, text=True, check=False, **kwargs)
    assert result.returncode == 0, "%s\n%s\n%s" % (" ".join(map(str, argv)), result.stdout, result.stderr)
    return result.stdout


@pytest.fixture(scope="module")
def artifact(tmp_path_factory):
    dist = tmp_path_factory.mktemp("dist")
    _run([str(BIN / "ansible-galaxy"), "collection", "build", "--output-path", str(dist), str(REPO)])
    (built,) = dist.glob("isplab-infra-*.tar.gz")
    return built


def _clean_env(venv):
    """Nothing of this checkout: no ANSIBLE_* from make, no ansible.cfg in the working directory."""
    return {"PATH": "%s:/usr/bin:/bin" % (venv / "bin"), "HOME": str(venv), "LC_ALL": "C.UTF-8"}


@pytest.fixture(scope="module")
def clean_venv(tmp_path_factory, artifact):
    venv = tmp_path_factory.mktemp("clean") / "venv"
    _run(["python3", "-m", "venv", str(venv)], cwd=venv.parent)
    # pip's configured index and options (pip.conf) apply; only the lock file's pin is added.
    _run([str(venv / "bin" / "pip"), "install", "-q", "--disable-pip-version-check",
          "ansible-core==%s" % _pin("ansible-core")], cwd=venv.parent)
    collections = venv / "collections"
    _run([str(venv / "bin" / "ansible-galaxy"), "collection", "install", "--offline", "-p", str(collections),
          str(artifact)], cwd=venv.parent, env=_clean_env(venv))
    assert (collections / "ansible_collections" / "isplab" / "infra" / "MANIFEST.json").is_file()
    return venv, collections


def _artifact_files(artifact):
    with tarfile.open(artifact) as tar:
        names = tar.getnames()
        files = json.load(tar.extractfile("FILES.json"))["files"]
        manifest = json.load(tar.extractfile("MANIFEST.json"))["collection_info"]
    return names, [f["name"] for f in files], manifest


def test_clean_venv_has_no_system_site_packages(clean_venv):
    venv = clean_venv[0]
    assert "include-system-site-packages = false" in (venv / "pyvenv.cfg").read_text()


def test_every_module_is_listed_by_ansible_doc(clean_venv):
    venv, collections = clean_venv
    env = dict(_clean_env(venv), ANSIBLE_COLLECTIONS_PATH=str(collections))
    listed = json.loads(_run([str(venv / "bin" / "ansible-doc"), "-l", "--json", "isplab.infra"],
                             cwd=venv.parent, env=env))
    modules = sorted(p.stem for p in (REPO / "plugins" / "modules").glob("*.py") if p.stem != "__init__")
    assert modules, "no modules in plugins/modules"
    assert sorted(name.split(".")[-1] for name in listed) == modules


def test_artifact_ships_no_test_only_content(artifact):
    names, files, manifest = _artifact_files(artifact)
    assert manifest["namespace"] == "isplab" and manifest["name"] == "infra"
    shipped = [n for n in files if n.startswith(FORBIDDEN_PREFIXES) or re.search(r"(^|/)twins?(/|$)", n)]
    assert shipped == []
    assert [n for n in names if n.startswith(FORBIDDEN_PREFIXES)] == []
    # Everything users run from AWX ships: roles, playbooks, modules and the EE definition.
    for required in ("plugins/modules", "roles", "playbooks", "execution-environment.yml", "bindep.txt",
                     "meta/runtime.yml"):
        assert required in files, required
