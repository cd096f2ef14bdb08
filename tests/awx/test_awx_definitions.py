"""Offline checks of awx/ (configuration as code) against the awx.awx modules' argument specs.

No AWX and no awx.awx collection are needed: the specs are a fixture transcribed from ansible/awx
(tests/awx/fixtures/awx_argspecs.json, commit per module).
"""

import fnmatch
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from awx_spec import (SPECS, check_credential_type, check_module_params, check_survey_spec, load_yaml,
                      render_injectors)

REPO = Path(__file__).resolve().parents[2]
AWX = REPO / "awx"
CONTROLLER = load_yaml(AWX / "vars" / "controller.yml")
POLICY = load_yaml(AWX / "job_template_policy.yml")
TEMPLATES = load_yaml(AWX / "vars" / "job_templates.yml")["isplab_awx_job_templates"]
CONFIGURE = load_yaml(AWX / "configure.yml")
BUILTIN_CREDENTIAL_TYPES = {"Machine"}


def _template_id(template):
    return template["name"]


def _role_options():
    """Every option any role declares in meta/argument_specs.yml."""
    options = set()
    for spec_file in REPO.glob("roles/*/meta/argument_specs.yml"):
        for entry in (yaml.safe_load(spec_file.read_text()) or {}).get("argument_specs", {}).values():
            options.update((entry or {}).get("options", {}) or {})
    return options


def _read_by_collection(variable):
    """True when a role declares the variable or a playbook uses it."""
    if variable in _role_options():
        return True
    word = re.compile(r"\b%s\b" % re.escape(variable))
    return any(word.search(p.read_text()) for p in REPO.glob("playbooks/**/*.yml"))


def test_fixture_records_where_each_spec_came_from():
    for name, entry in SPECS["modules"].items():
        source = entry["source"]
        assert source["repo"] == "ansible/awx", name
        assert re.fullmatch(r"[0-9a-f]{40}", source["commit"]), name
        assert source["path"] == "awx_collection/plugins/modules/%s.py" % name
    assert re.fullmatch(r"[0-9a-f]{40}", SPECS["survey_spec"]["source"]["commit"])


def test_generated_job_templates_are_current():
    result = subprocess.run([sys.executable, str(AWX / "gen_job_templates.py"), "--check"],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_policy_names_only_existing_playbooks():
    missing = [name for name in POLICY["playbooks"] if not (REPO / "playbooks" / name).is_file()]
    assert missing == []


def test_one_job_template_per_playbook():
    skipped = set(POLICY.get("not_templates") or {})
    playbooks = {"playbooks/" + p.name for p in (REPO / "playbooks").glob("*.yml") if p.name not in skipped}
    assert sorted(t["playbook"] for t in TEMPLATES) == sorted(playbooks)
    names = [t["name"] for t in TEMPLATES]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("template", TEMPLATES, ids=_template_id)
def test_job_template_matches_the_module_spec(template):
    assert check_module_params("job_template", template, template["name"]) == []


@pytest.mark.parametrize("template", TEMPLATES, ids=_template_id)
def test_job_template_references_exist(template):
    assert template["organization"] == CONTROLLER["isplab_awx_organization"]["name"]
    assert template["project"] == CONTROLLER["isplab_awx_project"]["name"]
    assert template["inventory"] in [i["name"] for i in CONTROLLER["isplab_awx_inventories"]]
    assert template["execution_environment"] == CONTROLLER["isplab_awx_execution_environment"]["name"]
    credentials = {c["name"]: c for c in CONTROLLER["isplab_awx_credentials"]}
    assert set(template["credentials"]) <= set(credentials)
    # AWX refuses two credentials of one type on a job template.
    types = [credentials[c]["credential_type"] for c in template["credentials"]]
    assert len(types) == len(set(types))
    assert (REPO / template["playbook"]).is_file()


@pytest.mark.parametrize("template", TEMPLATES, ids=_template_id)
def test_changing_templates_default_to_check_mode(template):
    name = template["playbook"].split("/", 1)[1]
    read_only = any(fnmatch.fnmatch(name, g) for g in POLICY["read_only_globs"])
    destructive = (POLICY["playbooks"].get(name) or {}).get("destructive", not read_only)
    if destructive:
        assert template["job_type"] == "check"
        assert template["ask_job_type_on_launch"] is True
    else:
        assert template["job_type"] == "run"


SURVEYED = [t for t in TEMPLATES if "survey_spec" in t]


@pytest.mark.parametrize("template", SURVEYED, ids=_template_id)
def test_survey_follows_awx_rules(template):
    assert template["survey_enabled"] is True
    assert check_survey_spec(template["survey_spec"], template["name"]) == []


@pytest.mark.parametrize("template", SURVEYED, ids=_template_id)
def test_survey_variables_are_read_by_the_collection(template):
    unread = [q["variable"] for q in template["survey_spec"]["spec"] if not _read_by_collection(q["variable"])]
    assert unread == [], "survey answers nobody reads"


def test_raid_conversion_asks_for_both_disks_and_a_typed_confirmation():
    (raid,) = [t for t in TEMPLATES if t["playbook"] == "playbooks/root_raid1.yml"]
    questions = {q["variable"]: q for q in raid["survey_spec"]["spec"]}
    typed = ["root_raid1_disk1", "root_raid1_disk2", "root_raid1_confirm_node"]
    assert set(typed) <= set(questions)
    for variable in typed:
        assert questions[variable]["required"] is True
        # A default would let a launch go through without a person typing the answer.
        assert questions[variable].get("default", "") == ""
    # Wiping a non-empty second disk is a separate opt-in whose default is the safe answer.
    assert questions["root_raid1_wipe_disk2"]["default"] == "false"
    assert raid["job_type"] == "check" and raid["ask_limit_on_launch"] is True


def test_flow_push_offers_check_mode():
    (flow,) = [t for t in TEMPLATES if t["playbook"] == "playbooks/flow.yml"]
    assert flow["job_type"] == "check"
    assert flow["ask_job_type_on_launch"] is True
    assert flow["diff_mode"] is True


@pytest.mark.parametrize("ctype", CONTROLLER["isplab_awx_credential_types"], ids=lambda c: c["name"])
def test_credential_type_follows_awx_schema(ctype):
    assert check_credential_type(ctype, ctype["name"]) == []


@pytest.mark.parametrize("ctype", CONTROLLER["isplab_awx_credential_types"], ids=lambda c: c["name"])
def test_credential_type_injects_variables_the_collection_reads(ctype):
    extra_vars, env = render_injectors(ctype, {})
    assert extra_vars or env
    unread = [name for name in extra_vars if not _read_by_collection(name)]
    assert unread == [], "injected variables no role declares and no playbook uses"


def test_secret_inputs_are_marked_secret():
    for ctype in CONTROLLER["isplab_awx_credential_types"]:
        for field in ctype["inputs"]["fields"]:
            if re.search(r"password|secret", field["id"]):
                assert field.get("secret") is True, (ctype["name"], field["id"])


def test_credentials_use_known_types():
    custom = {c["name"] for c in CONTROLLER["isplab_awx_credential_types"]}
    for credential in CONTROLLER["isplab_awx_credentials"]:
        assert check_module_params("credential", credential, credential["name"]) == []
        assert credential["credential_type"] in custom | BUILTIN_CREDENTIAL_TYPES


def _awx_tasks():
    for play in CONFIGURE:
        for task in play.get("tasks", []):
            modules = [k for k in task if k.startswith("awx.awx.")]
            if modules:
                yield task, modules[0].split(".")[-1]


# configure.yml task -> the data it loops over (or the single object it passes)
DATA = {
    "organization": [CONTROLLER["isplab_awx_organization"]],
    "credential_type": CONTROLLER["isplab_awx_credential_types"],
    "credential": CONTROLLER["isplab_awx_credentials"],
    "execution_environment": [CONTROLLER["isplab_awx_execution_environment"]],
    "project": [CONTROLLER["isplab_awx_project"]],
    "inventory": CONTROLLER["isplab_awx_inventories"],
    "inventory_source": CONTROLLER["isplab_awx_inventory_sources"],
    "job_template": TEMPLATES,
}


def test_configure_playbook_covers_every_object_kind():
    assert sorted(module for _task, module in _awx_tasks()) == sorted(DATA)


@pytest.mark.parametrize("module", sorted(DATA))
def test_configure_task_passes_valid_options_and_drops_no_data(module):
    (task,) = [t for t, m in _awx_tasks() if m == module]
    params = task["awx.awx." + module]
    assert check_module_params(module, {k: "{{ templated }}" for k in params}, task["name"]) == []
    for item in DATA[module]:
        assert check_module_params(module, item, item["name"]) == []
        # A key in the data that the task does not pass would silently never reach AWX.
        assert set(item) <= set(params)


# --- the validator itself must catch what AWX would reject ---

def test_validator_rejects_an_unknown_option():
    assert check_module_params("job_template", {"name": "x", "job_typ": "run"}, "jt") == [
        "jt: 'job_typ' is not an option of awx.awx.job_template"]


def test_validator_rejects_a_bad_choice_and_a_wrong_type():
    assert check_module_params("job_template", {"name": "x", "job_type": "dry", "forks": "5"}, "jt") == [
        "jt: 'job_type' is 'dry', not one of ['run', 'check']",
        "jt: 'forks' must be int, got str"]


def test_validator_accepts_aliases_and_requires_name():
    assert check_module_params("job_template", {"ask_job_type": True}, "jt") == [
        "jt: required option 'name' of awx.awx.job_template is missing"]


def test_validator_applies_awx_survey_rules():
    survey = {"name": "s", "description": "", "spec": [
        {"type": "multiplechoice", "question_name": "q", "variable": "v", "required": True,
         "choices": ["a", "b"], "default": "c"},
        {"type": "text", "question_name": "q2", "variable": "v", "required": "yes"},
    ]}
    assert check_survey_spec(survey, "s") == [
        "s question 0: default must be one of the choices",
        "s question 1: 'required' must be bool",
        "s question 1: 'variable' 'v' duplicated",
    ]


def test_validator_rejects_an_injector_with_an_undefined_field():
    ctype = {"name": "t", "kind": "cloud",
             "inputs": {"fields": [{"id": "user", "label": "User"}]},
             "injectors": {"extra_vars": {"t_user": "{{ username }}"}, "env": {"ANSIBLE_X": "{{ user }}"}}}
    assert check_credential_type(ctype, "t") == [
        "t: extra_vars 't_user' uses an undefined field ('username' is undefined)",
        "t: env 'ANSIBLE_X' may change Ansible's configuration",
    ]
