"""Every job template's playbook, launched the way AWX launches it, through ansible-runner.

Target: the VM lab when ISPLAB_LAB_STATE names a lab state dir (tests/lab/labctl up ... writes
inventory.yml there), otherwise the groups of inventories/lab/hosts.yml where only the groups named in
runner_cases.yml `offline_inventory` hold one local-connection host (with the host vars given there); the
others stay empty, as they are in the lab inventory before `make lab` fills them. Templates run in their
default job type, which is check mode for every template that changes systems
(tests/awx/test_awx_definitions.py guarantees that), so the offline run changes nothing here.
Asserted per template, from runner_cases.yml: ansible-runner's status and rc, which hosts ran tasks, which
plays matched no host, and every failed task's host, name and exact message.
"""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import awx_job
from awx_spec import load_yaml

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
CONTROLLER = load_yaml(REPO / "awx" / "vars" / "controller.yml")
TEMPLATES = load_yaml(REPO / "awx" / "vars" / "job_templates.yml")["isplab_awx_job_templates"]
LAB_STATE = os.environ.get("ISPLAB_LAB_STATE")
MODE = "lab" if LAB_STATE else "offline"
RUNNER_CASES = load_yaml(Path(__file__).with_name("runner_cases.yml")) or {}
CASES = RUNNER_CASES.get(MODE) or {}
OFFLINE_INVENTORY = RUNNER_CASES.get("offline_inventory") or {}
# Where Ansible's get_bin_path looks besides PATH.
SBIN_DIRS = ["/sbin", "/usr/sbin", "/usr/local/sbin"]


def _absent_tool_fields():
    """{absent_<capability>_tools} of runner_cases.yml: the tools a verifier will report missing here."""
    search = os.pathsep.join([os.environ.get("PATH", "")] + SBIN_DIRS)
    fields = {}
    for capability, tools in (RUNNER_CASES.get("offline_host_tools") or {}).items():
        absent = [tool for tool in tools if not shutil.which(tool, path=search)]
        # With every tool present the verifier passes that check, and the case's failures would not hold.
        assert absent, "this machine has all of %s: the offline %s expectations assume it lacks some" % (
            ", ".join(tools), capability)
        fields["{absent_%s_tools}" % capability] = ", ".join(absent)
    return fields


def _expand(message, fields):
    for placeholder, value in fields.items():
        message = message.replace(placeholder, value)
    return message


# Placeholder credential inputs: they reach the playbooks exactly as AWX injects them, but no target
# in either mode accepts them (the lab routers are twins, the offline targets are local).
CREDENTIAL_INPUTS = {
    "isplab lab ssh": {"username": "root"},
    "isplab IOS device": {"username": "runner-test", "password": "runner-test-password",
                          "enable_secret": "runner-test-enable"},
    "isplab PVE API token": {"api_host": "127.0.0.1", "token_id": "root@pam!runnertest",
                             "token_secret": "00000000-0000-0000-0000-000000000000", "verify_ssl": False},
    "isplab CIFS share": {"username": "runner-test", "password": "runner-test-password", "domain": "WORKGROUP"},
}


def _run(argv, **kwargs):
    return subprocess.run(argv, check=True, capture_output=True, text=True, **kwargs)


@pytest.fixture(scope="session")
def ee_home(tmp_path_factory):
    """A HOME whose ~/.ansible/collections holds isplab.infra installed from its built artifact."""
    home = tmp_path_factory.mktemp("ee-home")
    dist = tmp_path_factory.mktemp("dist")
    _run([str(BIN / "ansible-galaxy"), "collection", "build", "--output-path", str(dist), str(REPO)])
    (artifact,) = dist.glob("isplab-infra-*.tar.gz")
    # Outside this checkout (its ansible.cfg would make galaxy think the collection is installed already).
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    _run([str(BIN / "ansible-galaxy"), "collection", "install", "--offline", "-p",
          str(home / ".ansible" / "collections"), str(artifact)], cwd=home, env=dict(clean, HOME=str(home)))
    assert (home / ".ansible" / "collections" / "ansible_collections" / "isplab" / "infra").is_dir()
    return home


@pytest.fixture(scope="session")
def project_src(tmp_path_factory):
    """The project as AWX checks it out: tracked and untracked-but-not-ignored files only."""
    dest = tmp_path_factory.mktemp("project") / "checkout"
    files = _run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=REPO).stdout.split("\0")
    for name in filter(None, files):
        src = REPO / name
        if src.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)
    return dest


@pytest.fixture(scope="session")
def inventory_json(tmp_path_factory):
    """The inventory as AWX stores it after importing the source (ansible-inventory --list --export)."""
    sources = [REPO / "inventories" / "lab" / "hosts.yml"]
    if LAB_STATE:
        sources.append(Path(LAB_STATE) / "inventory.yml")
    else:
        groups = json.loads(_run([str(BIN / "ansible-inventory"), "-i", str(sources[0]), "--list"]).stdout)
        unknown = set(OFFLINE_INVENTORY) - set(groups["all"]["children"])
        assert not unknown, "runner_cases.yml offline_inventory names groups the lab lacks: %s" % unknown
        local = {"all": {"children": {
            g: {"hosts": {g.replace("_", "-") + "-local": dict(
                OFFLINE_INVENTORY[g] or {}, ansible_connection="local",
                ansible_python_interpreter=sys.executable)} if g in OFFLINE_INVENTORY else {}}
            for g in groups["all"]["children"] if g != "ungrouped"}}}
        path = tmp_path_factory.mktemp("inventory") / "local.json"
        path.write_text(json.dumps(local))
        sources = [path]
    argv = [str(BIN / "ansible-inventory"), "--list", "--export"]
    for source in sources:
        argv += ["-i", str(source)]
    return json.loads(_run(argv).stdout)


def _target(inventory, group):
    hosts = inventory.get(group, {}).get("hosts", [])
    assert hosts, "no host in group %s of the %s inventory" % (group, MODE)
    host = hosts[0]
    return host, dict(inventory["_meta"]["hostvars"].get(host, {}), inventory_hostname=host)


def test_awx_refuses_a_raid_launch_without_typed_answers():
    (raid,) = [t for t in TEMPLATES if t["playbook"] == "playbooks/root_raid1.yml"]
    with pytest.raises(awx_job.LaunchRefused) as refused:
        awx_job.survey_extra_vars(raid, {})
    assert refused.value.args[0] == {"variables_needed_to_start": [
        "'root_raid1_disk1' value missing", "'root_raid1_disk2' value missing",
        "'root_raid1_confirm_node' value missing"]}


def test_every_template_has_an_offline_expectation():
    """Offline, no outcome is assumed: each template's result is written down in runner_cases.yml."""
    offline = RUNNER_CASES.get("offline") or {}
    assert sorted(set(t["name"] for t in TEMPLATES) ^ set(offline)) == []


def _no_host_plays(runner):
    return [e["event_data"].get("play") for e in runner.events if e.get("event") == "playbook_on_no_hosts_matched"]


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda t: t["name"])
def test_job_template_runs_like_awx(template, tmp_path, monkeypatch, ee_home, project_src, inventory_json):
    # ansible-runner starts from os.environ: drop what `make` exports so only AWX's variables apply.
    for key in [k for k in os.environ if k.startswith("ANSIBLE_")]:
        monkeypatch.delenv(key)
    if MODE == "offline":
        assert template["name"] in CASES, "no offline expectation in runner_cases.yml"
    case = CASES.get(template["name"], {})
    limit, answers = None, dict(case.get("answers", {}))
    if "target_group" in case:
        limit, facts = _target(inventory_json, case["target_group"])
        answers = {k: v.format(**facts) if isinstance(v, str) else v for k, v in answers.items()}
    pdd = awx_job.prepare(tmp_path, template, controller=CONTROLLER, project_src=project_src,
                          inventory_json=inventory_json, ee_home=ee_home,
                          credential_inputs=CREDENTIAL_INPUTS, answers=answers, limit=limit)
    runner = awx_job.run(pdd, template)
    stdout = (pdd / "artifacts").glob("*/stdout")
    log = "\n".join(p.read_text() for p in stdout)[-6000:]
    # Hosts of one play fail in the order they finish: compare the failures host by host.
    failures = sorted(list(f) for f in awx_job.failed_task_messages(runner))
    expected = case.get("status", "successful")
    assert (runner.status, runner.rc != 0) == (expected, expected != "successful"), log
    stats = runner.stats or {}
    assert _no_host_plays(runner) == case.get("no_hosts_matched", []), log
    assert not stats.get("dark"), log
    if MODE == "offline" or "hosts" in case:
        assert sorted(stats.get("processed", {})) == sorted(case.get("hosts", [])), log
    else:
        assert stats.get("processed"), "the playbook ran on no host at all:\n" + log
    # An expected message ending in "..." is a prefix (the rest names paths of the machine running the test).
    fields = _absent_tool_fields() if MODE == "offline" else {}
    expected_failures = sorted([host, task, _expand(message, fields)]
                               for host, task, message in case.get("failures", []))
    assert len(failures) == len(expected_failures), (failures, log)
    for got, want in zip(failures, expected_failures):
        if want[2].endswith("..."):
            got = got[:2] + [got[2][:len(want[2]) - 3] + "..."]
        assert got == want, log
    if failures:
        # A refusal or a failed check comes before any change: nothing reported changed on any host.
        assert not stats.get("changed"), log
