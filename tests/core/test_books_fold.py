"""Folding a ledger's records into books: the same figures as the core's own functions, and inconsistent books refused.

The oracle for every figure is the core's `balances` and `budget_vs_actual` over the transactions themselves;
the fold keeps running sums instead, so the two are computed differently and must agree.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from confederal import books
from confederal.books import BooksError, SpendState, fold_books, fold_entries, to_beancount
from confederal.records import RecordBody
from tests.support.books import DAY0, EUR, HOURS, charter, entries, sample_books

pytestmark = pytest.mark.nodb


def _parts(bodies: list[RecordBody]) -> tuple[list[books.Account], list[books.Transaction]]:
    accounts = [b.account for b in bodies if isinstance(b, books.AccountOpened)]
    txns = [b.transaction for b in bodies if isinstance(b, books.TransactionRecorded)]
    return accounts, txns


def _figures(folded: books.Books, day: dt.date) -> tuple[dict[str, int], tuple[books.LineReport, ...]]:
    adopted = folded.budget_on(day)
    return dict(folded.balances), folded.budget_vs_actual(adopted.budget) if adopted else ()


@pytest.mark.parametrize("currency", [EUR, HOURS], ids=["EUR", "hours"])
def test_the_fold_gives_the_cores_balances_and_budget_vs_actual(currency):
    bodies = sample_books(currency)
    accounts, txns = _parts(bodies)
    folded = fold_entries(entries(bodies))
    expected = books.balances(accounts, txns)
    assert dict(folded.balances) == {
        name: sum(amount.minor for amount in per.values()) for name, per in expected.items()
    }
    assert sum(folded.balances.values()) == 0
    budget = next(b.budget for b in bodies if isinstance(b, books.BudgetAdopted))
    assert folded.budget_vs_actual(budget) == books.budget_vs_actual(budget, txns)
    assert len(folded.transactions) == len(txns)


def test_records_and_entries_fold_to_the_same_books():
    bodies = sample_books()
    by_records = fold_books(enumerate(bodies))
    by_entries = fold_entries(entries(bodies))
    assert _figures(by_records, DAY0) == _figures(by_entries, DAY0)
    assert by_records.transactions == by_entries.transactions
    assert by_records.spends == by_entries.spends
    assert by_records.size == by_entries.size == len(bodies)


def test_a_reversal_restores_the_balances_and_is_known_by_number():
    bodies = sample_books()
    folded = fold_entries(entries(bodies))
    assert len(folded.reversed_by) == 1
    ((original, reversal),) = folded.reversed_by.items()
    without = [b for b in bodies if not (isinstance(b, books.TransactionRecorded) and b.number in (original, reversal))]
    assert dict(fold_books(enumerate(without)).balances) == dict(folded.balances)
    assert folded.transactions[reversal].transaction.reason == "Entered twice by mistake"


def test_spend_requests_say_what_became_of_them():
    bodies = sample_books()
    folded = fold_entries(entries(bodies))
    assert folded.spends[1].state is SpendState.PAID
    assert folded.spends[1].approvers == ("Amara", "Jonas")
    assert folded.spends[2].state is SpendState.DECLINED
    oven = folded.spends[1].transaction
    asked = [*bodies[:12], books.SpendRequested(3, oven, "Lucía", (books.Approval.ABOVE_THRESHOLD,))]
    assert fold_books(enumerate(asked)).spends[3].state is SpendState.WAITING
    one = fold_books(enumerate([*asked, books.SpendApproved(3, approver="Amara")]))
    assert one.spends[3].state is SpendState.WAITING  # the charter asks for two approvers
    by_decision = fold_books(enumerate([*asked, books.SpendApproved(3, decision=9)]))
    assert by_decision.spends[3].state is SpendState.APPROVED


def test_the_budget_in_force_is_the_latest_adopted_covering_the_day():
    bodies = sample_books()
    first = next(b for b in bodies if isinstance(b, books.BudgetAdopted))
    later = books.Budget(DAY0 + dt.timedelta(days=30), DAY0 + dt.timedelta(days=60), first.budget.lines[:1])
    folded = fold_books(enumerate([*bodies, books.BudgetAdopted(7, "Amended", later)]))
    assert folded.budget_on(DAY0).decision == 1
    assert folded.budget_on(DAY0 + dt.timedelta(days=45)).decision == 7
    assert folded.budget_on(DAY0 + dt.timedelta(days=90)).decision == 1
    assert folded.budget_on(DAY0 - dt.timedelta(days=1)) is None


# --- inconsistent books are refused, naming the entry ---------------------------------------------------------


def _txn(number, postings, **kw):
    txn = books.Transaction(DAY0, "Something", tuple(books.Posting(a, books.Amount(m, EUR)) for a, m in postings), **kw)
    return books.TransactionRecorded(number, txn, "Lucía")


def _opened(*names):
    kinds = {"Bank": books.AccountKind.BANK, "Food": books.AccountKind.EXPENSE}
    return [books.AccountOpened(books.Account(name, kinds[name])) for name in names]


def _refused(bodies, code, *phrases):
    with pytest.raises(BooksError) as caught:
        fold_books(enumerate(bodies))
    assert caught.value.code == code, caught.value.message
    for phrase in phrases:
        assert phrase in caught.value.message
    with pytest.raises(BooksError) as again:
        fold_entries(entries(bodies))
    assert again.value.message == caught.value.message


def test_a_posting_to_an_account_never_opened_is_refused():
    bodies = [charter(EUR), *_opened("Bank"), _txn(1, [("Food", 500), ("Bank", -500)])]
    _refused(bodies, "unknown_account", "Entry 2:", "'Food', which was never opened")


def test_a_transaction_number_used_twice_is_refused():
    pay = _txn(1, [("Food", 500), ("Bank", -500)])
    _refused([charter(EUR), *_opened("Bank", "Food"), pay, pay], "duplicate_number", "Entry 4:", "entry 3")


def test_reversals_of_unknown_or_reversed_transactions_or_inexact_ones_are_refused():
    head = [charter(EUR), *_opened("Bank", "Food"), _txn(1, [("Food", 500), ("Bank", -500)])]
    undo = _txn(2, [("Food", -500), ("Bank", 500)], reverses="1", reason="A mistake")
    _refused(
        [*head, replace(undo, transaction=replace(undo.transaction, reverses="9"))], "unknown_reversal", "Entry 4:"
    )
    _refused([*head, replace(undo, transaction=replace(undo.transaction, reverses="one"))], "unknown_reversal")
    _refused([*head, undo, replace(undo, number=3)], "reversed_twice", "Entry 5:", "already reversed by transaction 2")
    inexact = _txn(2, [("Food", -400), ("Bank", 400)], reverses="1", reason="A mistake")
    _refused([*head, inexact], "not_negation", "Entry 4:")
    again = _txn(3, [("Food", 500), ("Bank", -500)], reverses="2", reason="Undo the undo")
    _refused([*head, undo, again], "reverse_reversal", "Entry 5:")


def test_a_second_charter_in_another_currency_is_refused():
    _refused([charter(EUR), *_opened("Bank"), charter(HOURS)], "currency_changed", "Entry 2:", "EUR")


def test_an_amount_in_another_currency_than_the_charters_is_refused():
    bodies = [charter(HOURS), *_opened("Bank", "Food"), _txn(1, [("Food", 500), ("Bank", -500)])]
    _refused(bodies, "currency_mismatch", "Entry 3:", "in EUR", "in hours")


def test_a_transaction_before_any_charter_opened_the_books_is_refused():
    _refused([*_opened("Bank", "Food"), _txn(1, [("Food", 5), ("Bank", -5)])], "no_books", "Entry 2:")


def test_paying_a_declined_spend_or_approving_ones_own_is_refused():
    head = [charter(EUR), *_opened("Bank", "Food")]
    spend = books.SpendRequested(1, _txn(1, [("Food", 500), ("Bank", -500)]).transaction, "Lucía", ())
    paid = replace(_txn(1, [("Food", 500), ("Bank", -500)]), approval=1)
    _refused([*head, spend, books.SpendDeclined(1, "Jonas", "No."), paid], "spend_closed", "Entry 5:", "declined")
    _refused([*head, spend, books.SpendApproved(1, approver="Lucía")], "own_spend", "Entry 4:")
    _refused([*head, paid], "unknown_spend", "Entry 3:")


def test_a_malformed_books_entry_is_refused_naming_it():
    good = entries(sample_books())
    bad = good[14].replace(b'"recorded_by":"Luc', b'"recorded_by":1,"x":"Luc')
    with pytest.raises(BooksError, match=r"^Entry 14: its books.transaction record is malformed"):
        fold_entries([*good[:14], bad])


# --- the audit property: any single edited amount shows -----------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_changing_any_posting_amount_changes_a_balance_or_budget_line(data):
    bodies = sample_books()
    honest = fold_books(enumerate(bodies))
    spots = [i for i, b in enumerate(bodies) if isinstance(b, books.TransactionRecorded) and not b.transaction.reverses]
    at = data.draw(st.sampled_from(spots), label="entry")
    body = bodies[at]
    postings = body.transaction.postings
    i, j = data.draw(st.permutations(range(len(postings))), label="postings")[:2]
    shift = data.draw(st.integers(-(10**6), 10**6).filter(bool), label="shift")
    a, b = postings[i].amount.minor + shift, postings[j].amount.minor - shift
    if a == 0 or b == 0:
        return  # a zero posting is refused by the core itself
    changed = list(postings)
    changed[i] = replace(postings[i], amount=books.Amount(a, postings[i].amount.currency))
    changed[j] = replace(postings[j], amount=books.Amount(b, postings[j].amount.currency))
    edited = [*bodies]
    edited[at] = replace(body, transaction=replace(body.transaction, postings=tuple(changed)))
    try:
        tampered = fold_books(enumerate(edited))
    except BooksError:
        return  # the edit broke a reversal's exact negation: refused, which shows it too
    assert _figures(tampered, body.transaction.date) != _figures(honest, body.transaction.date)


# --- the Beancount export -----------------------------------------------------------------------------------

_ACCOUNT = re.compile(r"(Assets|Liabilities|Equity|Income|Expenses)(:[A-Z0-9][A-Za-z0-9-]*)+")


def test_the_export_names_every_account_uniquely_in_beancounts_form():
    bodies = [charter(EUR)] + [
        books.AccountOpened(books.Account(name, books.AccountKind.BANK))
        for name in ("Bank", "bank", "Caja de ahorros", "Crédit coopératif", "日本", "  x".strip(), "1st account")
    ]
    text = to_beancount(fold_books(enumerate(bodies)), "Test")
    opened = re.findall(r"^\S+ open (\S+) EUR$", text, re.M)
    assert len(opened) == len(set(opened)) == 7
    assert all(_ACCOUNT.fullmatch(name) for name in opened), opened
    assert "Assets:Credit-Cooperatif" in opened


def test_the_export_holds_every_transaction_with_its_entry_and_a_closing_balance_per_account():
    bodies = sample_books(HOURS)
    folded = fold_entries(entries(bodies))
    text = to_beancount(folded, "Riverside")
    assert "commodity HOURS" in text
    assert text.count(" * ") == len(folded.transactions)
    seqs = [int(s) for s in re.findall(r"^  ledger_seq: (\d+)$", text, re.M)]
    assert seqs == [booked.seq for booked in folded.transactions.values()]
    assert len(re.findall(r"^\S+ balance ", text, re.M)) == len(folded.accounts)
    ((original, _),) = folded.reversed_by.items()
    assert f'reverses: "{original}"' in text


def test_a_local_units_commodity_is_upper_case_and_long_enough():
    assert books.commodity(books.Currency.local("seed packets", 0)) == "SEED-PACKETS"
    assert books.commodity(books.Currency.local("h", 0)) == "H-UNIT"
    assert books.commodity(EUR) == "EUR"
