"""``confederal audit-books``: recompute an assembly's books from its verified ledger, and hold the node to them.

The ledger is verified first, exactly as ``confederal verify`` does; only then
are its entries folded into balances and budget lines (``confederal.books``).
Given a node's address, the figures the node publishes
(``/api/assemblies/<slug>/books``) are compared with the ledger's at the ledger
size the node says it computed them at, and every difference is said in a sentence.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from confederal.books import AdoptedBudget, Amount, Books, BooksError, Currency, fold_entries, to_beancount
from confederal.ledger import DEFAULT_MAX_ENTRIES, Failure, FetchError

from . import verify

__all__ = ["EPILOG", "add_arguments", "run"]

EXIT_INCONSISTENT, EXIT_MISMATCH = 5, 6

EPILOG = """exit status:
  0   the ledger verifies, its books are consistent and (for a node) the node shows the same figures
  2, 3, 4, 10-19   the ledger did not verify, or a file could not be fetched: as for verify
                   (3 also when the node's books could not be fetched)
  5   the ledger's books are inconsistent (a posting to an account never opened, a bad reversal, …)
  6   the node shows figures that differ from the ledger's (each difference is printed)
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("target", help="the ledger's URL prefix (as shown on its page) or a directory holding a copy")
    parser.add_argument(
        "--assembly", help="the assembly whose books the node shows (default: the ledger's name in the URL)"
    )
    parser.add_argument("--key", help="the ledger's verifier key, as for verify")
    parser.add_argument("--beancount", type=Path, metavar="FILE", help="also write the books to FILE for Beancount")
    parser.add_argument(
        "--day", type=dt.date.fromisoformat, help="show the budget in force on this day (YYYY-MM-DD; default today)"
    )
    parser.add_argument("--state-dir", type=Path, default=None, help="where verify keeps pinned keys (as for verify)")
    parser.add_argument("--timeout", type=float, default=30.0, help=argparse.SUPPRESS)
    parser.add_argument("--max-entries", type=int, default=DEFAULT_MAX_ENTRIES, help=argparse.SUPPRESS)


def money(minor: int, currency: Currency) -> str:
    """``1,204.50 EUR``: digits grouped by thousands, the currency's own decimal places."""
    whole, dot, cents = Amount(minor, currency).format().partition(".")
    sign, digits = ("-", whole[1:]) if whole.startswith("-") else ("", whole)
    return f"{sign}{int(digits):,}{dot}{cents} {currency.code}"


def _table(rows: Sequence[Sequence[str]], right: int) -> list[str]:
    """Rows as aligned columns; the last ``right`` columns are numbers, aligned right."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    split = len(widths) - right
    return [
        "  "
        + "  ".join(
            cell.ljust(widths[i]) if i < split else cell.rjust(widths[i]) for i, cell in enumerate(row)
        ).rstrip()
        for row in rows
    ]


def report(books: Books, day: dt.date) -> list[str]:
    """The books as readable tables: every balance, then the budget in force on ``day`` against what happened."""
    currency = books.currency
    if currency is None:
        return ["No charter has opened books in this ledger."]
    lines = [
        f"Books in {currency.code}, from the first {books.size:,} entries: {len(books.transactions):,} transactions."
    ]
    rows: list[tuple[str, ...]] = [("Account", "Kind", "Balance")]
    rows += [
        (name, account.kind.value, money(books.balances[name], currency)) for name, account in books.accounts.items()
    ]
    lines += _table(rows, 1)
    adopted = books.budget_on(day)
    if adopted is None:
        lines.append(f"No adopted budget covers {day.isoformat()}.")
        return lines
    budget = adopted.budget
    lines.append(
        f"Budget in force on {day.isoformat()}: {adopted.title} (decision #{adopted.decision}), "
        f"{budget.start.isoformat()} to {budget.end.isoformat()}."
    )
    lines_rows: list[tuple[str, ...]] = [("Line", "Category", "Budgeted", "Spent or received", "Remaining", "")]
    for line in books.budget_vs_actual(budget):
        lines_rows.append(
            (
                line.line.name,
                line.line.category.name,
                money(line.budgeted.minor, currency),
                money(line.spent.minor, currency),
                money(line.remaining.minor, currency),
                "over" if line.over else "",
            )
        )
    lines += _table(lines_rows, 4)
    return lines


class _Shape(Exception):
    """The node's answer is not in the shape the books API promises."""


def _get(obj: object, key: str, kind: type | tuple[type, ...]) -> Any:
    if not isinstance(obj, dict) or key not in obj:
        raise _Shape(f"it has no {key!r}")
    value = obj[key]
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
        raise _Shape(f"its {key!r} is not what the API promises")
    return value


def compare(node: Mapping[str, Any], books: Books, slug: str) -> list[str]:
    """Every difference between what the node shows (its books JSON) and ``books``, one sentence each."""
    try:
        return _compare(node, books, slug)
    except _Shape as exc:
        return [f"The node's books answer is not in the published shape: {exc}."]


def _compare(node: Mapping[str, Any], books: Books, slug: str) -> list[str]:
    out: list[str] = []
    if _get(node, "assembly", str) != slug:
        out.append(f"The node answered for the assembly {node['assembly']!r}, not {slug!r}.")
    currency = books.currency
    shown = _get(node, "currency", dict)
    if currency is None:
        return [*out, "The node shows books, but no charter in the ledger opened them."]
    if shown != currency.to_json():
        out.append(f"The node keeps the books in {shown.get('code')!r}; the ledger's charter says {currency.code}.")
        return out
    accounts = {}
    for item in _get(node, "accounts", list):
        accounts[_get(item, "name", str)] = (_get(item, "kind", str), _get(item, "balance", int))
    for name, account in books.accounts.items():
        if name not in accounts:
            out.append(
                f"The node does not show the account {name}; "
                f"the ledger gives it {money(books.balances[name], currency)}."
            )
            continue
        kind, balance = accounts.pop(name)
        if kind != account.kind.value:
            out.append(f"The node shows {name} as a {kind} account; the ledger opened it as {account.kind.value}.")
        if balance != books.balances[name]:
            out.append(
                f"The node shows {name} at {money(balance, currency)}; "
                f"the ledger gives {money(books.balances[name], currency)}."
            )
    for name in accounts:
        out.append(f"The node shows an account {name} that the ledger never opened.")
    count = _get(node, "transactions", int)
    if count != len(books.transactions):
        out.append(f"The node counts {count:,} transactions; the ledger holds {len(books.transactions):,}.")
    out += _compare_budget(node.get("budget"), books, currency)
    return out


def _compare_budget(shown: object, books: Books, currency: Currency) -> list[str]:
    if shown is None:
        return []
    decision = _get(shown, "decision", int)
    adopted: AdoptedBudget | None = next((b for b in reversed(books.budgets) if b.decision == decision), None)
    if adopted is None:
        return [f"The node shows a budget adopted by decision #{decision}; the ledger holds no such budget."]
    budget, out = adopted.budget, []
    for key, value in (("title", adopted.title), ("start", budget.start.isoformat()), ("end", budget.end.isoformat())):
        given = _get(shown, key, str)
        if given != value:
            out.append(f"The node gives the budget of decision #{decision} the {key} {given!r}; the ledger: {value!r}.")
    lines = {}
    for item in _get(shown, "lines", list):
        lines[_get(item, "name", str)] = item
    for line in books.budget_vs_actual(budget):
        name = line.line.name
        item = lines.pop(name, None)
        if item is None:
            out.append(f"The node does not show the budget line {name}.")
            continue
        for key, amount in (("budgeted", line.budgeted), ("spent", line.spent), ("remaining", line.remaining)):
            value = _get(item, key, int)
            if value != amount.minor:
                out.append(
                    f"The node shows {money(value, currency)} {key} on the budget line {name}; "
                    f"the ledger gives {money(amount.minor, currency)}."
                )
        if _get(item, "category", str) != line.line.category.name:
            out.append(
                f"The node books the budget line {name} to {item['category']}; the ledger to {line.line.category.name}."
            )
        if _get(item, "over", bool) != line.over:
            said = "over" if line.over else "within"
            node_said = "over" if item["over"] else "within"
            out.append(f"The node shows the budget line {name} {node_said} budget; the ledger has it {said} budget.")
    for name in lines:
        out.append(f"The node shows a budget line {name} that the adopted budget does not have.")
    return out


#: What a node that publishes no books for the assembly answers instead of them.
ABSENT: dict[str, Any] = {}


def _node_books(target: str, slug: str, timeout: float) -> tuple[dict[str, Any] | None, str | None]:
    """The node's books JSON for ``slug`` (``ABSENT`` when it has none to show), or why it could not be had."""
    base = target.split("/ledgers/", 1)[0]
    try:
        data = json.loads(verify.http_reader(base, timeout)(f"api/assemblies/{slug}/books"))
    except FetchError as exc:
        if exc.missing:
            return ABSENT, None
        return None, f"Could not fetch the node's books from {exc.path}: {exc.reason}."
    except ValueError:
        return None, "The node's books answer is not JSON."
    if not isinstance(data, dict):
        return None, "The node's books answer is not a JSON object."
    return data, None


def _fold(entries: list[bytes]) -> Books:
    # The fold makes millions of small objects and no reference cycles; Python's cycle collector would
    # otherwise rescan every one of them (and every verified entry) again and again: a quarter of the time.
    gc.freeze()
    gc.disable()
    try:
        return fold_entries(entries)
    finally:
        gc.enable()
        gc.unfreeze()


def run(args: argparse.Namespace) -> int:
    remote = args.target.startswith(("http://", "https://"))
    target = args.target.rstrip("/").removesuffix("/checkpoint")
    slug = args.assembly or urlsplit(target).path.rstrip("/").rsplit("/", 1)[-1]
    node = None
    if remote:
        # The node's figures first: they name the ledger size they were computed at, which the
        # checkpoint fetched just after can only have reached or passed.
        node, problem = _node_books(target, slug, args.timeout)
        if problem is not None:
            print(f"✗ {problem}", file=sys.stderr)
            return verify.EXIT_CODES[Failure.FETCH]
    args.forget, args.no_remember, args.quiet = False, False, True
    code, verified = verify.check(args)
    if verified is None:
        return code
    entries = verified.entries
    print(f"✓ The ledger verifies ({len(entries):,} entries).")
    size = len(entries)
    if node is not None and node is not ABSENT:
        shown = node.get("ledger_size")
        if not isinstance(shown, int) or isinstance(shown, bool) or shown < 0:
            print("✗ The node's books answer does not say at which ledger size they were computed.", file=sys.stderr)
            return EXIT_MISMATCH
        if shown > len(entries):
            print(
                f"✗ The node computed its books at {shown:,} entries, but its signed checkpoint covers only "
                f"{len(entries):,}. If it is signing a new checkpoint right now, run again in a moment.",
                file=sys.stderr,
            )
            return EXIT_MISMATCH
        size = shown
    try:
        books = _fold(entries[:size] if size < len(entries) else entries)
    except BooksError as exc:
        print(f"✗ The ledger's books are inconsistent. {exc.message}", file=sys.stderr)
        return EXIT_INCONSISTENT
    for line in report(books, args.day or dt.date.today()):
        print(line)
    if args.beancount is not None:
        try:
            args.beancount.write_text(to_beancount(books, slug), encoding="utf-8")
        except OSError as exc:
            print(f"confederal audit-books: cannot write {args.beancount}: {exc.strerror or exc}.", file=sys.stderr)
            return verify.EXIT_USAGE
        print(f"The books are written for Beancount to {args.beancount}.")
    if node is None:
        return 0
    if node is ABSENT:
        if books.currency is None:
            print("✓ The node shows no books for this assembly, and its ledger holds none.")
            return 0
        print(f"✗ The node shows no books for {slug}, but its ledger holds them.", file=sys.stderr)
        return EXIT_MISMATCH
    differences = compare(node, books, slug)
    if not differences:
        print(f"✓ The node shows the same figures as the ledger's first {size:,} entries.")
        return 0
    for sentence in differences:
        print(f"✗ {sentence}", file=sys.stderr)
    return EXIT_MISMATCH
