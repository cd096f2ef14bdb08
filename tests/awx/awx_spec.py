"""Offline checks of AWX configuration-as-code against the awx.awx argument specs and AWX's own rules.

The rules come from tests/awx/fixtures/awx_argspecs.json (transcribed from ansible/awx with the commit
recorded per entry). Every check returns a list of problems (strings); an empty list means valid.
"""

import json
import re
from pathlib import Path

import jinja2
import jinja2.sandbox
import yaml

FIXTURE = Path(__file__).with_name("fixtures") / "awx_argspecs.json"
SPECS = json.loads(FIXTURE.read_text(encoding="utf-8"))

# AnsibleModule's type names -> Python types a YAML value may have to pass as that type unchanged.
_TYPES = {
    "str": (str,),
    "int": (int,),
    "float": (float, int),
    "bool": (bool,),
    "list": (list,),
    "dict": (dict,),
    "path": (str,),
}


class _Loader(yaml.SafeLoader):
    """SafeLoader that keeps Ansible's !unsafe strings as plain strings (AWX receives them literally)."""


_Loader.add_constructor("!unsafe", lambda loader, node: loader.construct_scalar(node))


def load_yaml(path):
    return yaml.load(Path(path).read_text(encoding="utf-8"), Loader=_Loader)


def _is_template(value):
    return isinstance(value, str) and "{{" in value


def check_module_params(module, params, where):
    """Problems with params as arguments of awx.awx.<module>: unknown keys, wrong types, bad choices."""
    spec = SPECS["modules"][module]["argument_spec"]
    aliases = {alias: key for key, opt in spec.items() for alias in opt.get("aliases", [])}
    problems = []
    for key, value in params.items():
        canonical = aliases.get(key, key)
        if canonical not in spec:
            problems.append("%s: %r is not an option of awx.awx.%s" % (where, key, module))
            continue
        if _is_template(value):
            continue  # resolved by Ansible at run time; the data behind it is checked separately
        opt = spec[canonical]
        expected = opt.get("type", "str")
        if not isinstance(value, _TYPES[expected]) or (expected in ("int", "float") and isinstance(value, bool)):
            problems.append("%s: %r must be %s, got %s" % (where, key, expected, type(value).__name__))
            continue
        if "choices" in opt and value not in opt["choices"]:
            problems.append("%s: %r is %r, not one of %r" % (where, key, value, opt["choices"]))
        if expected == "list" and opt.get("elements") == "str" and not all(isinstance(v, str) for v in value):
            problems.append("%s: %r must be a list of strings" % (where, key))
    for key, opt in spec.items():
        if opt.get("required") and key not in params:
            problems.append("%s: required option %r of awx.awx.%s is missing" % (where, key, module))
    return problems


def check_survey_spec(survey, where):
    """AWX's JobTemplateSurveySpec._validate_spec_data rules, as recorded in the fixture."""
    rules = SPECS["survey_spec"]
    py = {"str": str, "list": list, "bool": bool, "int": int, "float": float}
    problems = []
    for field, type_name in rules["top_level"].items():
        if field not in survey:
            problems.append("%s: field %r is missing from survey spec" % (where, field))
        elif not isinstance(survey[field], py[type_name]):
            problems.append("%s: survey field %r must be %s" % (where, field, type_name))
    if problems:
        return problems
    if not survey["spec"]:
        return ["%s: 'spec' doesn't contain any items" % where]
    known_keys = set(rules["documented_item_keys"]["keys"])
    variables = set()
    for idx, item in enumerate(survey["spec"]):
        at = "%s question %d" % (where, idx)
        if not isinstance(item, dict):
            problems.append("%s: is not a mapping" % at)
            continue
        for field, type_name in rules["item_required"].items():
            if field not in item:
                problems.append("%s: %r missing" % (at, field))
            elif not isinstance(item[field], py[type_name]):
                problems.append("%s: %r must be %s" % (at, field, type_name))
        for key in sorted(set(item) - known_keys):
            problems.append("%s: %r is not a survey question key" % (at, key))
        if not isinstance(item.get("variable"), str) or not isinstance(item.get("type"), str):
            continue
        if item["variable"] in variables:
            problems.append("%s: 'variable' %r duplicated" % (at, item["variable"]))
        variables.add(item["variable"])
        qtype = item["type"]
        if qtype not in rules["allowed_types"]:
            problems.append("%s: type %r is not one of %s" % (at, qtype, ", ".join(rules["allowed_types"])))
            continue
        default = item.get("default", "")
        allowed = tuple(py[t] for t in rules["allowed_types"][qtype])
        if default != "" and (not isinstance(default, allowed) or isinstance(default, bool)):
            problems.append("%s: default %r must be %s" % (at, default, "/".join(rules["allowed_types"][qtype])))
        for key in ("min", "max"):
            if key in item and item[key] is not None and (not isinstance(item[key], int) or isinstance(item[key], bool)):
                problems.append("%s: %s must be an integer" % (at, key))
        if qtype in rules["choices_required_for"]:
            choices = item.get("choices")
            if not choices:
                problems.append("%s: type %s must specify choices" % (at, qtype))
                continue
            choices = choices.splitlines() if isinstance(choices, str) else choices
            defaults = [] if default == "" else (default.splitlines() if isinstance(default, str) else default)
            if qtype == "multiplechoice" and len(defaults) > 1:
                problems.append("%s: multiplechoice can only have one default" % at)
            if any(d not in choices for d in defaults):
                problems.append("%s: default must be one of the choices" % at)
        if isinstance(default, str) and default.startswith(rules["reserved_default_prefix"]):
            problems.append("%s: %s is reserved" % (at, rules["reserved_default_prefix"]))
    return problems


def check_credential_type(ctype, where):
    """Schema of CredentialTypeInputField/CredentialTypeInjectorField, plus a render of every injector."""
    rules = SPECS["credential_type_schema"]
    problems = check_module_params("credential_type", ctype, where)
    inputs, injectors = ctype.get("inputs", {}), ctype.get("injectors", {})
    for key in sorted(set(inputs) - set(rules["inputs_keys"])):
        problems.append("%s: inputs key %r is not allowed" % (where, key))
    ids = []
    for field in inputs.get("fields", []):
        fid = field.get("id")
        for key in sorted(set(field) - set(rules["field_keys"])):
            problems.append("%s: field %r has unknown key %r" % (where, fid, key))
        for key in rules["field_required"]:
            if key not in field:
                problems.append("%s: field %r lacks %r" % (where, fid, key))
        ftype = field.get("type", "string")
        if ftype not in rules["field_types"]:
            problems.append("%s: field %r type %r not in %r" % (where, fid, ftype, rules["field_types"]))
        if ftype != "string":
            for key in rules["string_only_field_keys"]:
                if key in field:
                    problems.append("%s: %s not allowed for %s field %r" % (where, key, ftype, fid))
        if not isinstance(fid, str) or not re.match(rules["id_pattern"], fid) or fid in rules["reserved_ids"]:
            problems.append("%s: %r is an invalid field id" % (where, fid))
        if fid in ids:
            problems.append("%s: field ids must be unique (%s)" % (where, fid))
        ids.append(fid)
    for req in inputs.get("required", []):
        if req not in ids:
            problems.append("%s: required input %r is not a field" % (where, req))
    for key in sorted(set(injectors) - set(rules["injector_keys"])):
        problems.append("%s: injector kind %r is not allowed" % (where, key))
    patterns = {"file": rules["file_key_pattern"], "env": rules["env_key_pattern"],
                "extra_vars": rules["extra_vars_key_pattern"]}
    env = jinja2.sandbox.ImmutableSandboxedEnvironment(undefined=jinja2.StrictUndefined)
    sample = {fid: "EXAMPLE" for fid in ids}
    for kind, mapping in injectors.items():
        for name, template in (mapping or {}).items():
            if kind in patterns and not re.match(patterns[kind], name):
                problems.append("%s: %s name %r is invalid" % (where, kind, name))
            if kind == "env" and name.startswith(rules["env_forbidden_prefix"]):
                problems.append("%s: env %r may change Ansible's configuration" % (where, name))
            try:
                env.from_string(template).render(sample)
            except jinja2.UndefinedError as exc:
                problems.append("%s: %s %r uses an undefined field (%s)" % (where, kind, name, exc))
    return problems


def render_injectors(ctype, inputs):
    """What AWX injects for a credential of ctype with the given inputs: (extra_vars, env)."""
    env = jinja2.sandbox.ImmutableSandboxedEnvironment(undefined=jinja2.StrictUndefined)
    values = {f["id"]: inputs.get(f["id"], f.get("default", "")) for f in ctype["inputs"]["fields"]}
    rendered = {}
    for kind in ("extra_vars", "env"):
        rendered[kind] = {k: env.from_string(t).render(values) for k, t in ctype["injectors"].get(kind, {}).items()}
    return rendered["extra_vars"], rendered["env"]
