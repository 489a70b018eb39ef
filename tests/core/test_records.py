"""Record kinds: each declared once, typed, checked, and said in plain words — and nothing else is written."""

from __future__ import annotations

import ast
import copy
import re
from pathlib import Path

import pytest

import confederal
from confederal import records
from confederal.ledger import Entry, Phrase, RecordError, did_key, encode_entry
from tests.support.records import EXAMPLES

SRC = Path(confederal.__file__).parent
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def test_every_declared_kind_has_an_example_here():
    assert set(EXAMPLES) == set(records.KINDS)


@pytest.mark.parametrize("kind", sorted(records.KINDS))
def test_a_body_reads_back_exactly_as_it_was_written(kind):
    body = EXAMPLES[kind]
    data = body.to_json()
    again = records.parse(kind, copy.deepcopy(data))
    assert again == body
    assert again.to_json() == data
    # And it fits an entry: canonical JSON, no floats, within the size limit.
    encode_entry(Entry("example.org/ledgers/x", 0, None, "2026-11-02T19:30:00Z", kind, did_key(b"\1" * 32), data))


def _phrases(phrase: Phrase):
    yield phrase
    for value in phrase.params.values():
        if isinstance(value, Phrase):
            yield from _phrases(value)


@pytest.mark.parametrize("kind", sorted(records.KINDS))
def test_every_kind_reads_as_a_sentence_whose_placeholders_are_all_given(kind):
    for phrase in _phrases(EXAMPLES[kind].describe()):
        for message in filter(None, (phrase.text, phrase.plural)):
            assert set(_PLACEHOLDER.findall(message)) <= set(phrase.params), (kind, message)
            assert "%(" not in _PLACEHOLDER.sub("", message), (kind, message)
        assert set(phrase.params) <= set(_PLACEHOLDER.findall(phrase.text + (phrase.plural or ""))), kind
        assert (phrase.plural is None) == (phrase.count is None)


_WRONG = [None, "x", "", 0, -1, 2**53 - 1, True, [], [1], {}, {"x": 1}, "sha256:" + "0" * 64]


@pytest.mark.parametrize("kind", sorted(records.KINDS))
def test_a_malformed_body_is_refused_with_a_record_error_and_nothing_else(kind):
    data = EXAMPLES[kind].to_json()
    mutants = [{**data, "unexpected": 1}, "not an object", []]
    for key in data:
        mutants.append({k: v for k, v in data.items() if k != key})
        mutants += [{**data, key: wrong} for wrong in _WRONG]
    errors: list[RecordError] = []
    for mutant in mutants:
        try:
            body = records.parse(kind, mutant)  # type: ignore[arg-type]
        except RecordError as exc:
            errors.append(exc)
            continue
        # What is accepted reads back as itself: nothing is silently dropped or changed.
        assert records.parse(kind, body.to_json()) == body
    assert len(errors) >= len(data) // 2  # most changes to a well-formed body break it
    assert all(e.code and e.message for e in errors)


def _nested_mutants(value, depth=0):
    """Every copy of ``value`` with one value inside it, at any depth, replaced by a wrong one or left out."""
    if isinstance(value, dict):
        for key, inner in value.items():
            yield {k: v for k, v in value.items() if k != key}
            for wrong in (*_WRONG, *_nested_mutants(inner, depth + 1)):
                yield {**value, key: wrong}
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            yield value[:i] + value[i + 1 :]
            for wrong in (*_WRONG, *_nested_mutants(inner, depth + 1)):
                yield [*value[:i], wrong, *value[i + 1 :]]


@pytest.mark.parametrize("kind", sorted(records.KINDS))
def test_a_body_broken_anywhere_inside_is_refused_with_a_record_error_and_nothing_else(kind):
    # A peer's ledger may hold anything; a value two objects deep must be refused as plainly as a top-level one.
    refused: list[RecordError] = []
    for mutant in _nested_mutants(EXAMPLES[kind].to_json()):
        try:
            body = records.parse(kind, mutant)
        except RecordError as exc:
            refused.append(exc)
            continue
        assert records.parse(kind, body.to_json()) == body
    assert refused
    assert all(e.code and e.message for e in refused)


def test_an_unknown_kind_or_a_broken_body_still_reads_as_a_sentence_not_as_data():
    for phrase in (records.describe("no.such.kind", {"a": 1}), records.describe("decision", {"title": 5})):
        assert isinstance(phrase, Phrase)
        assert "{" not in phrase.text
    with pytest.raises(RecordError) as raised:
        records.kind_of("no.such.kind")
    assert raised.value.code == "unknown_kind"


def test_only_notes_are_operator_kinds():
    assert set(records.OPERATOR_KINDS) == {"finance.txn", "metric"}
    assert not records.KINDS["decision"].operator


# -- every kind named in the code is declared ---------------------------------------------------------

_KIND_LIKE = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+\Z")
_KIND_CALLS = {"Record", "kind_of", "parse", "describe", "check_fits", "check_operator_record", "Act"}


def _is_kind_expr(node: ast.AST) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr == "kind") or (
        isinstance(node, ast.Name) and node.id == "kind"
    )


def _kind_literals(tree: ast.AST) -> list[tuple[int, str]]:
    """String literals the code uses as record kinds: compared with a kind, passed as one, or filtered by one."""
    found = []

    def literals(node: ast.AST) -> list[ast.Constant]:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return [node]
        if isinstance(node, ast.Set | ast.Tuple | ast.List):
            return [n for e in node.elts for n in literals(e)]
        return []

    for node in ast.walk(tree):
        candidates: list[ast.Constant] = []
        if isinstance(node, ast.Compare) and any(_is_kind_expr(n) for n in [node.left, *node.comparators]):
            candidates = [c for n in [node.left, *node.comparators] for c in literals(n)]
        elif isinstance(node, ast.keyword) and node.arg in {"kind", "kind__in"}:
            candidates = literals(node.value)
        elif isinstance(node, ast.Call):
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            if name in _KIND_CALLS and node.args:
                candidates = literals(node.args[0])
        found += [(c.lineno, c.value) for c in candidates if _KIND_LIKE.match(c.value)]
    return found


def test_every_record_kind_the_code_names_is_declared():
    named = {}
    for path in SRC.rglob("*.py"):
        for line, kind in _kind_literals(ast.parse(path.read_text())):
            named[f"{path.relative_to(SRC)}:{line}"] = kind
    undeclared = {where: kind for where, kind in named.items() if kind not in records.KINDS}
    assert not undeclared, f"record kinds used in the code but not declared in confederal.records: {undeclared}"


def test_the_scan_sees_kinds_in_comparisons_filters_and_calls():
    sample = (
        'if entry.kind == "draw.result": pass\n'
        'rows = Record.objects.filter(kind="council.charter")\n'
        'x = kind in {"mandate.grant", "page.html"}\n'
        'Record("made.up")\n'
        'print("not.a.kind")\n'
    )
    assert sorted(k for _, k in _kind_literals(ast.parse(sample))) == [
        "council.charter",
        "draw.result",
        "made.up",
        "mandate.grant",
        "page.html",
    ]


def test_the_architecture_page_names_every_kind():
    text = (SRC.parents[1] / "docs" / "ARCHITECTURE.md").read_text()
    missing = [kind for kind in records.KINDS if f"`{kind}`" not in text]
    assert not missing, f"docs/ARCHITECTURE.md does not list {missing}"


def test_entries_written_with_reasons_for_who_sat_out_still_read_as_names():
    # Before issue 12 a rota pick and a draw's announcement gave each member who sat out with a reason; those
    # entries are in ledgers for good, so they must still read (as names), and a draw announced then audits.
    pick = records.parse("role.assignment", EXAMPLES["role.assignment"].to_json())
    old_pick = {**pick.to_json(), "pick": {**pick.pick, "excluded": [{"member": "Jonas", "reason": "absent"}]}}
    assert records.parse("role.assignment", old_pick).pick["excluded"] == ["Jonas"]
    announced = EXAMPLES["draw.announced"].to_json()
    old_announced = {**announced, "excluded": [{"member": "Jonas", "reason": "holds_another_role"}]}
    assert records.parse("draw.announced", old_announced).excluded == ("Jonas",)
    with pytest.raises(RecordError):
        records.parse("draw.announced", {**announced, "excluded": [{"reason": "absent"}]})
