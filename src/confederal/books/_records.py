"""The entries an assembly's books leave in its ledger: accounts, adopted budgets, transactions, spends and approvals.

The ledger holds the books whole: anyone with a verified copy can fold these
entries back into every balance and budget line (``confederal audit-books``).
Nothing is edited: a correction is a new transaction reversing an earlier one.
A contribution names its contributor only if the charter makes contributors
public; otherwise only the amount is in the ledger.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Self, TypeVar

from confederal.ledger import N_, Fields, JSONObject, Phrase, RecordBody, RecordError, set_fields
from confederal.ledger import Amount as _Said

from ._books import Account, Transaction
from ._budget import Approval, Budget
from ._errors import BooksError
from ._money import Amount, Currency

__all__ = [
    "PURPOSES",
    "AccountOpened",
    "AidLink",
    "BudgetAdopted",
    "SpendApproved",
    "SpendDeclined",
    "SpendRequested",
    "TransactionRecorded",
    "said",
]

T = TypeVar("T")

#: Why money moves under a federation's mutual-aid commitment.
PURPOSES = ("dues", "grant")


def said(amount: Amount) -> _Said:
    """An amount as a phrase carries it (the shell writes it with the currency's decimal places)."""
    return _Said(amount.minor, amount.currency.code, amount.currency.exponent)


def _core(kind: str, f: Fields, key: str, parse: Callable[[object], T]) -> T:
    """Read a nested value with the books core's own parser; its errors become the ledger's."""
    try:
        return parse(f.raw(key))
    except BooksError as exc:
        raise RecordError("bad_field", "{kind}: {why}", kind=kind, why=exc.message) from None


@dataclass(frozen=True)
class AccountOpened(RecordBody):
    """An account the books post to from now on (opened by the first act that uses it)."""

    kind = "books.account"

    account: Account

    def to_json(self) -> JSONObject:
        return {"account": self.account.to_json()}

    @classmethod
    def read(cls, f: Fields) -> Self:
        return cls(_core(cls.kind, f, "account", Account.from_json))

    def describe(self) -> Phrase:
        return Phrase(N_("Account opened: %(name)s"), {"name": self.account.name})


@dataclass(frozen=True)
class BudgetAdopted(RecordBody):
    """A budget the assembly adopted by decision; a later one for an overlapping period amends it."""

    kind = "books.budget"

    decision: int
    title: str
    budget: Budget

    def to_json(self) -> JSONObject:
        return {"decision": self.decision, "title": self.title, "budget": self.budget.to_json()}

    @classmethod
    def read(cls, f: Fields) -> Self:
        return cls(f.integer("decision", 1), f.text("title", 200), _core(cls.kind, f, "budget", Budget.from_json))

    def describe(self) -> Phrase:
        total = sum(line.amount.minor for line in self.budget.lines)
        currency = self.budget.lines[0].amount.currency
        return Phrase(
            N_("Budget adopted by decision #%(decision)s: %(title)s, %(total)s from %(start)s to %(end)s"),
            {
                "decision": self.decision,
                "title": self.title,
                "total": said(Amount(total, currency)),
                "start": self.budget.start,
                "end": self.budget.end,
            },
        )


@dataclass(frozen=True)
class AidLink:
    """What ties a transaction to a federation's mutual aid: dues paid in, or a grant paid or received."""

    federation: str
    purpose: str
    #: The aid request a grant answers ("<assembly ledger origin>#<number>").
    request: str | None = None
    #: The other side of a grant's transfer (its assembly's ledger origin).
    counterparty: str | None = None

    def __post_init__(self) -> None:
        if self.purpose not in PURPOSES:
            raise RecordError("bad_field", "Mutual aid moves as dues or a grant.")
        if self.purpose == "grant" and (self.request is None or self.counterparty is None):
            raise RecordError("bad_field", "A grant names the request it answers and the other assembly.")

    def to_json(self) -> JSONObject:
        return {
            "federation": self.federation,
            "purpose": self.purpose,
            **set_fields(request=self.request, counterparty=self.counterparty),
        }

    @classmethod
    def read(cls, f: Fields) -> AidLink:
        link = cls(
            f.text("federation", 200),
            f.choice("purpose", PURPOSES),
            f.optional_text("request", 300),
            f.optional_text("counterparty", 300),
        )
        f.done()
        return link


@dataclass(frozen=True)
class TransactionRecorded(RecordBody):
    """Money in or out, or moved between accounts, as a keeper of the books recorded it.

    ``approval`` is the spend request whose approval allowed it; ``contributor``
    names who paid a contribution, only where the charter makes that public.
    """

    kind = "books.transaction"

    number: int
    transaction: Transaction
    recorded_by: str
    approval: int | None = None
    contributor: str | None = None
    aid: AidLink | None = None

    def to_json(self) -> JSONObject:
        return {
            "number": self.number,
            "transaction": self.transaction.to_json(),
            "recorded_by": self.recorded_by,
            **set_fields(
                approval=self.approval,
                contributor=self.contributor,
                aid=None if self.aid is None else self.aid.to_json(),
            ),
        }

    @classmethod
    def read(cls, f: Fields) -> Self:
        aid = f.optional_obj("aid")
        return cls(
            number=f.integer("number", 1),
            transaction=_core(cls.kind, f, "transaction", Transaction.from_json),
            recorded_by=f.text("recorded_by", 80),
            approval=f.optional_integer("approval", 1),
            contributor=f.optional_text("contributor", 80),
            aid=None if aid is None else AidLink.read(Fields(cls.kind + " aid", aid)),
        )

    def describe(self) -> Phrase:
        txn = self.transaction
        moved = said(Amount(sum(p.amount.minor for p in txn.postings if p.amount.minor > 0), _currency(txn)))
        if txn.reverses is not None:
            return Phrase(
                N_("Transaction %(number)s on %(day)s reverses transaction %(reversed)s: %(reason)s"),
                {"number": self.number, "day": txn.date, "reversed": txn.reverses, "reason": txn.reason or ""},
            )
        return Phrase(
            N_("Transaction %(number)s on %(day)s: %(description)s, %(amount)s"),
            {"number": self.number, "day": txn.date, "description": txn.description, "amount": moved},
        )


def _currency(txn: Transaction) -> Currency:
    return txn.postings[0].amount.currency


@dataclass(frozen=True)
class SpendRequested(RecordBody):
    """A spend that needs approval before it is paid, with the reasons it needs it."""

    kind = "books.spend"

    number: int
    transaction: Transaction
    requested_by: str
    reasons: tuple[Approval, ...]

    def to_json(self) -> JSONObject:
        return {
            "number": self.number,
            "transaction": self.transaction.to_json(),
            "requested_by": self.requested_by,
            "reasons": [reason.value for reason in self.reasons],
        }

    @classmethod
    def read(cls, f: Fields) -> Self:
        choices = tuple(reason.value for reason in Approval)
        reasons = []
        for value in f.items("reasons", len(choices)):
            if value not in choices:
                raise RecordError("bad_field", "{kind}: a spend needs approval for a known reason.", kind=cls.kind)
            reasons.append(Approval(value))
        return cls(
            number=f.integer("number", 1),
            transaction=_core(cls.kind, f, "transaction", Transaction.from_json),
            requested_by=f.text("requested_by", 80),
            reasons=tuple(reasons),
        )

    def describe(self) -> Phrase:
        txn = self.transaction
        spend = Amount(sum(p.amount.minor for p in txn.postings if p.amount.minor > 0), _currency(txn))
        return Phrase(
            N_("Spend %(number)s asked for approval by %(who)s: %(description)s, %(amount)s"),
            {"number": self.number, "who": self.requested_by, "description": txn.description, "amount": said(spend)},
        )


@dataclass(frozen=True)
class SpendApproved(RecordBody):
    """One approval of a spend request: by a named approver, or by a decision of the assembly."""

    kind = "books.approval"

    request: int
    approver: str | None = None
    decision: int | None = None

    def __post_init__(self) -> None:
        if (self.approver is None) == (self.decision is None):
            raise RecordError("bad_field", "A spend is approved by a named approver or by a decision, not both.")

    def to_json(self) -> JSONObject:
        return {"request": self.request, **set_fields(approver=self.approver, decision=self.decision)}

    @classmethod
    def read(cls, f: Fields) -> Self:
        return cls(f.integer("request", 1), f.optional_text("approver", 80), f.optional_integer("decision", 1))

    def describe(self) -> Phrase:
        if self.decision is not None:
            return Phrase(
                N_("Spend %(request)s approved by decision #%(decision)s"),
                {"request": self.request, "decision": self.decision},
            )
        return Phrase(
            N_("Spend %(request)s approved by %(who)s"), {"request": self.request, "who": self.approver or ""}
        )


@dataclass(frozen=True)
class SpendDeclined(RecordBody):
    """A spend request that will not be paid: declined by an approver or a decision, or withdrawn, with why."""

    kind = "books.declined"

    request: int
    by: str
    reason: str

    def to_json(self) -> JSONObject:
        return {"request": self.request, "by": self.by, "reason": self.reason}

    @classmethod
    def read(cls, f: Fields) -> Self:
        return cls(f.integer("request", 1), f.text("by", 80), f.text("reason", 500))

    def describe(self) -> Phrase:
        return Phrase(
            N_("Spend %(request)s declined by %(who)s: %(reason)s"),
            {"request": self.request, "who": self.by, "reason": self.reason},
        )
