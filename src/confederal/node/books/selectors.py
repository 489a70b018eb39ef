"""Reads of an assembly's books for its pages, its CSV export and the API."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet, Sum
from django.shortcuts import get_object_or_404

from confederal import books as core
from confederal.charter import Charter
from confederal.node.assemblies.models import Assembly, Member
from confederal.node.ledgers.models import Ledger

from .models import (
    AdoptedBudget,
    BookAccount,
    BookPosting,
    BookTransaction,
    BudgetLineTotal,
    Contribution,
    Receipt,
    SpendRequest,
)

__all__ = [
    "FLOWS",
    "PAGE_SIZE",
    "AccountView",
    "BooksSummary",
    "LineView",
    "SpendView",
    "TransactionFilter",
    "accounts",
    "approver_names",
    "budget_in_force",
    "budget_lines",
    "contribution_total",
    "contributions",
    "current_members",
    "ledger_size",
    "member_by_id",
    "posting_amounts",
    "postings",
    "receipt",
    "rules",
    "spend_or_404",
    "spends",
    "summary",
    "transaction_count",
    "transaction_or_404",
    "transaction_page",
    "transactions",
]

PAGE_SIZE = 50
#: Money in, money out, or moved between the assembly's own accounts (``BookTransaction.flow``).
FLOWS = ("in", "out", "transfer")
#: Accounts that hold something first, then the categories money comes from and goes to.
_KIND_ORDER = {kind: i for i, kind in enumerate(("cash", "bank", "in_kind", "income", "expense", "equity"))}


def rules(assembly: Assembly) -> core.BooksRules | None:
    """The charter's books rule, or ``None`` while the assembly keeps no books."""
    rule = Charter.from_json(assembly.charter).books
    return None if rule is None else rule.value


@dataclass(frozen=True)
class AccountView:
    name: str
    kind: str
    #: Debits minus credits, as the books keep it.
    balance: int

    @property
    def shown(self) -> int:
        """What a person reads: what an income or equity account brought in is positive."""
        return -self.balance if self.kind in ("income", "equity") else self.balance

    @property
    def is_asset(self) -> bool:
        return core.AccountKind(self.kind).is_asset

    @property
    def label(self) -> str:
        return str(BookAccount.Kind(self.kind).label)


def accounts(assembly: Assembly) -> list[AccountView]:
    """Every account with its balance: what the assembly holds first, then income, expense and equity."""
    rows = BookAccount.objects.filter(assembly=assembly).values_list("name", "kind", "balance")
    views = [AccountView(name, kind, balance) for name, kind, balance in rows]
    return sorted(views, key=lambda a: (_KIND_ORDER.get(a.kind, 9), a.name))


@dataclass(frozen=True)
class LineView:
    name: str
    category: str
    kind: str
    purpose: str
    budgeted: int
    spent: int

    @property
    def remaining(self) -> int:
        return self.budgeted - self.spent

    @property
    def over(self) -> bool:
        return self.spent > self.budgeted

    @property
    def over_by(self) -> int:
        return max(self.spent - self.budgeted, 0)

    @property
    def scale(self) -> int:
        return max(self.budgeted, self.spent, 1)

    @property
    def budget_percent(self) -> int:
        """The budget's bar, as a whole percentage of the longer of the two bars."""
        return self.budgeted * 100 // self.scale

    @property
    def spent_percent(self) -> int:
        return self.spent * 100 // self.scale


def budget_in_force(assembly: Assembly, day: date) -> AdoptedBudget | None:
    """The budget adopted last whose period covers ``day``."""
    return AdoptedBudget.objects.filter(assembly=assembly, start__lte=day, end__gte=day).first()


def budget_lines(adopted: AdoptedBudget) -> list[LineView]:
    """Budget vs actual per line, in the budget's order."""
    totals = dict(BudgetLineTotal.objects.filter(budget=adopted).values_list("line", "actual"))
    budget = core.Budget.from_json(adopted.body)
    return [
        LineView(
            line.name,
            line.category.name,
            line.category.kind.value,
            line.purpose,
            line.amount.minor,
            totals.get(line.name, 0),
        )
        for line in budget.lines
    ]


@dataclass(frozen=True)
class SpendView:
    request: SpendRequest
    #: The account the money would leave, and what it holds now.
    account: str
    holds: int
    approvers: list[str]

    @property
    def short(self) -> int:
        """How much the account lacks to pay it (0 when it holds enough)."""
        return max(self.request.amount - self.holds, 0)


def spends(assembly: Assembly, statuses: tuple[str, ...]) -> list[SpendView]:
    """Spends in these states, newest first, each with the account it would be paid from and who approved."""
    balances = dict(BookAccount.objects.filter(assembly=assembly).values_list("name", "balance"))
    rows = SpendRequest.objects.filter(assembly=assembly, status__in=statuses).select_related("requested_by")
    views = []
    for row in rows.prefetch_related("approvals__approver"):
        txn = core.Transaction.from_json(row.transaction["transaction"])
        source = next((p.account for p in txn.postings if p.amount.minor < 0), "")
        views.append(SpendView(row, source, balances.get(source, 0), approver_names(row)))
    return views


@dataclass(frozen=True)
class TransactionFilter:
    """What the books page, the CSV export and the API narrow transactions by; empty fields narrow nothing."""

    text: str = ""
    line: str = ""
    account: str = ""
    flow: str = ""
    since: date | None = None
    until: date | None = None

    def as_query(self) -> dict[str, str]:
        """The filter as the page's query string writes it (for links to other pages of results)."""
        values = {
            "q": self.text,
            "line": self.line,
            "account": self.account,
            "flow": self.flow,
            "from": self.since.isoformat() if self.since else "",
            "to": self.until.isoformat() if self.until else "",
        }
        return {k: v for k, v in values.items() if v}


def transactions(assembly: Assembly, narrow: TransactionFilter = TransactionFilter()) -> QuerySet[BookTransaction]:
    """The assembly's transactions, newest first, narrowed by ``narrow``."""
    rows = BookTransaction.objects.filter(assembly=assembly)
    if narrow.text:
        rows = rows.filter(description__icontains=narrow.text)
    if narrow.line:
        rows = rows.filter(budget_line=narrow.line)
    if narrow.account:
        # A subquery rather than a join, so a transaction posting twice to one account is listed once.
        touching = BookPosting.objects.filter(account__assembly=assembly, account__name=narrow.account)
        rows = rows.filter(pk__in=touching.values("transaction"))
    if narrow.flow in FLOWS:
        rows = rows.filter(flow=narrow.flow)
    if narrow.since:
        rows = rows.filter(date__gte=narrow.since)
    if narrow.until:
        rows = rows.filter(date__lte=narrow.until)
    return rows.order_by("-number").select_related("reverses", "reversed_by")


class _Counted(Paginator):  # type: ignore[type-arg]
    """A paginator that is told how many rows there are, or (``count`` None) counts only as far as the page it shows.

    Counting every match of a text search reads every description; the page needs only to know whether there is a
    next page, so it reads one row past the page and says "page N" without a total (``exact`` is False).
    """

    def __init__(self, rows: QuerySet[BookTransaction], count: int | None, number: int) -> None:
        super().__init__(rows, PAGE_SIZE)
        self.exact = count is not None
        if count is None:
            start = (max(number, 1) - 1) * PAGE_SIZE
            seen = len(rows[start : start + PAGE_SIZE + 1].values_list("pk", flat=True))
            # On a page past the end, show the last one there is, as get_page does.
            count = start + seen if seen else (0 if start == 0 else len(rows[:start].values_list("pk", flat=True)))
        self.__dict__["count"] = count  # Paginator.count is a cached property: this is its cached value


def transaction_page(
    assembly: Assembly, narrow: TransactionFilter, number: int, count: int | None = None, *, exact: bool = True
) -> Page[BookTransaction]:
    """One page of :func:`transactions` (``PAGE_SIZE`` a page), the last if ``number`` is past it.

    ``count``, when known, is how many transactions ``narrow`` leaves (the summary's count when nothing narrows);
    otherwise they are counted, unless ``exact`` is False (see :class:`_Counted`).
    """
    rows = transactions(assembly, narrow).prefetch_related("postings__account", "contribution__member")
    if count is None and exact:
        count = rows.count()
    return _Counted(rows, count, number).get_page(number)


def postings(assembly: Assembly, narrow: TransactionFilter) -> Iterator[BookPosting]:
    """Every posting of the narrowed transactions, newest transaction first: the CSV export's rows."""
    rows = (
        BookPosting.objects.filter(transaction__in=transactions(assembly, narrow).values("pk"))
        .select_related("transaction", "transaction__reverses", "account")
        .order_by("-transaction__number", "pk")
    )
    return rows.iterator(chunk_size=2000)


def transaction_or_404(assembly: Assembly, number: int) -> BookTransaction:
    rows = BookTransaction.objects.select_related("reverses", "reversed_by", "approval")
    return get_object_or_404(rows.prefetch_related("postings__account"), assembly=assembly, number=number)


def spend_or_404(assembly: Assembly, number: int) -> SpendRequest:
    return get_object_or_404(SpendRequest, assembly=assembly, number=number)


def receipt(assembly: Assembly, digest: str) -> Receipt | None:
    return Receipt.objects.filter(assembly=assembly, digest=digest).first()


def transaction_count(assembly: Assembly) -> int:
    """How many transactions the books hold: the last one's number, since they are numbered from 1 and never removed."""
    last = BookTransaction.objects.filter(assembly=assembly).order_by("-number").values_list("number", flat=True)
    return last.first() or 0


def contributions(assembly: Assembly, member: Member | None = None) -> QuerySet[Contribution]:
    """Contributions, newest first: every one, or only ``member``'s."""
    # Through the members (a short table): a join that starts from the transactions would read all of them.
    rows = Contribution.objects.filter(member__assembly=assembly, transaction__reversed_by__isnull=True)
    if member is not None:
        rows = rows.filter(member=member)
    return rows.select_related("transaction", "member").order_by("-transaction__number")


def contribution_total(assembly: Assembly) -> int:
    """What members contributed in all (corrected contributions left out), in minor units."""
    return contributions(assembly).aggregate(total=Sum("transaction__amount"))["total"] or 0


def current_members(assembly: Assembly) -> list[Member]:
    """Current members by public name (for contributor and approver choices)."""
    return list(assembly.members.filter(left_at__isnull=True).order_by("public_name"))


def posting_amounts(row: BookTransaction) -> list[tuple[str, int]]:
    """A transaction's postings as (account, minor units), debits positive."""
    return [(p.account.name, p.amount) for p in row.postings.all()]


def approver_names(spend: SpendRequest) -> list[str]:
    """Who approved a spend, in order: a member's name, or the deciding decision as #number."""
    return [a.approver.public_name if a.approver else f"#{a.decision}" for a in spend.approvals.all()]


def member_by_id(assembly: Assembly, pk: int) -> Member | None:
    return assembly.members.filter(left_at__isnull=True, pk=pk).first()


def ledger_size(assembly: Assembly) -> int:
    return Ledger.objects.filter(pk=assembly.ledger_id).values_list("size", flat=True).get()


@dataclass(frozen=True)
class BooksSummary:
    ledger_size: int
    rules: core.BooksRules
    accounts: list[AccountView]
    budget: AdoptedBudget | None
    lines: list[LineView]
    transactions: int


def summary(assembly: Assembly, today: date) -> BooksSummary | None:
    """Balances, the budget in force and the number of transactions, all as of one ledger size.

    Every write to the books appends to the ledger in the same transaction, and a ledger only grows: so when the
    size read before the figures equals the size read after them, no write landed in between, and the figures are
    exactly what the ledger held at that size (on PostgreSQL each statement sees its own snapshot, so one read-only
    transaction would not promise this). Otherwise read again.
    """
    found = rules(assembly)
    if found is None:
        return None
    for _attempt in range(20):
        before = ledger_size(assembly)
        adopted = budget_in_force(assembly, today)
        figures = BooksSummary(
            before,
            found,
            accounts(assembly),
            adopted,
            budget_lines(adopted) if adopted else [],
            transaction_count(assembly),
        )
        if ledger_size(assembly) == before:
            return figures
    return figures
