"""The built collection installs into a clean virtualenv and ansible-doc documents every module and role.

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
# Test-only trees that must never reach users: the lab harness, the test beds and the device twins live
# under tests/, the lab's inventory and VM spec under inventories/lab, molecule's base config under .config.
FORBIDDEN_PREFIXES = ("tests/", "molecule/", ".venv/", "build/", "requirements/", ".config/", ".pytest_cache/",
                      "inventories/lab/")
FORBIDDEN_FILES = ("Makefile", "docs/dev/lab-harness.md", "playbooks/lab_base.yml", "playbooks/verify_lab.yml",
                   "playbooks/bridge_testbed.yml")


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


def _forbidden(name):
    name = name[2:] if name.startswith("./") else name
    return (name.startswith(FORBIDDEN_PREFIXES) or name.rstrip("/") + "/" in FORBIDDEN_PREFIXES
            or name in FORBIDDEN_FILES or re.search(r"(^|/)(twins?|molecule|templates/bridge-matrix)", name))


@pytest.mark.parametrize("name", ["tests/lab/lab.py", ".config/molecule/config.yml", ".config",
                                  "inventories/lab/hosts.yml", "inventories/lab", "playbooks/lab_base.yml",
                                  "molecule/root_raid1/molecule.yml", "docs/dev/lab-harness.md",
                                  "roles/l2_bridge/molecule/x.yml"])
def test_forbidden_names_are_recognised(name):
    assert _forbidden(name)


def _roles():
    return sorted(p.parent.parent.name for p in (REPO / "roles").glob("*/meta/argument_specs.yml"))


def test_every_role_is_documented_by_ansible_doc(clean_venv):
    venv, collections = clean_venv
    env = dict(_clean_env(venv), ANSIBLE_COLLECTIONS_PATH=str(collections))
    doc = str(venv / "bin" / "ansible-doc")
    listed = json.loads(_run([doc, "-t", "role", "-l", "--json", "isplab.infra"], cwd=venv.parent, env=env))
    roles = sorted(p.name for p in (REPO / "roles").iterdir() if p.is_dir())
    assert roles and roles == _roles(), "every role needs meta/argument_specs.yml"
    assert sorted(name.split(".")[-1] for name in listed) == roles
    for role in roles:
        shown = json.loads(_run([doc, "-t", "role", "--json", "isplab.infra." + role], cwd=venv.parent, env=env))
        assert shown["isplab.infra." + role]["entry_points"]["main"]["options"], role


def test_every_module_has_documentation(clean_venv):
    venv, collections = clean_venv
    env = dict(_clean_env(venv), ANSIBLE_COLLECTIONS_PATH=str(collections))
    modules = ["isplab.infra." + p.stem for p in (REPO / "plugins" / "modules").glob("*.py") if p.stem != "__init__"]
    shown = json.loads(_run([str(venv / "bin" / "ansible-doc"), "--json"] + modules, cwd=venv.parent, env=env))
    assert sorted(shown) == sorted(modules)
    for name in modules:
        assert shown[name]["doc"]["short_description"] and shown[name]["return"] is not None, name


def test_artifact_ships_no_test_only_content(artifact):
    names, files, manifest = _artifact_files(artifact)
    assert manifest["namespace"] == "isplab" and manifest["name"] == "infra"
    assert [n for n in files if _forbidden(n)] == []
    assert [n for n in names if _forbidden(n)] == []
    # Everything users run from AWX ships: roles, playbooks, modules and the EE definition.
    for required in ("plugins/modules", "roles", "playbooks", "execution-environment.yml", "bindep.txt",
                     "meta/runtime.yml"):
        assert required in files, required
