"""The shape of the code, checked: a pure core, one write path, an explicit public API."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import confederal.ledger

SRC = Path(confederal.ledger.__file__).parents[1]
CORE = ["ledger"]
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
WRITE_METHODS = {
    "save",
    "create",
    "bulk_create",
    "update",
    "delete",
    "get_or_create",
    "update_or_create",
    "bulk_update",
}


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
                assert top in sys.stdlib_module_names or top in {"orjson", "nacl", "confederal"}, f"{path}: {name}"


def test_the_core_never_opens_files():
    for path in _modules("ledger"):
        calls = [n for n in ast.walk(ast.parse(path.read_text())) if isinstance(n, ast.Call)]
        assert not [c for c in calls if isinstance(c.func, ast.Name) and c.func.id in {"open", "print", "input"}], path


def test_only_services_write_to_the_database():
    readers = [p for p in _modules("node") if p.name in {"views.py", "api.py", "selectors.py", "display.py", "urls.py"}]
    readers += _modules("cli")
    assert readers
    for path in readers:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                assert node.func.attr not in WRITE_METHODS, (
                    f"{path}:{node.lineno} writes ({node.func.attr}); use a service"
                )


def test_the_ledger_core_exports_exactly_its_public_names():
    public = {name for name in dir(confederal.ledger) if not name.startswith("_")}
    modules = {name for name in public if type(getattr(confederal.ledger, name)).__name__ == "module"}
    assert set(confederal.ledger.__all__) == public - modules
    assert len(confederal.ledger.__all__) == len(set(confederal.ledger.__all__))
