"""`confederal audit-books` over a ledger directory and against what a node publishes.

The ledger is written as a node publishes it (tiles and a signed checkpoint, `tests/support/books.py`). The
figures a node would show are computed here with the core's own `balances` and `budget_vs_actual` over the
transactions, not with the fold audit-books uses, and served over loopback HTTP in the node's published shape
(`/ledgers/<slug>/…` and `/api/assemblies/<slug>/books`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import http.server
import json
import re
import threading
from decimal import Decimal
from pathlib import Path

import pytest

from confederal import books
from confederal.cli.main import main
from confederal.ledger import decode_bundle, encode_bundle
from confederal.records import RecordBody
from tests.support.books import DAY0, EUR, entries, publish, sample_books
from tests.support.nodes import CONFEDERAL, run

pytestmark = pytest.mark.nodb
DAY = DAY0 + dt.timedelta(days=30)


def eur(minor: int) -> str:
    return f"{Decimal(minor).scaleb(-2):,.2f} EUR"


def node_books(bodies: list[RecordBody], slug: str = "food-hub") -> dict:
    """What a node shows for these records, computed with the core's own functions."""
    accounts = [b.account for b in bodies if isinstance(b, books.AccountOpened)]
    txns = [b.transaction for b in bodies if isinstance(b, books.TransactionRecorded)]
    sums = books.balances(accounts, txns)
    adopted = [b for b in bodies if isinstance(b, books.BudgetAdopted) and b.budget.covers(DAY)][-1]
    lines = books.budget_vs_actual(adopted.budget, txns)
    return {
        "assembly": slug,
        "ledger_size": len(bodies),
        "currency": EUR.to_json(),
        "accounts": [
            {"name": a.name, "kind": a.kind.value, "balance": sum(x.minor for x in sums[a.name].values())}
            for a in accounts
        ],
        "budget": {
            "decision": adopted.decision,
            "title": adopted.title,
            "start": adopted.budget.start.isoformat(),
            "end": adopted.budget.end.isoformat(),
            "lines": [
                {
                    "name": r.line.name,
                    "category": r.line.category.name,
                    "kind": r.line.category.kind.value,
                    "budgeted": r.budgeted.minor,
                    "spent": r.spent.minor,
                    "remaining": r.remaining.minor,
                    "over": r.over,
                }
                for r in lines
            ],
        },
        "transactions": len(txns),
    }


@pytest.fixture
def ledger(tmp_path):
    bodies = sample_books()
    directory = tmp_path / "ledger"
    key = publish(directory, entries(bodies))
    return bodies, directory, key


@contextlib.contextmanager
def serving(directory: Path, shown: dict | None):
    """A loopback HTTP server publishing ``directory`` as a node's ledger and ``shown`` as its books (None: 404)."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/api/assemblies/food-hub/books" and shown is not None:
                body = json.dumps(shown).encode()
            elif self.path.startswith("/ledgers/food-hub/") and (directory / self.path[18:]).is_file():
                body = (directory / self.path[18:]).read_bytes()
            else:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/ledgers/food-hub"
    finally:
        server.shutdown()
        server.server_close()


def audit(target: str, key: str, state: Path, *extra: str):
    return run([CONFEDERAL, "audit-books", target, "--key", key, "--state-dir", str(state), *extra])


def test_an_honest_ledger_directory_passes_and_shows_every_balance_and_budget_line(ledger, tmp_path):
    bodies, directory, key = ledger
    shown = node_books(bodies)
    result = audit(
        str(directory), key, tmp_path / "state", "--day", DAY.isoformat(), "--beancount", str(tmp_path / "b")
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"The ledger verifies ({len(bodies)} entries)" in result.stdout
    for account in shown["accounts"]:
        assert re.search(
            rf"^  {re.escape(account['name'])} +{account['kind']} +{eur(account['balance'])}$", result.stdout, re.M
        )
    for line in shown["budget"]["lines"]:
        figures = " +".join(re.escape(eur(line[key])) for key in ("budgeted", "spent", "remaining"))
        assert re.search(rf"^  {line['name']} +{line['category']} +{figures}", result.stdout, re.M), result.stdout
    assert len(re.findall(r"^\S+ balance ", (tmp_path / "b").read_text(), re.M)) == len(shown["accounts"])


def _edit_amount(directory: Path, seq: int) -> None:
    """Change one digit of the first amount in entry ``seq`` where the node publishes it (its entry bundle)."""
    # Fewer than 256 entries: one partial bundle holds them all.
    (bundle_path,) = (directory / "tile" / "entries").glob("000.p/*")
    items = decode_bundle(bundle_path.read_bytes())
    raw = items[seq % 256]
    at = raw.index(b'"minor":') + len(b'"minor":')
    digit = raw[at : at + 1]
    items[seq % 256] = raw[:at] + (b"7" if digit != b"7" else b"8") + raw[at + 1 :]
    bundle_path.write_bytes(encode_bundle(items))


def test_an_edited_amount_in_any_transaction_fails_verification_before_any_figure_is_shown(ledger, tmp_path, capsys):
    bodies, directory, key = ledger
    pristine = {p: p.read_bytes() for p in directory.rglob("*") if p.is_file()}
    spots = [seq for seq, b in enumerate(bodies) if isinstance(b, books.TransactionRecorded)]
    assert len(spots) > 30
    for seq in spots:
        _edit_amount(directory, seq)
        code = main(["audit-books", str(directory), "--key", key, "--state-dir", str(tmp_path / f"s{seq}")])
        out = capsys.readouterr()
        assert code == 14, out.out + out.err
        assert f"Entry {seq} has been altered" in out.err
        assert "Balance" not in out.out
        for path, data in pristine.items():
            path.write_bytes(data)


def test_the_node_showing_the_ledgers_figures_passes(ledger, tmp_path):
    bodies, directory, key = ledger
    with serving(directory, node_books(bodies)) as url:
        result = audit(url, key, tmp_path / "state", "--day", DAY.isoformat())
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"The node shows the same figures as the ledger's first {len(bodies)} entries" in result.stdout


def test_the_node_is_held_to_the_ledger_size_it_names(ledger, tmp_path):
    bodies, directory, key = ledger
    earlier = bodies[:-6]
    with serving(directory, node_books(earlier)) as url:
        result = audit(url, key, tmp_path / "state")
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"ledger's first {len(earlier)} entries" in result.stdout
    ahead = {**node_books(bodies), "ledger_size": len(bodies) + 1}
    with serving(directory, ahead) as url:
        result = audit(url, key, tmp_path / "state")
    assert result.returncode == 6, result.stdout + result.stderr
    assert f"its signed checkpoint covers only {len(bodies)}" in result.stderr


def _changed(shown: dict, where: str) -> tuple[dict, str]:
    """``shown`` with one figure edited as a dishonest node would, and the sentence audit-books must say."""
    shown = json.loads(json.dumps(shown))
    if where == "balance":
        account = shown["accounts"][0]
        real = account["balance"]
        account["balance"] = real + 18000
        return shown, f"The node shows {account['name']} at {eur(real + 18000)}; the ledger gives {eur(real)}."
    if where == "spent":
        line = shown["budget"]["lines"][1]
        real = line["spent"]
        line["spent"] = real - 1
        return (
            shown,
            f"The node shows {eur(real - 1)} spent on the budget line {line['name']}; the ledger gives {eur(real)}.",
        )
    if where == "count":
        shown["transactions"] -= 1
        return (
            shown,
            f"The node counts {shown['transactions']} transactions; the ledger holds {shown['transactions'] + 1}.",
        )
    if where == "account":
        gone = shown["accounts"].pop()
        return shown, f"The node does not show the account {gone['name']}"
    shown["budget"]["lines"] = "none"
    return shown, "not in the published shape"


@pytest.mark.parametrize("where", ["balance", "spent", "count", "account", "shape"])
def test_every_figure_the_node_shows_differently_is_reported(ledger, tmp_path, where):
    bodies, directory, key = ledger
    shown, sentence = _changed(node_books(bodies), where)
    with serving(directory, shown) as url:
        result = audit(url, key, tmp_path / "state")
    assert result.returncode == 6, result.stdout + result.stderr
    assert sentence in result.stderr, result.stderr


def test_a_signed_but_rewritten_ledger_verifies_yet_disagrees_with_what_the_node_showed(ledger, tmp_path):
    bodies, _, key = ledger
    shown = node_books(bodies)
    at = next(i for i, b in enumerate(bodies) if isinstance(b, books.TransactionRecorded) and b.number == 3)
    body = bodies[at]
    postings = tuple(
        books.Posting(p.account, books.Amount(p.amount.minor + (100 if p.amount.minor > 0 else -100), EUR))
        for p in body.transaction.postings
    )
    forged = [*bodies]
    forged[at] = books.TransactionRecorded(3, books.Transaction(body.transaction.date, "Rent", postings), "Lucía")
    directory = tmp_path / "forged"
    publish(directory, entries(forged))
    with serving(directory, shown) as url:
        result = audit(url, key, tmp_path / "state")
    assert result.returncode == 6, result.stdout + result.stderr
    assert re.search(r"The node shows Bank at [0-9,.]+ EUR; the ledger gives [0-9,.]+ EUR\.", result.stderr)


def test_books_the_ledger_cannot_hold_are_refused_with_the_entry_named(tmp_path):
    bodies = sample_books()
    at = next(i for i, b in enumerate(bodies) if isinstance(b, books.TransactionRecorded))
    stray = books.Transaction(
        DAY0,
        "To nowhere",
        (books.Posting("Bank", books.Amount(5, EUR)), books.Posting("Nowhere", books.Amount(-5, EUR))),
    )
    broken = [*bodies[: at + 1], books.TransactionRecorded(99, stray, "Lucía"), *bodies[at + 1 :]]
    key = publish(tmp_path / "ledger", entries(broken))
    result = audit(str(tmp_path / "ledger"), key, tmp_path / "state")
    assert result.returncode == 5, result.stdout + result.stderr
    assert f"Entry {at + 1}: transaction 99 posts to 'Nowhere', which was never opened." in result.stderr


def test_a_beancount_file_that_cannot_be_written_is_said_plainly(ledger, tmp_path):
    _, directory, key = ledger
    result = audit(str(directory), key, tmp_path / "state", "--beancount", str(tmp_path / "no" / "such" / "b"))
    assert result.returncode == 2, result.stdout + result.stderr
    assert "cannot write" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_node_showing_no_books_is_held_to_a_ledger_that_has_them(ledger, tmp_path):
    _, directory, key = ledger
    with serving(directory, None) as url:
        result = audit(url, key, tmp_path / "state")
    assert result.returncode == 6, result.stdout + result.stderr
    assert "The node shows no books for food-hub, but its ledger holds them." in result.stderr


def test_a_node_showing_no_books_for_a_ledger_without_them_passes(tmp_path):
    bodies = [b for b in sample_books() if not b.kind.startswith(("books.", "assembly."))]
    key = publish(tmp_path / "ledger", entries(bodies))
    with serving(tmp_path / "ledger", None) as url:
        result = audit(url, key, tmp_path / "state")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No charter has opened books in this ledger." in result.stdout
