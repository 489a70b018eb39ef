"""An assembly that keeps books: the cell, with Nico as treasurer and Ana, Fay and Nico as approvers (two needed)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from confederal import books as core
from confederal.node.books import services
from confederal.node.books.models import BookTransaction, SpendRequest
from confederal.node.decisions.models import Proposal
from confederal.node.decisions.services import do_propose, do_vote
from confederal.node.roles.models import RoleTerm

from .cell import Cell, build_cell

EUR = core.Currency.iso("EUR")
RULES = core.BooksRules(
    currency=EUR,
    threshold=core.Amount(10000, EUR),
    approvals_needed=2,
    approvers=("Ana", "Fay", "Nico"),
)


def build_books_cell(rules: core.BooksRules = RULES) -> Cell:
    cell = build_cell(changes={"books": rules.to_json()})
    now = timezone.now()
    RoleTerm.objects.create(
        assembly=cell.assembly,
        role="treasurer",
        member=cell.members["nico"],
        start=now.date(),
        end=now.date() + timedelta(days=30),
        method="rota",
        created_at=now,
    )
    return cell


def adopt_budget(cell: Cell, now: datetime) -> Proposal:
    draft = services.check_budget_proposal(
        cell.members["ana"],
        title="Spring budget",
        start=now.date() - timedelta(days=1),
        end=now.date() + timedelta(days=90),
        lines=[
            ("Seeds", "Seeds and plants", "expense", "Beans, tomatoes and squash", "300.00"),
            ("Tools", "Tools", "expense", "Two spades and a wheelbarrow", "150"),
            ("Dues", "Members' contributions", "income", "What members give", "400"),
        ],
    )
    proposal = do_propose(draft, now)
    for name in ("ana", "fay", "nico"):
        do_vote(cell.members[name], proposal, "consent", now)
    proposal.refresh_from_db()
    assert proposal.status == "closed", proposal.outcome
    return proposal


def record(cell: Cell, now: datetime, **fields: object) -> BookTransaction:
    values = {
        "day": now.date(),
        "direction": "out",
        "amount": "20.00",
        "description": "Bean seeds",
        "account": "Cash",
        "category": "Seeds and plants",
        "budget_line": "Seeds",
    } | fields
    return services.do_record(services.check_transaction(cell.members["nico"], now=now, **values), now)


def ask_spend(cell: Cell, now: datetime, **fields: object) -> SpendRequest:
    """The treasurer asks for approval of a spend: a 180.00 EUR wheelbarrow from Cash on the Tools line by default."""
    values = {
        "day": now.date(),
        "direction": "out",
        "amount": "180.00",
        "description": "Wheelbarrow",
        "account": "Cash",
        "category": "Tools",
        "category_kind": "expense",
        "budget_line": "Tools",
    } | fields
    return services.do_request_spend(services.check_request_spend(cell.members["nico"], now=now, **values), now)
