"""The shape of the code, checked: a pure core, one write path, an explicit public API."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import confederal.ledger

SRC = Path(confederal.ledger.__file__).parents[1]
CORE = [
    "ledger",
    "decisions",
    "charter",
    "roles",
    "splitting",
    "permissions",
    "meetings",
    "sortition",
    "federation",
    "records",
]
# Pure libraries the core may use beyond the standard library; the solver only in sortition.
PURE = {"orjson", "nacl", "confederal"}
SOLVERS = {"sortition": {"highspy", "numpy"}}
# What the core may import: the standard library's pure parts and two pure libraries.
IO_MODULES = {
    "socket",
    "urllib",
    "http",
    "sqlite3",
    "subprocess",
    "os",
    "pathlib",
    "shutil",
    "io",
    "tempfile",
    "random",
    "time",
}
# Methods only models, managers and querysets have; "update" also belongs to dict, so it
# counts only on a manager chain.
WRITE_METHODS = {"save", "create", "bulk_create", "delete", "get_or_create", "update_or_create", "bulk_update"}


def _modules(package: str) -> list[Path]:
    return sorted((SRC / package).rglob("*.py"))


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_the_core_imports_no_framework_and_no_io():
    for package in CORE:
        for path in _modules(package):
            for name in _imports(path):
                top = name.split(".")[0]
                assert top != "django", f"{path} imports Django"
                assert not name.startswith(("confederal.node", "confederal.cli")), f"{path} imports the shell: {name}"
                assert top not in IO_MODULES, f"{path} imports {name}, which does I/O or hidden randomness"
                allowed = PURE | SOLVERS.get(package, set())
                assert top in sys.stdlib_module_names or top in allowed, f"{path}: {name}"
                assert top != "ortools", f"{path}: ortools and highspy must never share a process"


def test_the_core_never_opens_files():
    for path in (p for package in CORE for p in _modules(package)):
        calls = [n for n in ast.walk(ast.parse(path.read_text())) if isinstance(n, ast.Call)]
        assert not [c for c in calls if isinstance(c.func, ast.Name) and c.func.id in {"open", "print", "input"}], path


def _on_manager(node: ast.expr) -> bool:
    while isinstance(node, ast.Attribute | ast.Call):
        if isinstance(node, ast.Attribute) and node.attr == "objects":
            return True
        node = node.value if isinstance(node, ast.Attribute) else node.func
    return False


def _writes(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            method = node.func.attr
            if method in WRITE_METHODS or (method == "update" and _on_manager(node.func.value)):
                found.append((node.lineno, method))
    return found


def test_only_services_write_to_the_database():
    readers = [p for p in _modules("node") if p.name in {"views.py", "api.py", "selectors.py", "display.py", "urls.py"}]
    readers += _modules("cli")
    assert readers
    for path in readers:
        assert not _writes(ast.parse(path.read_text())), f"{path} writes to the database; use a service"


def test_the_write_rule_sees_queryset_writes_and_ignores_dicts():
    sample = "Ledger.objects.filter(pk=1).update(size=0)\nrow.save()\nseen.update(more)\n"
    assert _writes(ast.parse(sample)) == [(1, "update"), (2, "save")]


def test_the_ledger_core_exports_exactly_its_public_names():
    public = {name for name in dir(confederal.ledger) if not name.startswith("_")}
    modules = {name for name in public if type(getattr(confederal.ledger, name)).__name__ == "module"}
    assert set(confederal.ledger.__all__) == public - modules
    assert len(confederal.ledger.__all__) == len(set(confederal.ledger.__all__))
