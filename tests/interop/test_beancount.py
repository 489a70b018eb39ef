"""Beancount's own checker reads our export of books folded from real ledger entries.

`bean-check` (PyPI beancount 3.2.3, GPL-2.0: a test-only tool, run as its own process and never imported) checks
that every account is opened before use in its unit, every transaction balances, and every closing `balance`
assertion equals what it recomputes from the transactions: an independent oracle for our fold.
"""

from __future__ import annotations

import re
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from confederal.books import fold_entries, to_beancount
from tests.support.books import EUR, HOURS, entries, sample_books
from tests.support.nodes import run

pytestmark = [pytest.mark.interop, pytest.mark.nodb]

BEAN_CHECK = Path(sys.executable).parent / "bean-check"


def bean_check(path: Path):
    assert BEAN_CHECK.exists(), "bean-check is missing: scripts/bootstrap --dev installs beancount (constraints.txt)"
    return run([str(BEAN_CHECK), "--no-cache", str(path)])


def export(tmp_path: Path, currency, count: int) -> tuple[Path, str]:
    folded = fold_entries(entries(sample_books(currency, count=count)))
    assert folded.reversed_by
    assert any(a.kind.value == "in_kind" for a in folded.accounts.values())
    path = tmp_path / f"{currency.code}.beancount"
    text = to_beancount(folded, "Riverside Food Hub")
    path.write_text(text, encoding="utf-8")
    return path, text


@pytest.mark.parametrize(("currency", "count"), [(EUR, 48), (HOURS, 30)], ids=["EUR", "hours"])
def test_bean_check_accepts_the_export_and_catches_one_edited_amount(tmp_path, currency, count):
    path, text = export(tmp_path, currency, count)
    honest = bean_check(path)
    assert honest.returncode == 0, honest.stdout + honest.stderr

    # One posting of one transaction changed, its other leg too, so the transaction still balances: only
    # the closing balance assertions, recomputed by Beancount, can tell.
    match = re.search(r"^  (Expenses:Food)  (\d+\.\d\d) (\w+)\n  (Assets:Petty-Cash)  -\2 \3$", text, re.M)
    assert match is not None, text
    food, amount, unit, cash = match.groups()
    bumped = Decimal(amount) + 1
    edited = text.replace(match.group(0), f"  {food}  {bumped} {unit}\n  {cash}  -{bumped} {unit}", 1)
    assert edited != text
    path.write_text(edited, encoding="utf-8")
    caught = bean_check(path)
    assert caught.returncode != 0
    assert "Balance failed for 'Expenses:Food'" in caught.stdout + caught.stderr
