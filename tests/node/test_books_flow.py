"""Books: a budget adopted by decision, income and spending by the treasurer, approvals, corrections by reversal.

Everything goes through the services, and every check compares the tables with what the ledger alone says.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from confederal import books as core
from confederal.ledger import decode_entry
from confederal.node.books import services
from confederal.node.books.models import BookAccount, BookTransaction, BudgetLineTotal, SpendRequest
from confederal.node.decisions.services import do_propose, do_vote
from confederal.node.errors import Refused
from confederal.node.ledgers.models import LedgerEntry

from .books_cell import EUR, adopt_budget, ask_spend, build_books_cell, record
from .cell import build_cell


@pytest.fixture
def cell(db):
    return build_books_cell()


def entries(assembly):
    rows = LedgerEntry.objects.filter(ledger=assembly.ledger).order_by("seq")
    return [decode_entry(bytes(row.body)) for row in rows]


def ledger_balances(assembly):
    """Balances from the ledger alone, through the core: what an outside auditor computes."""
    accounts, txns = [], []
    for entry in entries(assembly):
        if entry.kind == "books.account":
            accounts.append(core.AccountOpened.from_json(entry.body).account)
        elif entry.kind == "books.transaction":
            txns.append(core.TransactionRecorded.from_json(entry.body).transaction)
    return {name: sum(a.minor for a in per.values()) for name, per in core.balances(accounts, txns).items()}


def table_balances(assembly):
    return dict(BookAccount.objects.filter(assembly=assembly).values_list("name", "balance"))


def test_a_budget_is_a_decision_and_spending_on_it_moves_balances_and_its_line(cell):
    now = timezone.now()
    adopt_budget(cell, now)
    kinds = [e.kind for e in entries(cell.assembly)]
    assert "books.budget" in kinds
    assert kinds.count("books.account") == 3
    record(
        cell,
        now,
        direction="in",
        amount="50",
        account="Cash",
        category="Members' contributions",
        budget_line="Dues",
        description="Dues for April",
        contributor=cell.members["ana"],
    )
    record(cell, now)
    record(cell, now, amount="12.50", description="Tomato seedlings")
    balances = table_balances(cell.assembly)
    assert balances["Cash"] == 5000 - 2000 - 1250
    assert balances["Seeds and plants"] == 3250
    assert balances == ledger_balances(cell.assembly)
    totals = dict(BudgetLineTotal.objects.values_list("line", "actual"))
    assert totals == {"Seeds": 3250, "Tools": 0, "Dues": 5000}


def test_who_paid_a_contribution_stays_off_the_ledger_unless_the_charter_says_so(cell):
    now = timezone.now()
    record(
        cell,
        now,
        direction="in",
        amount="30",
        category="Members' contributions",
        budget_line="",
        description="Dues",
        contributor=cell.members["ana"],
    )
    bodies = [e.body for e in entries(cell.assembly) if e.kind == "books.transaction"]
    assert "contributor" not in bodies[-1]
    assert "Ana" not in str(bodies[-1])
    assert BookTransaction.objects.get().contribution.member == cell.members["ana"]


def test_spending_outside_the_budget_or_above_the_threshold_needs_approval_first_and_changes_nothing(cell):
    now = timezone.now()
    adopt_budget(cell, now)
    size = len(entries(cell.assembly))
    for fields, why in (
        ({"budget_line": ""}, "not on a line"),
        ({"amount": "120.00"}, "above the charter"),
        ({"amount": "99", "budget_line": "Tools", "category": "Tools"}, None),
    ):
        if why is None:
            record(cell, now, **fields)
            size += 2  # the transaction, and the Cash account it opened
            continue
        with pytest.raises(Refused) as err:
            record(cell, now, **fields)
        assert err.value.code == "needs_approval"
        assert why in err.value.message
    with pytest.raises(Refused) as err:
        record(cell, now, amount="60", budget_line="Tools", category="Tools")  # 99 + 60 > 150
    assert "overspend" in err.value.message
    assert len(entries(cell.assembly)) == size
    assert BookTransaction.objects.count() == 1


def test_an_approval_quorum_never_counts_the_spender_and_an_approved_spend_is_paid_as_approved(cell):
    now = timezone.now()
    adopt_budget(cell, now)
    request = ask_spend(cell, now)
    assert request.status == "waiting"
    assert set(request.reasons) == {"above_threshold", "over_budget"}
    with pytest.raises(Refused) as err:
        services.do_approve(cell.members["nico"], request, now)
    assert err.value.code == "own_spend"
    services.do_approve(cell.members["ana"], request, now)
    with pytest.raises(Refused) as err:
        services.do_approve(cell.members["ana"], request, now)
    assert err.value.code == "already_approved"
    with pytest.raises(Refused):
        services.do_record(services.check_pay(cell.members["nico"], request, now.date(), now), now)
    request = services.do_approve(cell.members["fay"], request, now)
    assert request.status == SpendRequest.Status.APPROVED
    paid = services.do_record(services.check_pay(cell.members["nico"], request, now.date(), now), now)
    assert paid.amount == 18000
    assert paid.approval == request
    request.refresh_from_db()
    assert request.status == SpendRequest.Status.PAID
    with pytest.raises(Refused):
        services.check_pay(cell.members["nico"], request, now.date(), now)
    kinds = [e.kind for e in entries(cell.assembly)]
    assert kinds.count("books.approval") == 2
    assert "books.spend" in kinds


def test_a_correction_is_a_reversal_with_its_reason_and_restores_every_balance(cell):
    now = timezone.now()
    adopt_budget(cell, now)
    before = table_balances(cell.assembly)
    wrong = record(cell, now, amount="45.00")
    services.do_record(services.check_reverse(cell.members["nico"], wrong, "Typed 45 for 4.50", now), now)
    after = table_balances(cell.assembly)
    assert all(value == 0 for value in after.values())
    assert set(after) == set(before) | {"Cash"}
    assert after == ledger_balances(cell.assembly)
    assert BudgetLineTotal.objects.get(line="Seeds").actual == 0
    for attempt in (wrong, BookTransaction.objects.get(reverses=wrong)):
        with pytest.raises(Refused):
            services.check_reverse(cell.members["nico"], attempt, "again", now)


@pytest.mark.parametrize("amount", ["4.505", "-5", "0", "abc", "1e3", "12,50.0", "99999999999999999999", "NaN", ""])
def test_bad_amounts_are_refused_with_a_sentence_and_change_nothing(cell, amount):
    now = timezone.now()
    with pytest.raises(Refused) as err:
        record(cell, now, amount=amount, budget_line="")
    assert err.value.message.endswith(".")
    assert "{" not in err.value.message
    assert not BookTransaction.objects.exists()
    assert not [e for e in entries(cell.assembly) if e.kind.startswith("books")]


def gift_refused(member, now):
    """The code of the refusal ``member`` gets for recording a 5 euro gift into Cash."""
    with pytest.raises(Refused) as err:
        services.check_transaction(
            member,
            now=now,
            day=now.date(),
            direction="in",
            amount="5",
            description="Gift",
            account="Cash",
            category="Donations",
        )
    return err.value.code


def test_only_the_keepers_record_money(cell):
    now = timezone.now()
    assert gift_refused(cell.members["ana"], now) == "role_only"


def test_an_assembly_without_books_is_told_how_to_open_them(db):
    cell = build_cell()
    now = timezone.now()
    assert gift_refused(cell.members["ana"], now) == "no_books"
    draft = services.check_open_books(cell.members["ana"], currency="eur", threshold="50", now=now)
    proposal = do_propose(draft, now)
    for name in ("ana", "fay", "nico"):
        do_vote(cell.members[name], proposal, "consent", now)
    cell.assembly.refresh_from_db()
    assert services.books_rules(cell.assembly).threshold == core.Amount(5000, EUR)


def test_a_spend_in_the_future_is_refused(cell):
    now = timezone.now()
    with pytest.raises(Refused) as err:
        record(cell, now, day=now.date() + timedelta(days=5), budget_line="")
    assert err.value.code == "in_the_future"
