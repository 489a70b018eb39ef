"""Double entry: accounts, postings, balanced transactions, reversals and balances.

Signs follow the usual convention: a positive posting is a debit (an asset grows,
an expense is incurred), a negative one a credit (income is earned, an opening
balance is brought into equity). Every transaction sums to zero in each currency,
so the balances of all accounts together always sum to zero too.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from ._errors import BooksError
from ._money import Amount, Currency, _object

__all__ = [
    "MAX_POSTINGS",
    "Account",
    "AccountKind",
    "Posting",
    "Transaction",
    "balances",
    "check_accounts",
    "reverse",
]

MAX_POSTINGS = 100
MAX_TEXT = 500
_MAX_NAME = 64
_DIGEST = re.compile(r"[0-9a-f]{64}")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class AccountKind(enum.StrEnum):
    """What an account holds: money or goods (cash, bank, in kind), a category, or equity."""

    CASH = "cash"
    BANK = "bank"
    IN_KIND = "in_kind"
    INCOME = "income"
    EXPENSE = "expense"
    EQUITY = "equity"

    @property
    def is_asset(self) -> bool:
        return self in (AccountKind.CASH, AccountKind.BANK, AccountKind.IN_KIND)


def _text(value: object, what: str, most: int) -> str:
    # The same as ``value.strip() == value != ""``, without copying the text (a million descriptions are read).
    if not isinstance(value, str) or not 0 < len(value) <= most or value[0].isspace() or value[-1].isspace():
        raise BooksError(
            "bad_text",
            "{what} must be 1 to {most} characters without leading or trailing spaces, not {value!r}.",
            what=what,
            most=most,
            value=value,
        )
    return value


def _date(value: object, what: str) -> dt.date:
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise BooksError("bad_date", "{what} must be a calendar date, not {value!r}.", what=what, value=value)
    return value


def _parse_date(value: object, what: str) -> dt.date:
    """A ``YYYY-MM-DD`` string as a date, or a BooksError."""
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise BooksError("malformed", "{what} must be a date such as 2026-12-07, not {value!r}.", what=what, value=value)


@dataclass(frozen=True, slots=True)
class Account:
    """A named account of one kind; names are unique within an assembly's books."""

    name: str
    kind: AccountKind

    def __post_init__(self) -> None:
        _text(self.name, "An account's name", _MAX_NAME)
        if not isinstance(self.kind, AccountKind):
            raise BooksError(
                "bad_account_kind",
                "An account's kind must be one of {kinds}, not {value!r}.",
                kinds=", ".join(kind.value for kind in AccountKind),
                value=self.kind,
            )

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind.value, "name": self.name}

    @classmethod
    def from_json(cls, data: object) -> Account:
        obj = _object(data, {"kind", "name"}, "an account")
        kinds = {kind.value: kind for kind in AccountKind}
        if not isinstance(obj["kind"], str) or obj["kind"] not in kinds:
            raise BooksError(
                "bad_account_kind",
                "An account's kind must be one of {kinds}, not {value!r}.",
                kinds=", ".join(kinds),
                value=obj["kind"],
            )
        return cls(obj["name"], kinds[obj["kind"]])


@dataclass(frozen=True, slots=True)
class Posting:
    """One leg of a transaction: ``amount`` debited (positive) or credited (negative) to ``account``."""

    account: str
    amount: Amount

    def __post_init__(self) -> None:
        _text(self.account, "A posting's account", _MAX_NAME)
        if not isinstance(self.amount, Amount):
            raise BooksError("bad_amount", "A posting needs an amount, not {value!r}.", value=self.amount)
        if self.amount.minor == 0:
            raise BooksError("zero_posting", "A posting to {account} is zero; leave it out.", account=self.account)

    def to_json(self) -> dict[str, Any]:
        return {"account": self.account, "amount": self.amount.to_json()}

    @classmethod
    def from_json(cls, data: object) -> Posting:
        obj = _object(data, _POSTING_KEYS, "a posting")
        return cls(obj["account"], Amount.from_json(obj["amount"]))


@dataclass(frozen=True, slots=True)
class Transaction:
    """A dated, balanced set of postings, perhaps against a budget line, with a receipt's digest.

    A correction never edits: it is a new transaction that ``reverses`` the
    earlier one (by its digest or ledger reference) and says why (``reason``).
    """

    date: dt.date
    description: str
    postings: tuple[Posting, ...]
    budget_line: str | None = None
    receipt: str | None = None
    reverses: str | None = None
    reason: str | None = None

    def __post_init__(self) -> None:
        _date(self.date, "A transaction's date")
        _text(self.description, "A transaction's description", MAX_TEXT)
        if not isinstance(self.postings, tuple) or not all(isinstance(p, Posting) for p in self.postings):
            raise BooksError("bad_postings", "A transaction's postings must be a tuple of postings.")
        if not 2 <= len(self.postings) <= MAX_POSTINGS:
            raise BooksError(
                "too_few_postings" if len(self.postings) < 2 else "too_many_postings",
                "A transaction needs 2 to {most} postings, not {count}.",
                most=MAX_POSTINGS,
                count=len(self.postings),
            )
        for currency, total in _totals(self.postings).items():
            if total != 0:
                raise BooksError(
                    "unbalanced",
                    "The postings in {unit} add up to {total}, not zero; every transaction must balance.",
                    unit=currency.code,
                    total=Amount(total, currency).format() if abs(total) < 10**15 else str(total),
                )
        if self.budget_line is not None:
            _text(self.budget_line, "A budget line's name", _MAX_NAME)
        if self.receipt is not None and (not isinstance(self.receipt, str) or not _DIGEST.fullmatch(self.receipt)):
            raise BooksError(
                "bad_receipt",
                "A receipt is named by its SHA-256 digest (64 lower-case hex digits), not {value!r}.",
                value=self.receipt,
            )
        if (self.reverses is None) != (self.reason is None):
            raise BooksError("reason_needed", "A reversing transaction needs both what it reverses and a reason.")
        if self.reverses is not None:
            _text(self.reverses, "The reversed transaction's reference", _MAX_NAME * 2)
            _text(self.reason, "A reversal's reason", MAX_TEXT)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "date": self.date.isoformat(),
            "description": self.description,
            "postings": [posting.to_json() for posting in self.postings],
        }
        for key in ("budget_line", "receipt", "reverses", "reason"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        return data

    @classmethod
    def from_json(cls, data: object) -> Transaction:
        obj = _object(data, _TRANSACTION_KEYS, "a transaction", _TRANSACTION_OPTIONAL)
        if not isinstance(obj["postings"], list):
            raise BooksError("malformed", "A transaction's postings must be a list.")
        return cls(
            date=_parse_date(obj["date"], "A transaction's date"),
            description=obj["description"],
            postings=tuple(Posting.from_json(item) for item in obj["postings"]),
            budget_line=obj.get("budget_line"),
            receipt=obj.get("receipt"),
            reverses=obj.get("reverses"),
            reason=obj.get("reason"),
        )

    def digest(self) -> str:
        """SHA-256 (hex) of the transaction's sorted-key JSON: a reference for reversals before it is in a ledger."""
        return hashlib.sha256(orjson.dumps(self.to_json(), option=orjson.OPT_SORT_KEYS)).hexdigest()


_POSTING_KEYS = frozenset({"account", "amount"})
_TRANSACTION_KEYS = frozenset({"date", "description", "postings"})
_TRANSACTION_OPTIONAL = frozenset({"budget_line", "receipt", "reverses", "reason"})


def _totals(postings: Sequence[Posting]) -> dict[Currency, int]:
    one = postings[0].amount.currency if postings else None
    if all(posting.amount.currency is one for posting in postings):
        # One currency object throughout (readers share them): no hashing needed.
        return {one: sum(posting.amount.minor for posting in postings)} if one is not None else {}
    totals: dict[Currency, int] = {}
    for posting in postings:
        currency = posting.amount.currency
        totals[currency] = totals.get(currency, 0) + posting.amount.minor
    return totals


def reverse(txn: Transaction, reason: str, date: dt.date, reference: str | None = None) -> Transaction:
    """The transaction that undoes ``txn``: every posting negated, saying why.

    ``reference`` names the reversed transaction (its ledger entry, say); by
    default its ``digest()``. A reversal of a reversal is refused: record the
    original again instead, so the story stays readable.
    """
    if txn.reverses is not None:
        raise BooksError("reverse_reversal", "A reversal cannot itself be reversed; record the original again.")
    return Transaction(
        date=date,
        description=txn.description,
        postings=tuple(Posting(p.account, -p.amount) for p in txn.postings),
        budget_line=txn.budget_line,
        reverses=txn.digest() if reference is None else reference,
        reason=reason,
    )


def check_accounts(accounts: Sequence[Account], transactions: Iterable[Transaction]) -> dict[str, Account]:
    """The accounts by name, after checking names are unique and every posting's account is declared."""
    by_name: dict[str, Account] = {}
    for account in accounts:
        if not isinstance(account, Account):
            raise BooksError("bad_account", "Expected an account, not {value!r}.", value=account)
        if account.name in by_name:
            raise BooksError("duplicate_account", "The account {name!r} is declared twice.", name=account.name)
        by_name[account.name] = account
    for txn in transactions:
        for posting in txn.postings:
            if posting.account not in by_name:
                raise BooksError(
                    "unknown_account",
                    "The transaction {description!r} posts to {account!r}, which is not an account of these books.",
                    description=txn.description,
                    account=posting.account,
                )
    return by_name


def balances(
    accounts: Sequence[Account], transactions: Sequence[Transaction]
) -> Mapping[str, Mapping[Currency, Amount]]:
    """Each declared account's balance per currency (debits positive); currencies at zero are left out."""
    check_accounts(accounts, transactions)
    sums: dict[str, dict[Currency, int]] = {account.name: {} for account in accounts}
    for txn in transactions:
        for posting in txn.postings:
            per = sums[posting.account]
            currency = posting.amount.currency
            per[currency] = per.get(currency, 0) + posting.amount.minor
    return {
        name: {currency: Amount(total, currency) for currency, total in per.items() if total != 0}
        for name, per in sums.items()
    }
