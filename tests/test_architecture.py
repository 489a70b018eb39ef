"""The shape of the code, checked: a pure core, one write path, reads through selectors, an explicit public API.

Each rule is a small function over a file's syntax tree, and each has a self-test
on a sample that must fail it, so a rule that silently stopped seeing anything
would be noticed.
"""

from __future__ import annotations

import ast
import importlib
import sys
from pathlib import Path

import confederal.ledger

SRC = Path(confederal.ledger.__file__).parents[1]
NODE = SRC / "node"
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
    "books",
    "mutual_aid",
]
# Pure libraries the core may use beyond the standard library; the solver only in sortition,
# the ISO 4217 table (iso4217) only in books.
PURE = {"orjson", "nacl", "confederal"}
SOLVERS = {"sortition": {"highspy", "numpy"}, "books": {"iso4217"}}
# Standard modules that do I/O: the core receives what it reads, and returns what the shell writes.
IO_MODULES = {"socket", "urllib", "http", "sqlite3", "subprocess", "os", "pathlib", "shutil", "io", "tempfile"}
# The one list of wall clocks and hidden randomness the core never touches: time and seeds are passed in.
# A bare name forbids the module; "module.name" forbids that name (imported, or reached as an attribute).
CLOCKS_AND_CHANCE = {
    "secrets",
    "random",
    "time",
    "datetime.now",
    "datetime.today",
    "datetime.utcnow",
    "date.today",
    "uuid.uuid1",
    "uuid.uuid4",
    "os.urandom",
    "os.getrandom",
}

# -- what counts as a database write ------------------------------------------------------------
# Methods that write whatever they are called on: no dict, list or file has them.
WRITES_ANYWHERE = {"save", "delete", "create", "bulk_create", "bulk_update", "get_or_create", "update_or_create"}
# Methods that write on a manager or queryset but mean something else on a dict or set.
WRITES_ON_QUERYSETS = {"update", "add", "remove", "clear", "set"}
# Methods only managers and querysets have: a chain through one of them (or through ``.objects``) is a queryset.
QUERYSET_METHODS = {
    "all",
    "filter",
    "exclude",
    "order_by",
    "select_related",
    "prefetch_related",
    "select_for_update",
    "values",
    "values_list",
    "annotate",
    "aggregate",
    "distinct",
    "only",
    "defer",
    "using",
    "exists",
    "first",
    "last",
    "latest",
    "earliest",
    "in_bulk",
    "iterator",
    "raw",
}
# Shortcuts that read a model straight from a view.
READ_SHORTCUTS = {"get_object_or_404", "get_list_or_404"}


def _modules(package: str) -> list[Path]:
    return sorted((SRC / package).rglob("*.py"))


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(), filename=str(path))


def _imports(tree: ast.AST) -> set[str]:
    """Every module imported, and every ``module.name`` imported from a module."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _dotted_tails(tree: ast.AST) -> set[str]:
    """``a.b`` for every attribute reached as ``….a.b`` (``datetime.datetime.now`` gives ``datetime.now``)."""
    tails = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            base = node.value
            name = base.id if isinstance(base, ast.Name) else base.attr if isinstance(base, ast.Attribute) else None
            if name is not None:
                tails.add(f"{name}.{node.attr}")
    return tails


def _clocks_and_chance(tree: ast.AST) -> set[str]:
    found = set()
    for name in _imports(tree):
        parts = name.split(".")
        if parts[0] in CLOCKS_AND_CHANCE or ".".join(parts[-2:]) in CLOCKS_AND_CHANCE:
            found.add(name)
    return found | (_dotted_tails(tree) & CLOCKS_AND_CHANCE)


def test_the_core_imports_no_framework_and_no_io():
    for package in CORE:
        for path in _modules(package):
            for name in _imports(_tree(path)):
                top = name.split(".")[0]
                assert top != "django", f"{path} imports Django"
                assert not name.startswith(("confederal.node", "confederal.cli")), f"{path} imports the shell: {name}"
                assert top not in IO_MODULES, f"{path} imports {name}, which does I/O"
                allowed = PURE | SOLVERS.get(package, set())
                assert top in sys.stdlib_module_names or top in allowed, f"{path}: {name}"
                assert top != "ortools", f"{path}: ortools and highspy must never share a process"


def test_the_core_reads_no_clock_and_no_hidden_randomness():
    for path in (p for package in CORE for p in _modules(package)):
        assert not _clocks_and_chance(_tree(path)), f"{path} reads a clock or hidden randomness; pass it in"


def test_the_clock_rule_sees_clocks_and_randomness_however_reached():
    samples = [
        "import secrets",
        "from random import choice",
        "import time",
        "from datetime import datetime\nnow = datetime.now()",
        "import datetime\ntoday = datetime.date.today()",
        "import uuid\nid = uuid.uuid4()",
        "from uuid import uuid4",
        "from os import urandom",
        "stamp = datetime.datetime.utcnow()",
    ]
    for sample in samples:
        assert _clocks_and_chance(ast.parse(sample)), sample
    assert not _clocks_and_chance(ast.parse("from datetime import date, datetime\nd = date.fromisoformat(s)"))
    assert not _clocks_and_chance(ast.parse("import uuid\nid = uuid.uuid5(uuid.NAMESPACE_URL, url)"))


def test_the_core_never_opens_files():
    for path in (p for package in CORE for p in _modules(package)):
        calls = [n for n in ast.walk(_tree(path)) if isinstance(n, ast.Call)]
        assert not [c for c in calls if isinstance(c.func, ast.Name) and c.func.id in {"open", "print", "input"}], path


# -- the write rule -------------------------------------------------------------------------------


def _related_managers() -> frozenset[str]:
    """The names of every related manager of the node's models (``assembly.members``, ``meeting.decisions``…)."""
    from django.apps import apps

    names = set()
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if field.many_to_many or field.one_to_many:
                names.add(field.get_accessor_name() if field.auto_created else field.name)
    return frozenset(names)


def _on_queryset(node: ast.expr, managers: frozenset[str] = frozenset()) -> bool:
    """Whether an expression is reached through ``.objects``, a related manager, or a queryset-only method call."""
    while isinstance(node, ast.Attribute | ast.Call | ast.Subscript):
        if isinstance(node, ast.Attribute):
            if node.attr == "objects" or (node.attr in managers and isinstance(node.value, ast.Attribute | ast.Name)):
                return True
            node = node.value
        elif isinstance(node, ast.Subscript):
            node = node.value
        else:
            if isinstance(node.func, ast.Attribute) and node.func.attr in QUERYSET_METHODS:
                return True
            node = node.func
    return False


def _sql_texts(tree: ast.Module) -> dict[str, str]:
    """Module-level names bound to SQL text, with the text (every string constant in the value, joined)."""
    texts = {}
    for statement in tree.body:
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
            target = statement.targets[0]
            if isinstance(target, ast.Name):
                parts = [c.value for c in ast.walk(statement.value) if isinstance(c, ast.Constant)]
                texts[target.id] = " ".join(p for p in parts if isinstance(p, str)).strip()
    return texts


def _read_only_sql(tree: ast.Module, call: ast.Call) -> bool:
    """Whether ``cursor.execute(SQL, …)`` runs a module constant that only selects."""
    if not call.args or not isinstance(call.args[0], ast.Name):
        return False
    text = _sql_texts(tree).get(call.args[0].id, "")
    return text.upper().startswith("SELECT ") and ";" not in text


def _writes(tree: ast.Module, managers: frozenset[str] = frozenset()) -> list[tuple[int, str]]:
    """Every place a module writes to the database, or could (a transaction, raw SQL that is not a SELECT).

    ``managers`` names the related managers (``_related_managers()``): ``assembly.members.update(…)`` writes.
    """
    found = []
    # ``@router.delete(…)`` declares an HTTP route; a decorator writes only if it is a transaction.
    routes = {
        id(decorator)
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        for decorator in node.decorator_list
    }
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        method, target = node.func.attr, node.func.value
        if method in WRITES_ANYWHERE and id(node) in routes:
            continue
        if method in WRITES_ANYWHERE or (method in WRITES_ON_QUERYSETS and _on_queryset(target, managers)):
            found.append((node.lineno, method))
        elif method == "atomic":
            found.append((node.lineno, "transaction.atomic"))
        elif method == "execute" and not _read_only_sql(tree, node):
            found.append((node.lineno, "raw SQL"))
    called = {id(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}
    for node in ast.walk(tree):
        # ``@transaction.atomic`` without a call
        if isinstance(node, ast.Attribute) and node.attr == "atomic" and id(node) not in called:
            found.append((node.lineno, "transaction.atomic"))
    return sorted(set(found))


def _may_write(path: Path) -> bool:
    return path.name == "services.py" or "services" in path.relative_to(NODE).parts[:-1] or "migrations" in path.parts


def _shell_files() -> list[Path]:
    """Every Python file of the node and the command line."""
    return _modules("node") + _modules("cli")


def test_only_services_write_to_the_database():
    checked = [p for p in _shell_files() if not (p.is_relative_to(NODE) and _may_write(p))]
    assert len(checked) > 40, "the rule must see the whole shell"
    managers = _related_managers()
    assert {"members", "ballots", "decisions"} <= managers
    offenders = {str(p.relative_to(SRC)): w for p in checked if (w := _writes(_tree(p), managers))}
    assert not offenders, f"only services.py writes to the database; move these writes into a service: {offenders}"


def test_the_write_rule_sees_queryset_writes_and_ignores_dicts():
    sample = "Ledger.objects.filter(pk=1).update(size=0)\nrow.save()\nseen.update(more)\n"
    assert _writes(ast.parse(sample)) == [(1, "update"), (2, "save")]


def test_the_write_rule_sees_writes_whatever_the_helper_is_called():
    # A writer renamed (write_state, persist, …) still writes through one of these, and is caught there.
    sample = "\n".join(
        [
            "def write_state(self):",
            "    self.row.delete()",
            "    assembly.members.filter(left_at=None).update(away_until=None)",
            "    Meeting.objects.get(pk=1).decisions.all().add(proposal)",
            "    with transaction.atomic():",
            "        pass",
            "@transaction.atomic",
            "def persist(): pass",
            "def raw(cursor):",
            "    cursor.execute('DELETE FROM ledgers_ledger')",
            "@router.delete('/tokens/{token_id}')",
            "def revoke(request): pass",
            "seen.add(1)",
            "path.write_text(state)",
        ]
    )
    lines = sorted({line for line, _ in _writes(ast.parse(sample))})
    assert lines == [2, 3, 4, 5, 7, 10]
    related = "proposal.meetings.add(meeting)\nassembly.members.update(away_until=None)\nseen.add(1)\n"
    assert _writes(ast.parse(related), frozenset({"meetings", "members"})) == [(1, "add"), (2, "update")]


def test_the_write_rule_allows_raw_selects_only():
    select = "READ = 'SELECT seq FROM t WHERE id = %s'\ncursor.execute(READ, [1])\n"
    assert not _writes(ast.parse(select))
    sneaky = "READ = 'SELECT 1; DELETE FROM t'\ncursor.execute(READ)\n"
    assert _writes(ast.parse(sneaky)) == [(2, "raw SQL")]


# -- the read rule --------------------------------------------------------------------------------


def _reads(tree: ast.AST, managers: frozenset[str] = frozenset()) -> list[tuple[int, str]]:
    """Every place a module queries the database itself instead of asking a selector.

    ``managers`` names the related managers: ``assembly.members.get(…)`` reads, ``labels.get(…)`` does not.
    """
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr == "objects":
            found.append((node.lineno, "objects"))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in {"get", "count"}
            and _on_queryset(node.func.value, managers)
        ):
            found.append((node.lineno, node.func.attr))
        elif isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id in READ_SHORTCUTS:
                found.append((node.lineno, func.id))
            elif isinstance(func, ast.Attribute) and func.attr in QUERYSET_METHODS and func.attr != "raw":
                found.append((node.lineno, func.attr))
            elif isinstance(func, ast.Attribute) and func.attr == "count" and not node.args:
                found.append((node.lineno, "count"))
    return sorted(set(found))


def _readers() -> list[Path]:
    """The pages, the API and template tags: they read through selectors."""
    return [
        p
        for p in _modules("node")
        if p.name == "views.py" or (p.parent.name in {"api", "templatetags"} and p.name != "__init__.py")
    ]


def test_pages_and_the_api_read_through_selectors():
    readers = _readers()
    assert len(readers) >= 14, "the rule must see every view and API module"
    managers = _related_managers()
    offenders = {str(p.relative_to(SRC)): r for p in readers if (r := _reads(_tree(p), managers))}
    assert not offenders, f"views and the API read through selectors.py: {offenders}"


def test_the_read_rule_sees_managers_querysets_and_shortcuts():
    sample = "\n".join(
        [
            "Peer.objects.all()",
            "assembly.members.filter(left_at__isnull=True)",
            "get_object_or_404(Lottery, number=1)",
            "me.ballots.exists()",
            "peers.count()",
            "motion.count('for')",
            "options.get('a')",
            "sorted(filter(None, names))",
        ]
    )
    assert sorted({line for line, _ in _reads(ast.parse(sample))}) == [1, 2, 3, 4, 5]
    related = "meeting.agenda.get(pk=1)\nlabels.get('a')\nassembly.members.count()\n"
    assert _reads(ast.parse(related), frozenset({"agenda", "members"})) == [(1, "get"), (3, "count")]


def _asserted(tree: ast.AST) -> list[int]:
    """Lines that assert something is not None: a membership should come from ``access.require_member``."""
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Assert)
        and isinstance(node.test, ast.Compare)
        and isinstance(node.test.ops[0], ast.IsNot)
        and isinstance(node.test.comparators[0], ast.Constant)
        and node.test.comparators[0].value is None
    ]


def test_pages_and_the_api_ask_for_a_member_instead_of_asserting_one():
    offenders = {str(p.relative_to(SRC)): a for p in _readers() if (a := _asserted(_tree(p)))}
    assert not offenders, f"use access.require_member, which refuses cleanly: {offenders}"


def test_the_assert_rule_sees_an_asserted_member():
    sample = "member = require(user, assembly, action, today)\nassert member is not None\nassert ok\n"
    assert _asserted(ast.parse(sample)) == [2]


# -- the API stands on its own --------------------------------------------------------------------


def _imports_views(tree: ast.AST) -> set[str]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if "views" in module.split(".") or any(alias.name == "views" for alias in node.names):
                found.add("." * node.level + module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if "views" in alias.name.split("."))
    return found


def test_the_api_imports_nothing_from_views():
    for path in _modules("node/api"):
        assert not _imports_views(_tree(path)), f"{path} imports a views module; share through selectors"


def test_the_views_import_rule_sees_every_form():
    for sample in [
        "from confederal.node.federation.views import peers_json",
        "from ..roles import views",
        "from confederal.node.ledgers.views import *",
        "import confederal.node.assemblies.views",
    ]:
        assert _imports_views(ast.parse(sample)), sample
    assert not _imports_views(ast.parse("from confederal.node.federation import selectors"))


# -- explicit public APIs -------------------------------------------------------------------------


def _all_problems(module: object) -> list[str]:
    """How a package's ``__all__`` differs from its public names (modules aside), and any name listed twice."""
    exported = list(getattr(module, "__all__", []))
    public = {n for n in dir(module) if not n.startswith("_") and type(getattr(module, n)).__name__ != "module"}
    problems = [f"missing from __all__: {n}" for n in sorted(public - set(exported))]
    problems += [f"not public: {n}" for n in sorted(set(exported) - public)]
    problems += [f"listed twice: {n}" for n in sorted({n for n in exported if exported.count(n) > 1})]
    if not hasattr(module, "__all__"):
        problems.append("no __all__")
    return problems


def test_every_core_package_exports_exactly_its_public_names():
    for package in CORE:
        module = importlib.import_module(f"confederal.{package}")
        assert not _all_problems(module), f"confederal.{package}: {_all_problems(module)}"


def test_the_export_rule_sees_missing_extra_and_doubled_names():
    import types

    sample = types.ModuleType("sample")
    sample.kept = sample.hidden = 1  # type: ignore[attr-defined]
    sample.__all__ = ["kept", "kept", "gone"]  # type: ignore[attr-defined]
    assert _all_problems(sample) == ["missing from __all__: hidden", "not public: gone", "listed twice: kept"]
