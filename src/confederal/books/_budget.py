"""Budgets (the plan) against the books (the actuals), and when a spend needs approval first.

A budget covers a period (both days included) and has named lines, each a
category (an income or expense account), a purpose and an amount. A transaction
counts against a line when it names the line, falls in the period and posts to
the line's category: for an expense line what was spent (debits), for an income
line what came in (credits). The issue's rule: "Spending above a charter
threshold, or outside the budget, needs approval first".
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ._books import MAX_TEXT, Account, AccountKind, Transaction, _date, _parse_date, _text, check_accounts
from ._errors import BooksError
from ._money import Amount, _object

__all__ = [
    "MAX_LINES",
    "Approval",
    "Budget",
    "BudgetLine",
    "LineReport",
    "approval_reasons",
    "budget_vs_actual",
    "needs_approval",
]

MAX_LINES = 500


@dataclass(frozen=True, slots=True)
class BudgetLine:
    """One line of a budget: ``amount`` (positive) for ``purpose``, booked to ``category``."""

    name: str
    category: Account
    purpose: str
    amount: Amount

    def __post_init__(self) -> None:
        _text(self.name, "A budget line's name", 64)
        _text(self.purpose, "A budget line's purpose", MAX_TEXT)
        if not isinstance(self.category, Account) or self.category.kind not in (
            AccountKind.INCOME,
            AccountKind.EXPENSE,
        ):
            raise BooksError(
                "bad_category",
                "A budget line's category must be an income or expense account, not {value!r}.",
                value=self.category,
            )
        if not isinstance(self.amount, Amount) or self.amount.minor <= 0:
            raise BooksError(
                "bad_line_amount", "A budget line's amount must be more than zero, not {value}.", value=self.amount
            )

    def to_json(self) -> dict[str, Any]:
        return {
            "amount": self.amount.to_json(),
            "category": self.category.to_json(),
            "name": self.name,
            "purpose": self.purpose,
        }

    @classmethod
    def from_json(cls, data: object) -> BudgetLine:
        obj = _object(data, {"amount", "category", "name", "purpose"}, "a budget line")
        return cls(obj["name"], Account.from_json(obj["category"]), obj["purpose"], Amount.from_json(obj["amount"]))


@dataclass(frozen=True, slots=True)
class Budget:
    """The lines an assembly adopted for the days ``start`` to ``end`` (both included)."""

    start: dt.date
    end: dt.date
    lines: tuple[BudgetLine, ...]

    def __post_init__(self) -> None:
        _date(self.start, "A budget's first day")
        _date(self.end, "A budget's last day")
        if self.end < self.start:
            raise BooksError(
                "bad_period",
                "A budget's last day ({end}) is before its first ({start}).",
                start=self.start,
                end=self.end,
            )
        if not isinstance(self.lines, tuple) or not all(isinstance(line, BudgetLine) for line in self.lines):
            raise BooksError("bad_lines", "A budget's lines must be a tuple of budget lines.")
        if not 1 <= len(self.lines) <= MAX_LINES:
            raise BooksError(
                "bad_lines", "A budget needs 1 to {most} lines, not {count}.", most=MAX_LINES, count=len(self.lines)
            )
        names: set[str] = set()
        for line in self.lines:
            if line.name in names:
                raise BooksError("duplicate_line", "The budget line {name!r} appears twice.", name=line.name)
            names.add(line.name)
        kinds: dict[str, AccountKind] = {}
        for line in self.lines:
            if kinds.setdefault(line.category.name, line.category.kind) != line.category.kind:
                raise BooksError(
                    "duplicate_account", "The account {name!r} is given two kinds.", name=line.category.name
                )

    def line(self, name: str) -> BudgetLine | None:
        return next((line for line in self.lines if line.name == name), None)

    def covers(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    def to_json(self) -> dict[str, Any]:
        return {
            "end": self.end.isoformat(),
            "lines": [line.to_json() for line in self.lines],
            "start": self.start.isoformat(),
        }

    @classmethod
    def from_json(cls, data: object) -> Budget:
        obj = _object(data, {"end", "lines", "start"}, "a budget")
        if not isinstance(obj["lines"], list):
            raise BooksError("malformed", "A budget's lines must be a list.")
        return cls(
            _parse_date(obj["start"], "A budget's first day"),
            _parse_date(obj["end"], "A budget's last day"),
            tuple(BudgetLine.from_json(item) for item in obj["lines"]),
        )


@dataclass(frozen=True, slots=True)
class LineReport:
    """Budget vs actual for one line; for an income line ``spent`` is what came in."""

    line: BudgetLine
    budgeted: Amount
    spent: Amount
    remaining: Amount
    over: bool


def signed(line: BudgetLine, debits: int) -> int:
    """The net debits to ``line``'s category as its actual: spent for an expense line, received for an income one."""
    return debits if line.category.kind is AccountKind.EXPENSE else -debits


def _on_line(line: BudgetLine, txn: Transaction) -> int:
    """What ``txn`` adds to ``line``'s actual, in minor units (signed so that spending/receiving is positive)."""
    total = 0
    for posting in txn.postings:
        if posting.account == line.category.name:
            total += (posting.amount - Amount.zero(line.amount.currency)).minor
    return signed(line, total)


def budget_vs_actual(budget: Budget, transactions: Iterable[Transaction]) -> tuple[LineReport, ...]:
    """Per line, in the budget's order: budgeted, spent (or received), remaining, and whether it is over."""
    actual = {line.name: 0 for line in budget.lines}
    lines = {line.name: line for line in budget.lines}
    for txn in transactions:
        if txn.budget_line in lines and budget.covers(txn.date):
            actual[txn.budget_line] += _on_line(lines[txn.budget_line], txn)
    return line_reports(budget, actual)


def line_reports(budget: Budget, actual: Mapping[str, int]) -> tuple[LineReport, ...]:
    """Per line, in the budget's order, against ``actual`` (minor units spent or received, by line name)."""
    reports = []
    for line in budget.lines:
        spent = Amount(actual.get(line.name, 0), line.amount.currency)
        remaining = line.amount - spent
        reports.append(LineReport(line, line.amount, spent, remaining, remaining.minor < 0))
    return tuple(reports)


class Approval(enum.StrEnum):
    """Why a spend needs approval before it is made."""

    ABOVE_THRESHOLD = "above_threshold"
    OUTSIDE_BUDGET = "outside_budget"
    OUTSIDE_PERIOD = "outside_period"
    OVER_BUDGET = "over_budget"


def approval_reasons(
    txn: Transaction,
    budget: Budget | None,
    threshold: Amount,
    accounts: Sequence[Account],
    earlier: Iterable[Transaction] = (),
    spent: int = 0,
) -> tuple[Approval, ...]:
    """Every reason ``txn`` needs approval first; empty when it needs none.

    The spend is the sum of ``txn``'s debits to expense accounts (income,
    transfers between assets and reversals spend nothing). It needs approval
    when it is above ``threshold``; when there is no budget, it names no line
    of it, the line is not an expense line, or it spends on another expense
    account than the line's (``outside_budget``); when its date is outside the
    budget's period (``outside_period``); or when, with the ``earlier``
    transactions on the same line (or ``spent``, what a caller already summed
    for it, in minor units), the line would be overspent (``over_budget``).
    """
    if not isinstance(threshold, Amount) or threshold.minor < 0:
        raise BooksError(
            "bad_threshold", "The approval threshold must be an amount of zero or more, not {value}.", value=threshold
        )
    earlier = tuple(earlier)
    by_name = check_accounts(accounts, (txn, *earlier))
    expense = {name for name, account in by_name.items() if account.kind is AccountKind.EXPENSE}
    spend = Amount.zero(threshold.currency)
    spent_on: set[str] = set()
    for posting in txn.postings:
        if posting.account in expense and posting.amount.minor > 0:
            spend += posting.amount
            spent_on.add(posting.account)
    if spend.minor == 0:
        return ()
    reasons: list[Approval] = []
    if spend.minor > threshold.minor:
        reasons.append(Approval.ABOVE_THRESHOLD)
    line = budget.line(txn.budget_line) if budget is not None and txn.budget_line is not None else None
    if (
        budget is None
        or line is None
        or line.category.kind is not AccountKind.EXPENSE
        or spent_on != {line.category.name}
    ):
        reasons.append(Approval.OUTSIDE_BUDGET)
        return tuple(reasons)
    if not budget.covers(txn.date):
        reasons.append(Approval.OUTSIDE_PERIOD)
        return tuple(reasons)
    before = spent + sum(
        _on_line(line, other) for other in earlier if other.budget_line == line.name and budget.covers(other.date)
    )
    if before + _on_line(line, txn) > line.amount.minor:
        reasons.append(Approval.OVER_BUDGET)
    return tuple(reasons)


def needs_approval(
    txn: Transaction,
    budget: Budget | None,
    threshold: Amount,
    accounts: Sequence[Account],
    earlier: Iterable[Transaction] = (),
) -> bool:
    """Whether ``txn`` spends above ``threshold`` or outside ``budget``, so needs approval first."""
    return bool(approval_reasons(txn, budget, threshold, accounts, earlier))
