"""Books routes: balances and budget vs actual, transactions with filters, recording, corrections, spends and
their approval, and budgets put to the assembly.

Amounts in requests are decimal strings in the books' currency ("12.50"), never JSON numbers: a float cannot
say 0.10 exactly. Amounts in answers are integers in the currency's minor units, as the ledger holds them.
"""

from __future__ import annotations

import base64
import binascii
from datetime import date
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from pydantic import BeforeValidator

from confederal.node.access import access_assembly
from confederal.node.assemblies.models import Member
from confederal.node.books import selectors, services
from confederal.node.books.models import BookTransaction, SpendRequest
from confederal.node.decisions.services import do_propose
from confederal.node.errors import Refused
from confederal.node.web import now
from confederal.permissions import Action

from ._base import BodyIn, Number, ReadOut, RowId, Slug, api, authed, member_for, member_in, public
from .decisions import ProposalOut, proposal_out

router = Router(tags=["books"])

BOOKS = "/assemblies/{slug}/books"


def _decimal_text(value: Any) -> Any:
    if not isinstance(value, str):
        raise ValueError('write an amount as a decimal string such as "12.50", never as a number')
    return value


DecimalText = Annotated[
    str,
    Field(
        pattern=r"^[0-9]{1,15}(\.[0-9]{1,6})?$",
        max_length=22,
        description='More than zero, as a decimal string in the books\' currency: "12.50", never a number.',
    ),
    # After the constraints in the list, so it runs first: a number is refused before any pattern is tried.
    BeforeValidator(_decimal_text),
]
Name = Annotated[str, Field(min_length=1, max_length=64)]


class CurrencyOut(Schema):
    code: str
    exponent: int
    kind: Literal["iso", "local"]


class BookAccountOut(Schema):
    name: str
    kind: str
    balance: int = Field(description="Debits minus credits, in minor units (an income account's is negative).")


class BudgetLineOut(Schema):
    name: str
    category: str
    kind: str
    budgeted: int
    spent: int = Field(description="Spent on an expense line, received on an income line, in minor units.")
    remaining: int
    over: bool


class BudgetOut(Schema):
    decision: int
    title: str
    start: date
    end: date
    lines: list[BudgetLineOut]


class BooksOut(Schema):
    assembly: str
    ledger_size: int = Field(description="The ledger's size when these figures were read; they are its books then.")
    currency: CurrencyOut
    accounts: list[BookAccountOut]
    budget: BudgetOut | None
    transactions: int


def _no_books(slug: str) -> Refused:
    return Refused("no_books", _("This assembly keeps no books yet."), 404)


@public(router.get, BOOKS, BooksOut, "Balances, the budget in force with budget vs actual, and how many transactions")
def books(request: HttpRequest, slug: Slug) -> BooksOut:
    assembly = access_assembly(slug)
    found = selectors.summary(assembly, now().date())
    if found is None:
        raise _no_books(slug)
    budget = None
    if found.budget is not None:
        budget = BudgetOut(
            decision=found.budget.decision,
            title=found.budget.title,
            start=found.budget.start,
            end=found.budget.end,
            lines=[
                BudgetLineOut(
                    name=line.name,
                    category=line.category,
                    kind=line.kind,
                    budgeted=line.budgeted,
                    spent=line.spent,
                    remaining=line.remaining,
                    over=line.over,
                )
                for line in found.lines
            ],
        )
    return BooksOut(
        assembly=assembly.slug,
        ledger_size=found.ledger_size,
        currency=CurrencyOut(**found.rules.currency.to_json()),
        accounts=[BookAccountOut(name=a.name, kind=a.kind, balance=a.balance) for a in found.accounts],
        budget=budget,
        transactions=found.transactions,
    )


class PostingOut(Schema):
    account: str
    amount: int


class TransactionOut(ReadOut):
    number: int
    date: date
    description: str
    amount: int = Field(description="The money moved (the sum of the debits), in minor units.")
    flow: Literal["in", "out", "transfer"]
    budget_line: str
    receipt: str
    recorded_by: str
    reverses: int | None
    reversed_by: int | None
    reason: str
    approval: int | None
    postings: list[PostingOut]
    ledger_seq: int

    @staticmethod
    def resolve_reverses(t: BookTransaction) -> int | None:
        return t.reverses.number if t.reverses else None

    @staticmethod
    def resolve_reversed_by(t: BookTransaction) -> int | None:
        later = getattr(t, "reversed_by", None)
        return later.number if later else None

    @staticmethod
    def resolve_approval(t: BookTransaction) -> int | None:
        return t.approval.number if t.approval else None

    @staticmethod
    def resolve_postings(t: BookTransaction) -> list[PostingOut]:
        return [PostingOut(account=name, amount=minor) for name, minor in selectors.posting_amounts(t)]


class TransactionsOut(Schema):
    count: int
    page: int
    pages: int
    transactions: list[TransactionOut]


class TransactionFilterIn(Schema):
    q: str = Field("", max_length=200, description="Words in the description or a correction's reason.")
    line: str = Field("", max_length=64, description="A budget line's name.")
    account: str = Field("", max_length=64, description="An account the transaction posts to.")
    flow: Literal["", "in", "out", "transfer"] = ""
    since: date | None = Field(None, alias="from", description="From this day on.")
    until: date | None = Field(None, alias="to", description="Up to this day.")
    page: int = Field(1, ge=1, le=10**9)


@public(router.get, f"{BOOKS}/transactions", TransactionsOut, "Transactions, newest first, filtered, 50 a page")
def transactions(request: HttpRequest, slug: Slug, filters: Query[TransactionFilterIn]) -> TransactionsOut:
    assembly = access_assembly(slug)
    if selectors.rules(assembly) is None:
        raise _no_books(slug)
    narrow = selectors.TransactionFilter(
        filters.q.strip(), filters.line.strip(), filters.account.strip(), filters.flow, filters.since, filters.until
    )
    page = selectors.transaction_page(assembly, narrow, filters.page)
    return TransactionsOut(
        count=page.paginator.count,
        page=page.number,
        pages=page.paginator.num_pages,
        transactions=[TransactionOut.from_orm(t) for t in page],
    )


class ReceiptIn(BodyIn):
    media_type: Literal["application/pdf", "image/jpeg", "image/png", "image/webp", "text/plain"]
    name: str = Field("", max_length=200)
    data: str = Field(min_length=4, max_length=7_000_000, description="The file, in base64 (at most 5 MB).")


class MoneyIn(BodyIn):
    day: date
    direction: Literal["in", "out", "transfer"]
    amount: DecimalText
    description: str = Field(min_length=1, max_length=500)
    account: Name = Field(description="The assembly's own account the money left or reached (Cash, Bank…).")
    category: Name = Field(description="Where it came from or went (an income or expense category), or, for a "
                           "transfer, the other account.")  # fmt: skip
    category_kind: Literal["income", "expense", "equity", "cash", "bank", "in_kind"] | None = Field(
        None, description="The kind of a category used for the first time."
    )
    budget_line: str = Field("", max_length=64)
    contributor: RowId | None = Field(None, description="The member who paid, for a member's contribution.")
    receipt: ReceiptIn | None = None


def _money(member: Member, body: MoneyIn) -> dict[str, Any]:
    contributor = None
    if body.contributor is not None:
        contributor = selectors.member_by_id(member.assembly, body.contributor)
        if contributor is None:
            raise Refused("bad_contributor", _("A contribution comes from a member of this assembly."))
    receipt = None
    if body.receipt is not None:
        try:
            data = base64.b64decode(body.receipt.data, validate=True)
        except (binascii.Error, ValueError):
            raise Refused("bad_receipt", _("Send the receipt's file in base64.")) from None
        receipt = services.ReceiptFile(data, body.receipt.media_type, body.receipt.name)
    return {
        "day": body.day,
        "direction": body.direction,
        "amount": body.amount,
        "description": body.description,
        "account": body.account,
        "category": body.category,
        "category_kind": body.category_kind,
        "budget_line": body.budget_line,
        "contributor": contributor,
        "receipt": receipt,
    }


def _one(row: BookTransaction) -> TransactionOut:
    return TransactionOut.from_orm(selectors.transaction_or_404(row.assembly, row.number))


@authed(
    router.post,
    f"{BOOKS}/transactions",
    TransactionOut,
    "Record money in, out or between accounts (keepers)",
    (400, 409),
)
def record(request: HttpRequest, slug: Slug, body: MoneyIn) -> Status[TransactionOut]:
    member = member_in(request, slug, Action.VIEW)
    row = services.do_record(services.check_transaction(member, now=now(), **_money(member, body)), now())
    return Status(201, _one(row))


class BooksReasonIn(BodyIn):
    reason: str = Field(min_length=3, max_length=500)


@authed(
    router.post,
    f"{BOOKS}/transactions/{{number}}/reverse",
    TransactionOut,
    "Correct a transaction by reversing it, saying why (keepers)",
    (400, 409),
)
def reverse(request: HttpRequest, slug: Slug, number: Number, body: BooksReasonIn) -> Status[TransactionOut]:
    assembly = access_assembly(slug)
    row = selectors.transaction_or_404(assembly, number)
    member = member_for(request, assembly, Action.VIEW)
    undo = services.do_record(services.check_reverse(member, row, body.reason, now()), now())
    return Status(201, _one(undo))


class SpendOut(ReadOut):
    number: int
    description: str
    amount: int
    status: Literal["waiting", "approved", "declined", "paid"]
    reasons: list[str]
    requested_by: str
    approvals: list[str] = Field(description="Who approved, by name, or the deciding decision as #number.")
    proposal: int | None = Field(description="The proposal that decides it, where the charter has spending decided.")
    declined_reason: str

    @staticmethod
    def resolve_requested_by(s: SpendRequest) -> str:
        return s.requested_by.public_name

    @staticmethod
    def resolve_approvals(s: SpendRequest) -> list[str]:
        return selectors.approver_names(s)

    @staticmethod
    def resolve_proposal(s: SpendRequest) -> int | None:
        return s.proposal_number


@authed(router.post, f"{BOOKS}/spends", SpendOut, "Ask for approval of a spend (keepers)", (400, 409))
def ask(request: HttpRequest, slug: Slug, body: MoneyIn) -> Status[SpendOut]:
    member = member_in(request, slug, Action.VIEW)
    spend = services.do_request_spend(services.check_request_spend(member, now=now(), **_money(member, body)), now())
    return Status(201, SpendOut.from_orm(spend))


SPEND = f"{BOOKS}/spends/{{number}}"


@authed(router.post, f"{SPEND}/approve", SpendOut, "Approve a spend (a named approver)", (400, 409), status=200)
def approve(request: HttpRequest, slug: Slug, number: Number) -> SpendOut:
    assembly = access_assembly(slug)
    spend = selectors.spend_or_404(assembly, number)
    return SpendOut.from_orm(services.do_approve(member_for(request, assembly, Action.VIEW), spend, now()))


@authed(
    router.post, f"{SPEND}/decline", SpendOut, "Decline a spend (an approver, or who asked)", (400, 409), status=200
)
def decline(request: HttpRequest, slug: Slug, number: Number, body: BooksReasonIn) -> SpendOut:
    assembly = access_assembly(slug)
    spend = selectors.spend_or_404(assembly, number)
    member = member_for(request, assembly, Action.VIEW)
    return SpendOut.from_orm(services.do_decline(member, spend, body.reason, now()))


class PayDayIn(BodyIn):
    day: date


@authed(router.post, f"{SPEND}/pay", TransactionOut, "Pay an approved spend as approved (keepers)", (400, 409))
def pay(request: HttpRequest, slug: Slug, number: Number, body: PayDayIn) -> Status[TransactionOut]:
    assembly = access_assembly(slug)
    spend = selectors.spend_or_404(assembly, number)
    member = member_for(request, assembly, Action.VIEW)
    row = services.do_record(services.check_pay(member, spend, body.day, now()), now())
    return Status(201, _one(row))


class BudgetLineIn(BodyIn):
    name: Name
    category: Name
    kind: Literal["income", "expense"]
    purpose: str = Field(min_length=1, max_length=500)
    amount: DecimalText


class BudgetIn(BodyIn):
    title: str = Field(min_length=3, max_length=200)
    start: date
    end: date
    lines: list[BudgetLineIn] = Field(min_length=1, max_length=500)
    text: str = Field("", max_length=20_000)


@authed(router.post, f"{BOOKS}/budgets", ProposalOut, "Propose a budget for the assembly to decide", (400, 409))
def propose_budget(request: HttpRequest, slug: Slug, body: BudgetIn) -> Status[ProposalOut]:
    member = member_in(request, slug, Action.PROPOSE)
    draft = services.check_budget_proposal(
        member,
        title=body.title,
        start=body.start,
        end=body.end,
        lines=[(line.name, line.category, line.kind, line.purpose, line.amount) for line in body.lines],
        text=body.text,
    )
    return Status(201, proposal_out(do_propose(draft, now()), member))


api.add_router("/", router)
