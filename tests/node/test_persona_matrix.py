"""Every action, for every persona, through the pages and through the API.

An allowed action is carried out; a refused one leaves everything as it was
and says why. The table is the same one :mod:`confederal.permissions` holds,
checked here from the outside.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client

from confederal import books
from confederal.node.accounts.services import do_create_token
from confederal.node.assemblies.models import Invitation, JoinRequest
from confederal.node.books import services as book_services
from confederal.node.books.models import BookTransaction, Receipt, SpendRequest
from confederal.node.books.services import books_rules
from confederal.node.decisions.models import Ballot, Proposal
from confederal.node.ledgers.models import Ledger
from confederal.node.meetings.models import Attendance, Meeting
from confederal.node.roles.models import Lottery, RoleTerm
from confederal.node.web import now

from . import books_cell
from .cell import Cell, build_cell

# Pages schedule against the real clock, so the meeting goes a month from today.
SOON = date.today() + timedelta(days=30)
BASE = "/assemblies/oak-street"
MEMBERS = {"ana", "fay", "nico"}
NOTES = {"fay", "nico"}
PERSONAS = ["visitor", "otto", "ana", "fay", "nico"]


@dataclass(frozen=True)
class Case:
    page: Callable[[Cell], tuple[str, dict[str, Any]]]
    api: Callable[[Cell], tuple[str, str, dict[str, Any]]]
    done: Callable[[Cell, str], bool]
    allowed: frozenset[str]


def _member(cell: Cell, who: str) -> Any:
    return cell.members.get(who)


CASES: dict[str, Case] = {
    "propose": Case(
        lambda c: (f"{BASE}/proposals/new", {"title": "Build a shed", "method": "consent"}),
        lambda c: ("post", "/api/assemblies/oak-street/proposals", {"title": "Build a shed"}),
        lambda c, who: Proposal.objects.filter(title="Build a shed").exists(),
        frozenset(MEMBERS),
    ),
    "vote": Case(
        lambda c: (f"{BASE}/proposals/1/vote", {"choice": "consent"}),
        lambda c: ("post", "/api/assemblies/oak-street/proposals/1/ballot", {"choice": "consent"}),
        lambda c, who: Ballot.objects.filter(member__user__username=who).exists(),
        frozenset(MEMBERS),
    ),
    "invite": Case(
        lambda c: (f"{BASE}/invite", {}),
        lambda c: ("post", "/api/assemblies/oak-street/invitations", {}),
        lambda c, who: Invitation.objects.filter(created_by__user__username=who).exists(),
        frozenset(MEMBERS),
    ),
    "decide a join request": Case(
        lambda c: (f"{BASE}/requests/{c.request.pk}", {"decision": "decline"}),
        lambda c: ("post", f"/api/assemblies/oak-street/join-requests/{c.request.pk}", {"approve": False}),
        lambda c, who: JoinRequest.objects.get(pk=c.request.pk).status == JoinRequest.Status.DECLINED,
        frozenset(MEMBERS),
    ),
    "schedule a meeting": Case(
        lambda c: (
            f"{BASE}/meetings/new",
            {"title": "Harvest", "date": SOON.isoformat(), "time": "18:00", "minutes": "60"},
        ),
        lambda c: (
            "post",
            "/api/assemblies/oak-street/meetings",
            {"title": "Harvest", "starts_at": f"{SOON.isoformat()}T18:00:00Z"},
        ),
        lambda c, who: Meeting.objects.filter(title="Harvest").exists(),
        frozenset(MEMBERS),
    ),
    "check in at a meeting": Case(
        lambda c: (f"{BASE}/meetings/1/attend", {"present": "1"}),
        lambda c: ("post", "/api/assemblies/oak-street/meetings/1/attendance", {"present": True}),
        lambda c, who: Attendance.objects.filter(member__user__username=who).exists(),
        frozenset(MEMBERS),
    ),
    "keep notes": Case(
        lambda c: (f"{BASE}/meetings/1/notes", {"notes": "We planted."}),
        lambda c: ("put", "/api/assemblies/oak-street/meetings/1/notes", {"notes": "We planted."}),
        lambda c, who: Meeting.objects.get(pk=c.meeting.pk).notes == "We planted.",
        frozenset(NOTES),
    ),
    "publish minutes": Case(
        lambda c: (f"{BASE}/meetings/1/publish", {}),
        lambda c: ("post", "/api/assemblies/oak-street/meetings/1/minutes", {}),
        lambda c, who: Meeting.objects.get(pk=c.meeting.pk).status == Meeting.Status.PUBLISHED,
        frozenset(NOTES),
    ),
    "announce a fair draw for a role": Case(
        lambda c: (f"{BASE}/roles/treasurer/rotate", {}),
        lambda c: ("post", "/api/assemblies/oak-street/roles/treasurer/lottery", {}),
        lambda c, who: Lottery.objects.filter(role="treasurer").exists(),
        frozenset(MEMBERS),
    ),
    "share out chores": Case(
        lambda c: (f"{BASE}/chores/rotate", {}),
        lambda c: ("post", "/api/assemblies/oak-street/chores/rotation", {}),
        lambda c, who: RoleTerm.objects.filter(kind=RoleTerm.Kind.CHORE).exists(),
        frozenset(MEMBERS),
    ),
    "ask to join": Case(
        lambda c: (f"{BASE}/join", {"public_name": "Newcomer"}),
        lambda c: ("post", "/api/assemblies/oak-street/join-requests", {"public_name": "Newcomer"}),
        lambda c, who: JoinRequest.objects.filter(public_name="Newcomer").exists(),
        frozenset({"otto"}),
    ),
    "leave": Case(
        lambda c: (f"{BASE}/leave", {}),
        lambda c: ("post", "/api/assemblies/oak-street/leave", {}),
        lambda c, who: c.assembly.members.filter(user__username=who, left_at__isnull=False).exists(),
        frozenset(MEMBERS),
    ),
}


@pytest.fixture
def cell(db) -> Cell:
    return build_cell()


def _page_client(cell: Cell, who: str) -> Client:
    client = Client()
    if who != "visitor":
        client.force_login(cell.users[who])
    return client


@pytest.mark.parametrize("who", PERSONAS)
@pytest.mark.parametrize("action", list(CASES))
def test_pages_allow_exactly_the_personas_the_table_allows(cell, who, action):
    case = CASES[action]
    url, data = case.page(cell)
    response = _page_client(cell, who).post(url, data, follow=True)
    assert case.done(cell, who) is (who in case.allowed), response.content[:2000]
    assert response.status_code < 500
    if who not in case.allowed:
        text = response.content.decode()
        assert any(word in text for word in ("Sign in", "Only members", "Only the assembly", "already a member")), text[
            :3000
        ]


@pytest.mark.parametrize("who", PERSONAS)
@pytest.mark.parametrize("action", list(CASES))
def test_the_api_allows_exactly_the_personas_the_table_allows(cell, who, action):
    case = CASES[action]
    method, url, body = case.api(cell)
    headers = {}
    if who != "visitor":
        headers["Authorization"] = "Bearer " + do_create_token(cell.users[who], "test", now())
    client = Client()
    response = getattr(client, method)(url, body, content_type="application/json", headers=headers)
    allowed = who in case.allowed
    assert case.done(cell, who) is allowed, response.content
    if allowed:
        assert response.status_code in (200, 201), response.content
    else:
        assert response.status_code in (401, 403, 409), response.content
        assert response.json()["detail"]


def test_a_session_write_through_the_api_needs_the_csrf_token(cell):
    client = Client(enforce_csrf_checks=True)
    client.force_login(cell.users["ana"])
    response = client.post(
        "/api/assemblies/oak-street/proposals", {"title": "Build a shed"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert not Proposal.objects.filter(title="Build a shed").exists()


def test_a_revoked_or_made_up_token_is_refused(cell):
    client = Client()
    response = client.post(
        "/api/assemblies/oak-street/proposals",
        {"title": "Build a shed"},
        content_type="application/json",
        headers={"Authorization": "Bearer cf_made_up"},
    )
    assert response.status_code == 401
    assert not Proposal.objects.filter(title="Build a shed").exists()


# -- the books: who may act follows from the charter's books rule, read back from the assembly ---------------------

# A plain member (Ana), the treasurer who keeps the books and asks for the spends (Nico; an approver, but never of his
# own spending), an approver who holds a role that keeps none (Fay),
# a signed-in stranger (Otto) and a visitor. Receipts are for members only.
BOOKS_RULES = replace(
    books_cell.RULES,
    threshold=books.Amount(10_000, books_cell.EUR),
    approvals_needed=1,
    approvers=("Fay", "Nico"),
    receipts=books.Visibility.MEMBERS,
)
BOOKS = f"{BASE}/books"
BOOKS_API = "/api/assemblies/oak-street/books"
RECEIPT = b"Hardware shop\nRope 12.00 EUR\nPaid"


@dataclass(frozen=True)
class BooksCell:
    cell: Cell
    receipt: str
    asked_by: str


@dataclass(frozen=True)
class BooksCase:
    page: Callable[[BooksCell], tuple[str, dict[str, Any]]]
    api: Callable[[BooksCell], tuple[str, dict[str, Any]]] | None
    done: Callable[[BooksCell], bool]
    allowed: Callable[[BooksCell], set[str]]


def _rules(c: BooksCell) -> books.BooksRules:
    return books_rules(c.cell.assembly)


def _members(c: BooksCell) -> set[str]:
    return {who for who, m in c.cell.members.items() if m.left_at is None}


def keepers(c: BooksCell) -> set[str]:
    """Members holding, today, a role the charter's books rule names as keeping the books."""
    today = date.today()
    holding = RoleTerm.objects.filter(
        assembly=c.cell.assembly, role__in=_rules(c).keepers, start__lte=today, end__gte=today
    )
    return {who for who in _members(c) if holding.filter(member=c.cell.members[who]).exists()}


def approvers(c: BooksCell) -> set[str]:
    """Members the charter names as approvers, less whoever asked for the spend (nobody approves their own)."""
    return {who for who in _members(c) if c.cell.members[who].public_name in _rules(c).approvers} - {c.asked_by}


def receipt_readers(c: BooksCell) -> set[str]:
    everyone = set(PERSONAS)
    return _members(c) if _rules(c).receipts is books.Visibility.MEMBERS else everyone


def _spend(c: BooksCell, number: int) -> SpendRequest:
    return SpendRequest.objects.get(assembly=c.cell.assembly, number=number)


def _money(description: str, direction: str, amount: str, category: str) -> dict[str, Any]:
    return {
        "day": date.today().isoformat(),
        "direction": direction,
        "amount": amount,
        "description": description,
        "account": "Cash",
        "category": category,
        "category_kind": "income" if direction == "in" else "expense",
    }


BUDGET_LINE = {"name": "Rope", "category": "Tools", "kind": "expense", "purpose": "Rope for the shed", "amount": "40"}
BUDGET = {"title": "Autumn budget", "start": date.today().isoformat(), "end": SOON.isoformat()}

BOOKS_CASES: dict[str, BooksCase] = {
    "record a transaction": BooksCase(
        lambda c: (f"{BOOKS}/record", _money("Gift from the fair", "in", "12.00", "Donations")),
        lambda c: ("/transactions", _money("Gift from the fair", "in", "12.00", "Donations")),
        lambda c: BookTransaction.objects.filter(description="Gift from the fair").exists(),
        keepers,
    ),
    "ask for approval": BooksCase(
        lambda c: (f"{BOOKS}/ask", _money("A ladder", "out", "150.00", "Tools")),
        lambda c: ("/spends", _money("A ladder", "out", "150.00", "Tools")),
        lambda c: SpendRequest.objects.filter(description="A ladder").exists(),
        keepers,
    ),
    "approve a spend": BooksCase(
        lambda c: (f"{BOOKS}/spends/1/approve", {}),
        lambda c: ("/spends/1/approve", {}),
        lambda c: _spend(c, 1).status == SpendRequest.Status.APPROVED,
        approvers,
    ),
    "decline a spend": BooksCase(
        lambda c: (f"{BOOKS}/spends/1/decline", {"reason": "Not this month"}),
        lambda c: ("/spends/1/decline", {"reason": "Not this month"}),
        lambda c: _spend(c, 1).status == SpendRequest.Status.DECLINED,
        lambda c: approvers(c) | {c.asked_by},
    ),
    "pay an approved spend": BooksCase(
        lambda c: (f"{BOOKS}/spends/2/pay", {"day": date.today().isoformat()}),
        lambda c: ("/spends/2/pay", {"day": date.today().isoformat()}),
        lambda c: _spend(c, 2).status == SpendRequest.Status.PAID,
        keepers,
    ),
    "reverse a transaction": BooksCase(
        lambda c: (f"{BOOKS}/1/reverse", {"reason": "Recorded twice"}),
        lambda c: ("/transactions/1/reverse", {"reason": "Recorded twice"}),
        lambda c: BookTransaction.objects.filter(assembly=c.cell.assembly, reverses__number=1).exists(),
        keepers,
    ),
    "propose a budget": BooksCase(
        lambda c: (f"{BOOKS}/budget", BUDGET | {f"{k}_0": v for k, v in BUDGET_LINE.items()}),
        lambda c: ("/budgets", BUDGET | {"lines": [BUDGET_LINE]}),
        lambda c: Proposal.objects.filter(title="Autumn budget").exists(),
        lambda c: _members(c),
    ),
    # A GET: "done" is that the file came back; a receipt has no API twin (the JSON gives its digest).
    "open a receipt": BooksCase(
        lambda c: (f"{BOOKS}/receipts/{c.receipt}", {}),
        None,
        lambda c: False,
        receipt_readers,
    ),
}


@pytest.fixture
def books_cell_(db) -> BooksCell:
    cell = books_cell.build_books_cell(BOOKS_RULES)
    moment = now()
    nico = cell.members["nico"]
    gift = _money("Sale of seedlings", "in", "500.00", "Sales") | {"day": moment.date()}
    gift["receipt"] = book_services.ReceiptFile(RECEIPT, "text/plain", "receipt.txt")
    book_services.do_record(book_services.check_transaction(nico, now=moment, **gift), moment)
    for description in ("A wheelbarrow", "A shed door"):
        spend = _money(description, "out", "180.00", "Tools") | {"day": moment.date()}
        book_services.do_request_spend(book_services.check_request_spend(nico, now=moment, **spend), moment)
    book_services.do_approve(cell.members["fay"], SpendRequest.objects.get(number=2), moment)
    receipt = Receipt.objects.get(assembly=cell.assembly).digest
    made = BooksCell(cell, receipt, asked_by="nico")
    # The matrix means something only if the rule sets some members apart: a member who keeps no books, and one
    # who may approve; otherwise "only the keepers record" could not fail.
    assert keepers(made), "nobody keeps the books"
    assert _members(made) - keepers(made), "every member keeps the books"
    assert approvers(made), "nobody may approve"
    assert approvers(made) != keepers(made)
    return made


def _ledger_size(c: BooksCell) -> int:
    return Ledger.objects.get(pk=c.cell.assembly.ledger_id).size


@pytest.mark.parametrize("who", PERSONAS)
@pytest.mark.parametrize("action", list(BOOKS_CASES))
def test_the_books_pages_allow_exactly_whom_the_charters_books_rule_allows(books_cell_, who, action):
    case, c = BOOKS_CASES[action], books_cell_
    allowed = who in case.allowed(c)
    url, data = case.page(c)
    before = _ledger_size(c)
    client = _page_client(c.cell, who)
    if action == "open a receipt":
        response = client.get(url)
        assert (response.status_code == 200 and response.content == RECEIPT) is allowed, response.content
        if not allowed:
            assert response.status_code == 403
            assert b"members only" in response.content
        return
    response = client.post(url, data, follow=True)
    assert response.status_code < 500
    assert case.done(c) is allowed, response.content.decode()[:3000]
    if not allowed:
        assert _ledger_size(c) == before
        text = response.content.decode()
        assert any(word in text for word in ("Sign in", "Only", "Nobody approves")), text[:3000]


@pytest.mark.parametrize("who", PERSONAS)
@pytest.mark.parametrize("action", [a for a, case in BOOKS_CASES.items() if case.api is not None])
def test_the_books_api_allows_exactly_whom_the_charters_books_rule_allows(books_cell_, who, action):
    case, c = BOOKS_CASES[action], books_cell_
    assert case.api is not None
    allowed = who in case.allowed(c)
    path, body = case.api(c)
    headers = {}
    if who != "visitor":
        headers["Authorization"] = "Bearer " + do_create_token(c.cell.users[who], "test", now())
    before = _ledger_size(c)
    response = Client().post(BOOKS_API + path, body, content_type="application/json", headers=headers)
    assert case.done(c) is allowed, response.content
    if allowed:
        assert response.status_code in (200, 201), response.content
    else:
        assert response.status_code in (401, 403, 409), response.content
        assert response.json()["detail"]
        assert _ledger_size(c) == before
