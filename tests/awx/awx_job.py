"""Runs a job template's playbook the way AWX does, through ansible-runner, without AWX.

The private data dir mirrors what AWX's RunJob writes (ansible/awx awx/main/tasks/jobs.py at
ad25cb743b31a5bbb9789e585d3c732f147cd138): project/ (a copy of the project tree), inventory/hosts (an
executable script printing the inventory JSON), env/extravars (awx_*/tower_* meta variables, survey
answers, credential extra_vars injectors), env/envvars (credential env injectors, ANSIBLE_ROLES_PATH and
ANSIBLE_COLLECTIONS_PATHS built from the project's ansible.cfg like AWX does), env/cmdline (--check,
-u, --diff, -l, -v from the template) and env/settings (timeouts).

The execution environment is emulated by a private HOME whose ~/.ansible/collections holds the
collection installed from its built artifact, as the EE's /usr/share/ansible/collections does.
"""

import configparser
import json
import os
import shlex
import shutil
import stat
import sys
from pathlib import Path

import ansible_runner

from awx_spec import render_injectors

JOB_ID = 4242
JOB_VARIABLE_PREFIXES = ("awx", "tower")


class LaunchRefused(Exception):
    """AWX would answer the launch request with HTTP 400 (e.g. a required survey answer is missing)."""


def survey_extra_vars(template, answers):
    """Survey variables as AWX passes them: answers, else defaults; required ones need a value."""
    spec = (template.get("survey_spec") or {}).get("spec", []) if template.get("survey_enabled") else []
    values, missing = {}, []
    for question in spec:
        variable = question["variable"]
        if variable in answers:
            values[variable] = answers[variable]
        elif question.get("default", "") != "":
            values[variable] = question["default"]
        elif question["required"]:
            missing.append("'%s' value missing" % variable)
    if missing:
        raise LaunchRefused({"variables_needed_to_start": missing})
    return values


def _ansible_cfg_paths(project):
    """AWX's read_ansible_config(project, ['collections_paths', 'roles_path'])."""
    parser = configparser.ConfigParser()
    parser.read(os.path.join(project, "ansible.cfg"))
    return {key: parser.get("defaults", key) for key in ("collections_paths", "roles_path")
            if parser.has_option("defaults", key)}


def _awx_path_env(private_data_dir, project):
    config = _ansible_cfg_paths(project)
    env = {}
    for env_key, setting, folder, default in (
            ("ANSIBLE_COLLECTIONS_PATHS", "collections_paths", "requirements_collections",
             "~/.ansible/collections:/usr/share/ansible/collections"),
            ("ANSIBLE_ROLES_PATH", "roles_path", "requirements_roles",
             "~/.ansible/roles:/usr/share/ansible/roles:/etc/ansible/roles")):
        paths = default.split(":")
        if setting in config:
            for path in config[setting].split(":"):
                if path not in paths:
                    paths = [config[setting]] + paths
        env[env_key] = os.pathsep.join([os.path.join(private_data_dir, folder)] + paths)
    return env


def prepare(base_dir, template, *, controller, project_src, inventory_json, ee_home, credential_inputs,
            answers=None, job_type=None, limit=None, timeout=240):
    """Write AWX's private data dir for one launch of template; returns its path."""
    pdd = Path(base_dir) / ("awx_%d_%s" % (JOB_ID, template["name"].split(": ", 1)[-1]))
    pdd.mkdir(mode=0o700)
    for sub in ("inventory", "env", "cp"):
        (pdd / sub).mkdir(mode=0o700)
    shutil.copytree(project_src, pdd / "project", symlinks=True)

    extra_vars = {}
    for prefix in JOB_VARIABLE_PREFIXES:
        extra_vars.update({
            prefix + "_job_id": JOB_ID,
            prefix + "_job_launch_type": "manual",
            prefix + "_job_template_name": template["name"],
            prefix + "_inventory_name": template["inventory"],
            prefix + "_project_revision": "",
            prefix + "_user_name": "admin",
        })
    extra_vars.update(template.get("extra_vars") or {})
    extra_vars.update(survey_extra_vars(template, answers or {}))

    credentials = {c["name"]: c for c in controller["isplab_awx_credentials"]}
    ctypes = {t["name"]: t for t in controller["isplab_awx_credential_types"]}
    envvars = {
        "AWX_PRIVATE_DATA_DIR": str(pdd),
        "JOB_ID": str(JOB_ID),
        "ANSIBLE_RETRY_FILES_ENABLED": "False",
        "ANSIBLE_SSH_CONTROL_PATH_DIR": str(pdd / "cp"),
        "HOME": str(ee_home),
        "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "/usr/bin:/bin"),
    }
    envvars.update(_awx_path_env(str(pdd), str(pdd / "project")))
    ssh_user = "root"
    for name in template["credentials"]:
        ctype_name = credentials[name]["credential_type"]
        inputs = credential_inputs.get(name, {})
        if ctype_name == "Machine":
            ssh_user = inputs.get("username", ssh_user)
            continue
        injected_vars, injected_env = render_injectors(ctypes[ctype_name], inputs)
        extra_vars.update(injected_vars)
        envvars.update(injected_env)

    args = []
    if (job_type or template["job_type"]) == "check":
        args.append("--check")
    args += ["-u", ssh_user]
    if template.get("become_enabled"):
        args.append("--become")
    if template.get("diff_mode"):
        args.append("--diff")
    if limit:
        args += ["-l", limit]
    if template.get("verbosity"):
        args.append("-" + "v" * min(5, template["verbosity"]))

    hosts = pdd / "inventory" / "hosts"
    hosts.write_text("#! /usr/bin/env python3\n# -*- coding: utf-8 -*-\nprint(%r)\n" % json.dumps(inventory_json))
    hosts.chmod(stat.S_IRUSR | stat.S_IXUSR | stat.S_IWUSR)
    for name, content in (("extravars", json.dumps(extra_vars)), ("envvars", json.dumps(envvars)),
                          ("cmdline", " ".join(shlex.quote(a) for a in args)),
                          ("settings", json.dumps({"job_timeout": timeout, "idle_timeout": timeout,
                                                   "suppress_ansible_output": True}))):
        path = pdd / "env" / name
        path.write_text(content)
        path.chmod(stat.S_IRUSR)
    return pdd


def run(pdd, template):
    """Run the prepared job; returns the ansible_runner.Runner (status, rc, stats, events)."""
    # ansible-playbook comes from env/envvars' PATH: the venv's, standing in for the EE's ansible-core.
    return ansible_runner.run(private_data_dir=str(pdd), playbook=template["playbook"], quiet=True)


def failed_task_messages(runner):
    """(host, task, msg) of every failed task result, from the runner's event stream."""
    out = []
    for event in runner.events:
        if event.get("event") in ("runner_on_failed", "runner_on_unreachable"):
            data = event.get("event_data", {})
            if data.get("ignore_errors"):
                continue
            res = data.get("res", {})
            msg = str(res.get("msg", ""))
            # A loop's own msg is only "One or more items failed": the items say what failed.
            items = [str(r.get("msg", "")) for r in res.get("results", []) if isinstance(r, dict) and r.get("failed")]
            out.append((data.get("host"), data.get("task"), "; ".join([msg] + items) if items else msg))
    return out
