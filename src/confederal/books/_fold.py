"""Folding one assembly's ledger back into its books, as an outsider recomputes them.

``fold_books`` takes the ledger's records in order (``(seq, body)`` pairs);
``fold_entries`` takes the ledger's entries as bytes (``confederal audit-books``
hands it the entries a verification has just checked) and reads only the kinds
the books are made of. Both give a :class:`Books` value, or a ``BooksError``
naming the first entry that makes the books inconsistent: a posting to an account
never opened, a transaction number used twice, a reversal of an unknown or
already reversed transaction or one that is not its exact negation, a currency
other than the charter's, a charter changing the books' currency.

A million transactions fold in seconds: each is read once, balances and budget
actuals are running sums, so nothing is recomputed per question asked.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import orjson

from confederal.ledger import RecordBody, RecordError

from ._books import Account, Transaction
from ._budget import Approval, Budget, LineReport, line_reports, signed
from ._errors import BooksError
from ._money import Amount, Currency
from ._records import AccountOpened, BudgetAdopted, SpendApproved, SpendDeclined, SpendRequested, TransactionRecorded
from ._rules import BooksRules

__all__ = ["AdoptedBudget", "Booked", "Books", "Spend", "SpendState", "fold_books", "fold_entries"]

_CHARTER = "assembly.charter"
_READERS: dict[str, type[RecordBody]] = {
    cls.kind: cls
    for cls in (AccountOpened, BudgetAdopted, TransactionRecorded, SpendRequested, SpendApproved, SpendDeclined)
}
# A kind is a JSON string in the entry, so these bytes appear in every entry the books are made of (and a string
# inside a body cannot forge them: its quotes are escaped); other entries are skipped without being parsed.
_MARKS = (b'"kind":"books.', b'"kind":"assembly.charter"')


@dataclass(frozen=True, slots=True)
class Booked:
    """A transaction as the ledger holds it: its entry, its number in the books, who recorded it."""

    seq: int
    number: int
    transaction: Transaction
    recorded_by: str
    approval: int | None = None


class SpendState(enum.StrEnum):
    WAITING = "waiting"
    APPROVED = "approved"
    DECLINED = "declined"
    PAID = "paid"


@dataclass(frozen=True, slots=True)
class Spend:
    """A spend request and what became of it."""

    seq: int
    number: int
    transaction: Transaction
    requested_by: str
    reasons: tuple[Approval, ...]
    approvers: tuple[str, ...] = ()
    decision: int | None = None
    approved: bool = False
    declined_by: str | None = None
    declined_because: str | None = None
    paid_by: int | None = None

    @property
    def state(self) -> SpendState:
        if self.paid_by is not None:
            return SpendState.PAID
        if self.declined_by is not None:
            return SpendState.DECLINED
        return SpendState.APPROVED if self.approved else SpendState.WAITING


@dataclass(frozen=True, slots=True)
class AdoptedBudget:
    seq: int
    decision: int
    title: str
    budget: Budget


@dataclass(frozen=True)
class Books:
    """An assembly's books as its ledger's first ``size`` entries make them.

    ``balances`` are in minor units of the charter's currency, debits positive,
    for every account opened (in the order opened); ``reversed_by`` maps a
    transaction's number to the number of the transaction reversing it.
    """

    size: int
    rules: BooksRules | None
    accounts: Mapping[str, Account]
    opened: Mapping[str, dt.date | None]
    balances: Mapping[str, int]
    transactions: Mapping[int, Booked]
    reversed_by: Mapping[int, int]
    budgets: tuple[AdoptedBudget, ...]
    spends: Mapping[int, Spend]
    #: Net debits per (budget line, account) per day, of transactions naming that line.
    on_lines: Mapping[tuple[str, str], Mapping[dt.date, int]]

    @property
    def currency(self) -> Currency | None:
        return None if self.rules is None else self.rules.currency

    def balance(self, account: str) -> Amount:
        if self.rules is None:
            raise BooksError("no_books", "These books have no currency yet: no charter has opened them.")
        return Amount(self.balances[account], self.rules.currency)

    def budget_on(self, day: dt.date) -> AdoptedBudget | None:
        """The budget in force on ``day``: the latest adopted whose period covers it (a later one amends)."""
        return next((adopted for adopted in reversed(self.budgets) if adopted.budget.covers(day)), None)

    def budget_vs_actual(self, budget: Budget) -> tuple[LineReport, ...]:
        """What ``budget_vs_actual(budget, every transaction)`` gives, from the running sums."""
        actual = {}
        for line in budget.lines:
            days = self.on_lines.get((line.name, line.category.name), {})
            actual[line.name] = signed(line, sum(v for day, v in days.items() if budget.covers(day)))
        return line_reports(budget, actual)


class _Folder:
    def __init__(self) -> None:
        self.size = 0
        self.rules: BooksRules | None = None
        self.accounts: dict[str, Account] = {}
        self.opened: dict[str, dt.date | None] = {}
        self.balances: dict[str, int] = {}
        self.transactions: dict[int, Booked] = {}
        self.reversed_by: dict[int, int] = {}
        self.budgets: list[AdoptedBudget] = []
        self.spends: dict[int, Spend] = {}
        self.on_lines: dict[tuple[str, str], dict[dt.date, int]] = {}

    def books(self) -> Books:
        return Books(
            self.size,
            self.rules,
            self.accounts,
            self.opened,
            self.balances,
            self.transactions,
            self.reversed_by,
            tuple(self.budgets),
            self.spends,
            self.on_lines,
        )

    def charter(self, seq: int, body: Mapping[str, Any]) -> None:
        try:
            rule = body["charter"]["rules"].get("books")
            rules = None if rule is None else BooksRules.from_json(rule["value"])
        except (KeyError, TypeError, AttributeError):
            raise _refuse(seq, "malformed", "its charter is malformed.") from None
        except BooksError as exc:
            raise _refuse(seq, "malformed", "its charter's books rule is malformed: {why}", why=exc.message) from None
        if rules is None:
            if self.rules is not None:
                raise _refuse(seq, "books_closed", "its charter has no books, but books once opened stay open.")
            return
        if self.rules is not None and rules.currency != self.rules.currency:
            raise _refuse(
                seq,
                "currency_changed",
                "its charter keeps the books in {new}, but they are kept in {old}.",
                new=rules.currency.code,
                old=self.rules.currency.code,
            )
        self.rules = rules

    def add(self, seq: int, day: dt.date | None, body: RecordBody) -> None:
        if isinstance(body, TransactionRecorded):
            self.transaction(seq, body)
        elif isinstance(body, AccountOpened):
            name = body.account.name
            if name in self.accounts:
                raise _refuse(seq, "duplicate_account", "it opens the account {name!r} a second time.", name=name)
            self.accounts[name] = body.account
            self.opened[name] = day
            self.balances[name] = 0
        elif isinstance(body, BudgetAdopted):
            currency = self._currency(seq)
            for line in body.budget.lines:
                self._same(seq, line.amount.currency, currency)
            self.budgets.append(AdoptedBudget(seq, body.decision, body.title, body.budget))
        elif isinstance(body, SpendRequested):
            self.spend(seq, body)
        elif isinstance(body, SpendApproved):
            self.approval(seq, body)
        elif isinstance(body, SpendDeclined):
            spend = self._open_spend(seq, body.request, "declines")
            self.spends[spend.number] = replace(spend, declined_by=body.by, declined_because=body.reason)
        elif body.kind == _CHARTER:
            self.charter(seq, body.to_json())

    def _currency(self, seq: int) -> Currency:
        if self.rules is None:
            raise _refuse(seq, "no_books", "it comes before any charter says which currency the books keep.")
        return self.rules.currency

    def _same(self, seq: int, currency: Currency, expected: Currency) -> None:
        if currency != expected:
            raise _refuse(
                seq,
                "currency_mismatch",
                "it has an amount in {unit}, but the charter keeps the books in {expected}.",
                unit=currency.code,
                expected=expected.code,
            )

    def transaction(self, seq: int, body: TransactionRecorded) -> None:
        number, txn = body.number, body.transaction
        currency = self._currency(seq)
        if number in self.transactions:
            raise _refuse(
                seq,
                "duplicate_number",
                "transaction {number} was already recorded by entry {other}.",
                number=number,
                other=self.transactions[number].seq,
            )
        balances = self.balances
        for posting in txn.postings:
            if posting.account not in balances:
                raise _refuse(
                    seq,
                    "unknown_account",
                    "transaction {number} posts to {account!r}, which was never opened.",
                    number=number,
                    account=posting.account,
                )
            if posting.amount.currency is not currency:
                self._same(seq, posting.amount.currency, currency)
        if txn.reverses is not None:
            self.reversal(seq, number, txn)
        if body.approval is not None:
            spend = self._open_spend(seq, body.approval, "pays")
            self.spends[spend.number] = replace(spend, paid_by=number)
        for posting in txn.postings:
            balances[posting.account] += posting.amount.minor
        if txn.budget_line is not None:
            for posting in txn.postings:
                days = self.on_lines.setdefault((txn.budget_line, posting.account), {})
                days[txn.date] = days.get(txn.date, 0) + posting.amount.minor
        self.transactions[number] = Booked(seq, number, txn, body.recorded_by, body.approval)

    def reversal(self, seq: int, number: int, txn: Transaction) -> None:
        reference = txn.reverses or ""
        target = int(reference) if reference.isdigit() and reference.isascii() else None
        original = self.transactions.get(target) if target is not None else None
        if target is None or original is None:
            raise _refuse(
                seq,
                "unknown_reversal",
                "transaction {number} reverses transaction {reference!r}, which is not in the books.",
                number=number,
                reference=reference,
            )
        if target in self.reversed_by:
            raise _refuse(
                seq,
                "reversed_twice",
                "transaction {number} reverses transaction {target}, already reversed by transaction {other}.",
                number=number,
                target=target,
                other=self.reversed_by[target],
            )
        if original.transaction.reverses is not None:
            raise _refuse(
                seq,
                "reverse_reversal",
                "transaction {number} reverses transaction {target}, which is itself a reversal.",
                number=number,
                target=target,
            )
        undone = sorted((p.account, -p.amount.minor) for p in original.transaction.postings)
        if sorted((p.account, p.amount.minor) for p in txn.postings) != undone:
            raise _refuse(
                seq,
                "not_negation",
                "transaction {number} reverses transaction {target}, but its postings are not exactly the negation.",
                number=number,
                target=target,
            )
        self.reversed_by[target] = number

    def spend(self, seq: int, body: SpendRequested) -> None:
        currency = self._currency(seq)
        if body.number in self.spends:
            raise _refuse(
                seq,
                "duplicate_spend",
                "spend request {number} was already made by entry {other}.",
                number=body.number,
                other=self.spends[body.number].seq,
            )
        for posting in body.transaction.postings:
            self._same(seq, posting.amount.currency, currency)
        self.spends[body.number] = Spend(seq, body.number, body.transaction, body.requested_by, body.reasons)

    def _open_spend(self, seq: int, number: int, verb: str) -> Spend:
        spend = self.spends.get(number)
        if spend is None:
            raise _refuse(
                seq,
                "unknown_spend",
                "it {verb} spend request {number}, which was never made.",
                verb=verb,
                number=number,
            )
        if spend.state in (SpendState.PAID, SpendState.DECLINED):
            raise _refuse(
                seq,
                "spend_closed",
                "it {verb} spend request {number}, which was already {state}.",
                verb=verb,
                number=number,
                state=spend.state.value,
            )
        return spend

    def approval(self, seq: int, body: SpendApproved) -> None:
        spend = self._open_spend(seq, body.request, "approves")
        if body.approver is not None:
            if body.approver == spend.requested_by:
                raise _refuse(
                    seq,
                    "own_spend",
                    "{who} approves their own spend request {number}.",
                    who=body.approver,
                    number=spend.number,
                )
            if body.approver in spend.approvers:
                raise _refuse(
                    seq,
                    "approved_twice",
                    "{who} approves spend request {number} a second time.",
                    who=body.approver,
                    number=spend.number,
                )
            approvers = (*spend.approvers, body.approver)
            needed = self.rules.approvals_needed if self.rules is not None else 0
            approved = spend.approved or (needed > 0 and len(approvers) >= needed)
            self.spends[spend.number] = replace(spend, approvers=approvers, approved=approved)
        else:
            self.spends[spend.number] = replace(spend, decision=body.decision, approved=True)


def _refuse(seq: int, code: str, sentence: str, **params: Any) -> BooksError:
    return BooksError(code, "Entry {seq}: " + sentence, seq=seq, **params)


def fold_books(items: Iterable[tuple[int, RecordBody]]) -> Books:
    """The books that these records of one ledger, in order, make; records of other concepts are skipped.

    Raises:
        BooksError: the records make inconsistent books; the message names the entry.
    """
    folder = _Folder()
    for seq, body in items:
        folder.add(seq, None, body)
        folder.size = seq + 1
    return folder.books()


def fold_entries(entries: Iterable[bytes]) -> Books:
    """The books that one ledger's entries (canonical JSON bytes, in order from the first) make.

    Each entry's day (from its time) counts as the day an account it opens was
    opened. Bodies are read by their kinds' own readers, so a malformed one is
    refused as the node would refuse it.

    Raises:
        BooksError: a body is malformed, or the books are inconsistent; the message names the entry.
    """
    folder = _Folder()
    loads = orjson.loads
    first, second = _MARKS
    seq = -1
    for seq, raw in enumerate(entries):
        if first not in raw and second not in raw:
            continue
        entry = loads(raw)
        kind = entry["kind"]
        if kind == _CHARTER:
            folder.charter(seq, entry["body"])
            continue
        reader = _READERS.get(kind)
        if reader is None:
            continue
        try:
            body = reader.from_json(entry["body"])
        except RecordError as exc:
            raise _refuse(
                seq, "malformed", "its {kind} record is malformed: {why}", kind=kind, why=exc.message
            ) from None
        day = dt.date.fromisoformat(entry["time"][:10]) if kind == AccountOpened.kind else None
        folder.add(seq, day, body)
    folder.size = seq + 1
    return folder.books()
