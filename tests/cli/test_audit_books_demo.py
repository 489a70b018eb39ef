"""`confederal audit-books` against a real node: the demo food hub's books, as its services wrote them.

The node's ledger is verified and folded, every balance the fold gives is the sum of the ledger's own postings
(read here straight from the verified entries), and Beancount's `bean-check`, run as its own process, accepts the
export, and the figures the node publishes at `/api/assemblies/<slug>/books` match the ledger's.
"""

from __future__ import annotations

import json
import sys
import urllib.request
from decimal import Decimal
from pathlib import Path

from tests.support.nodes import CONFEDERAL, run

BEAN_CHECK = Path(sys.executable).parent / "bean-check"


def _postings(node) -> dict[str, int]:
    """Every posting of every books.transaction entry the node's API lists, summed per account."""
    sums: dict[str, int] = {}
    before = ""
    while True:
        with urllib.request.urlopen(f"{node.url}/api/ledgers/food-hub/entries?limit=500{before}") as response:
            items = json.load(response)
        for entry in items:
            if entry["kind"] == "books.transaction":
                for posting in entry["body"]["transaction"]["postings"]:
                    sums[posting["account"]] = sums.get(posting["account"], 0) + posting["amount"]["minor"]
        if not items or min(e["seq"] for e in items) == 0:
            return sums
        before = f"&before={min(e['seq'] for e in items)}"


def test_the_demo_books_fold_match_their_postings_and_pass_bean_check(honest_node, state, tmp_path):
    node = honest_node
    export = tmp_path / "food-hub.beancount"
    result = run([CONFEDERAL, "audit-books", node.ledger_url, "--state-dir", str(state), "--beancount", str(export)])
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "The node shows the same figures" in result.stdout, output
    sums = _postings(node)
    assert sums, "the demo food hub records no transactions"
    for account, minor in sums.items():
        shown = f"{Decimal(minor).scaleb(-2):,.2f} EUR"
        assert any(account in line and line.endswith(f"  {shown}") for line in result.stdout.splitlines()), (
            account,
            shown,
            output,
        )
    checked = run([str(BEAN_CHECK), "--no-cache", str(export)])
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_an_amount_edited_in_the_node_database_is_caught_against_the_ledger(node, state):
    """An operator changes what the books page shows (a balance, a budget line) without touching the ledger."""
    node.db.execute("UPDATE books_bookaccount SET balance = balance + 100 WHERE name = %s", ("Rent",))
    result = run([CONFEDERAL, "audit-books", node.ledger_url, "--state-dir", str(state)])
    assert result.returncode == 6, result.stdout + result.stderr
    assert "Rent" in result.stderr
    node.db.execute("UPDATE books_bookaccount SET balance = balance - 100 WHERE name = %s", ("Rent",))
    node.db.execute("UPDATE books_budgetlinetotal SET actual = actual + 1 WHERE line = %s", ("Supplies",))
    result = run([CONFEDERAL, "audit-books", node.ledger_url, "--state-dir", str(state)])
    assert result.returncode == 6, result.stdout + result.stderr
    assert "Supplies" in result.stderr
