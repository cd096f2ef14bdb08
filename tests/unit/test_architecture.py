"""docs/dev/architecture.md's tables against the tree: every part a capability names exists, and nothing
exists (role, module, module_utils package, molecule scenario) that the page does not name."""

import re
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
PAGE = REPO / "docs" / "dev" / "architecture.md"
COLUMNS = ["Capability", "Role", "Modules", "Verifiers", "module_utils", "Molecule scenarios", "Twin", "Docs"]
# Column -> where each name it lists must exist.
WHERE = {
    "Role": lambda n: REPO / "roles" / n / "tasks" / "main.yml",
    "Modules": lambda n: REPO / "plugins" / "modules" / (n + ".py"),
    "Verifiers": lambda n: REPO / "plugins" / "modules" / (n + ".py"),
    "module_utils": lambda n: REPO / "plugins" / "module_utils" / n / "__init__.py",
    "Molecule scenarios": lambda n: REPO / "molecule" / n / "molecule.yml",
    "Twin": lambda n: REPO / n,
    "Docs": lambda n: REPO / n,
}
SHARED_KIND = {"module_utils": "module_utils", "molecule": "Molecule scenarios"}


def tables(text):
    """Every markdown table of the page as (header, rows of cells)."""
    found, block = [], []
    for line in text.splitlines() + [""]:
        if line.startswith("|"):
            block.append([c.strip() for c in line.strip().strip("|").split("|")])
        elif block:
            if len(block) > 2 and set(block[1][0]) <= set("-: "):
                found.append((block[0], block[2:]))
            block = []
    return found


def names(cell):
    return re.findall(r"`([^`]+)`", cell)


def page_tables():
    by_header = {tuple(h[:2]): (h, rows) for h, rows in tables(PAGE.read_text())}
    header, rows = by_header[tuple(COLUMNS[:2])]
    assert header == COLUMNS, "the capability table's columns changed: %s" % header
    capabilities = {row[0]: dict(zip(COLUMNS, (names(cell) for cell in row))) for row in rows}
    _h, shared_rows = by_header[("Kind", "Name")]
    shared = {}
    for kind, name, _why in shared_rows:
        shared.setdefault(SHARED_KIND[kind], set()).update(names(name))
    return capabilities, shared


CAPABILITIES, SHARED = page_tables()


def named(column):
    return set(n for parts in CAPABILITIES.values() for n in parts[column]) | SHARED.get(column, set())


@pytest.mark.parametrize("capability", sorted(CAPABILITIES))
def test_capability_has_every_part_on_disk(capability):
    parts = CAPABILITIES[capability]
    missing = [str(WHERE[col](n).relative_to(REPO)) for col in WHERE for n in parts[col] if not WHERE[col](n).exists()]
    assert missing == []
    for column in ("Role", "Modules", "Verifiers", "module_utils", "Molecule scenarios", "Docs"):
        assert parts[column], "%s names no %s" % (capability, column)
    assert len(parts["Role"]) == 1 and len(parts["module_utils"]) == 1, capability


def test_page_names_every_role():
    assert set(p.name for p in (REPO / "roles").iterdir() if p.is_dir()) == named("Role")


def test_page_names_every_module():
    on_disk = set(p.stem for p in (REPO / "plugins" / "modules").glob("*.py") if p.stem != "__init__")
    assert on_disk == named("Modules") | named("Verifiers")


def test_page_names_every_module_utils_package():
    on_disk = set(p.name for p in (REPO / "plugins" / "module_utils").iterdir()
                  if p.is_dir() and p.name != "__pycache__")
    assert on_disk == named("module_utils")
    loose = [p.name for p in (REPO / "plugins" / "module_utils").glob("*.py") if p.name != "__init__.py"]
    assert loose == [], "module_utils code belongs in a capability package or common/"


def test_page_names_every_molecule_scenario():
    on_disk = set(p.name for p in (REPO / "molecule").iterdir() if (p / "molecule.yml").is_file())
    assert on_disk == named("Molecule scenarios") - {"shared"}


def test_summary_play_judges_every_capability_by_its_role():
    (play,) = yaml.safe_load((REPO / "playbooks" / "verify_summary.yml").read_text())
    table = play["vars"]["verify_summary_capabilities"]
    assert {c["name"]: [c["role"]] for c in table} == {c: p["Role"] for c, p in CAPABILITIES.items()}


@pytest.mark.parametrize("capability", sorted(CAPABILITIES))
def test_role_registers_the_result_the_summary_reads(capability):
    (role,) = CAPABILITIES[capability]["Role"]
    tasks = REPO / "roles" / role / "tasks"
    verify = (tasks / "verify.yml").read_text() if (tasks / "verify.yml").exists() else ""
    assert "%s_verify_result" % role in verify, "roles/%s/tasks/verify.yml must register %s_verify_result" % (role, role)
    main = yaml.safe_load((tasks / "main.yml").read_text())
    assert main[-1].get("ansible.builtin.import_tasks") == "verify.yml", "verify.yml must be imported last"
    assert "%s_verify_enabled | bool" % role in str(main[-1].get("when")), main[-1]
