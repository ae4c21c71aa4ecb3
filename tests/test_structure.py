"""The project's structure, checked: which package may import which, and one
place for each run-health name (issue #19).

Read from the source with ast, so a violation fails here with the file and
line, not as a cycle or a drifting string somewhere else.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("core", "db", "pipelines", "spiders", "stationwatch", "web")


def python_files(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def project_imports(path: Path) -> set[tuple[str, int]]:
    """(top-level project package, line) of every import in ``path``."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found |= {(name.split(".")[0], node.lineno) for name in names if name.split(".")[0] in PACKAGES}
    return found


# package -> project packages it must not import
FORBIDDEN = {
    "core": set(PACKAGES) - {"core"},  # a leaf: everyone may use it
    "db": {"stationwatch", "spiders", "pipelines", "web"},
    "spiders": {"db", "pipelines"},  # spiders parse; they never read or write the store
}


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_import_graph(package):
    violations = [
        f"{path.relative_to(ROOT)}:{line} imports {imported}"
        for path in python_files(package)
        for imported, line in sorted(project_imports(path))
        if imported in FORBIDDEN[package]
    ]
    assert python_files(package), f"no modules found in {package}/"
    assert violations == []


def test_the_checker_sees_a_forbidden_import(tmp_path):
    """The graph test reads imports as written (no false pass on from-imports)."""
    module = tmp_path / "m.py"
    module.write_text("import os\nfrom db.store import x\nimport pipelines.normalize as n\nfrom . import y\n")
    assert project_imports(module) == {("db", 2), ("pipelines", 3)}


def health_name_literals(path: Path) -> list[int]:
    """Lines of string literals (plain or the start of an f-string) that
    spell a stats key: "stationwatch/..."."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.JoinedStr) and node.values:
            node = node.values[0]
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith("stationwatch/"):
            lines.append(node.lineno)
    return lines


def test_every_stats_key_is_defined_in_core_health_only():
    owner = ROOT / "core" / "health.py"
    assert health_name_literals(owner), "core/health.py no longer defines the keys"
    elsewhere = [
        f"{path.relative_to(ROOT)}:{line}"
        for package in PACKAGES
        for path in python_files(package)
        if path != owner
        for line in health_name_literals(path)
    ] + [f"scheduler.py:{line}" for line in health_name_literals(ROOT / "scheduler.py")]
    assert elsewhere == []


def test_a_statement_with_a_kind_outside_the_vocabulary_fails_where_it_is_made():
    from stationwatch.items import Statement

    fields = dict(source="s", source_kind="parliament", country="GB", body="House of Commons",
                  kind="written_answer", url="https://example.org/", title="t", published="2023-01-01",
                  language="en", text="x", record_id="r")
    assert Statement(**fields).official
    for field, wrong in (("source_kind", "parliment"), ("kind", "writen_answer"), ("country", "United Kingdom")):
        with pytest.raises(ValueError, match=field):
            Statement(**{**fields, field: wrong})
