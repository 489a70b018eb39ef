"""What an assembly's charter says about its money: who keeps the books, what needs approval, what is public.

The charter holds these as one rule (``books``), amended by decision like any
other. They are plain values; the shell asks them who may record a payment,
whether a spend needs approving first and by whom, and what a visitor may see.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from typing import Any

from ._errors import BooksError
from ._money import Amount, Currency, _object

__all__ = ["MAX_APPROVERS", "BooksRules", "Visibility"]

MAX_APPROVERS = 50
_ROLE = re.compile(r"[a-z][a-z0-9-]{0,31}")


class Visibility(enum.StrEnum):
    """Who may see a kind of detail: everyone, or only the assembly's members."""

    PUBLIC = "public"
    MEMBERS = "members"


@dataclass(frozen=True, slots=True)
class BooksRules:
    """The charter's money rule.

    ``keepers`` are the roles whose holders record income and spending (the
    treasurer, by default). A spend above ``threshold`` or outside the adopted
    budget needs approval first: ``approvals_needed`` of the named
    ``approvers`` (never the person who spends), or — when
    ``approvals_needed`` is 0 — a decision of the assembly. ``receipts`` says
    who may open receipts; ``contributors`` whether the ledger names who paid
    a contribution (by default it does not: only the sum is public).
    """

    currency: Currency
    threshold: Amount
    keepers: tuple[str, ...] = ("treasurer",)
    approvals_needed: int = 0
    approvers: tuple[str, ...] = ()
    receipts: Visibility = Visibility.PUBLIC
    contributors: Visibility = Visibility.MEMBERS

    def __post_init__(self) -> None:
        if not isinstance(self.currency, Currency):
            raise BooksError("bad_currency", "The books need a currency, not {value!r}.", value=self.currency)
        if not isinstance(self.threshold, Amount) or self.threshold.currency != self.currency:
            raise BooksError("bad_threshold", "The approval threshold must be an amount in the books' currency.")
        if self.threshold.minor < 0:
            raise BooksError("bad_threshold", "The approval threshold must be zero or more.")
        if not isinstance(self.keepers, tuple) or not 1 <= len(self.keepers) <= 10:
            raise BooksError("bad_keepers", "Name one to ten roles that keep the books.")
        for role in self.keepers:
            if not isinstance(role, str) or not _ROLE.fullmatch(role):
                raise BooksError("bad_keepers", "{value!r} is not a role's name.", value=role)
        if not isinstance(self.approvers, tuple) or len(self.approvers) > MAX_APPROVERS:
            raise BooksError("bad_approvers", "Name at most {most} approvers.", most=MAX_APPROVERS)
        for name in self.approvers:
            if not isinstance(name, str) or not name.strip() or len(name) > 80:
                raise BooksError("bad_approvers", "An approver is named by their name in the assembly.")
        if len(set(self.approvers)) != len(self.approvers):
            raise BooksError("bad_approvers", "An approver is named twice.")
        if isinstance(self.approvals_needed, bool) or not isinstance(self.approvals_needed, int):
            raise BooksError("bad_approvals", "The number of approvals needed must be a whole number.")
        if self.approvals_needed < 0:
            raise BooksError("bad_approvals", "The number of approvals needed cannot be negative.")
        # One more approver than approvals, so that a spender who is an approver still leaves enough others.
        if self.approvals_needed and not 1 <= self.approvals_needed <= len(self.approvers) - 1:
            raise BooksError(
                "bad_approvals",
                "{needed} approvals need at least {least} named approvers, since nobody approves their own spending.",
                needed=self.approvals_needed,
                least=self.approvals_needed + 1,
            )
        for name in ("receipts", "contributors"):
            if not isinstance(getattr(self, name), Visibility):
                raise BooksError("bad_visibility", "Say whether {what} are public or for members.", what=name)

    @property
    def by_decision(self) -> bool:
        """Whether a spend that needs approval needs a decision of the assembly (rather than named approvers)."""
        return self.approvals_needed == 0

    def to_json(self) -> dict[str, Any]:
        return {
            "approvals_needed": self.approvals_needed,
            "approvers": list(self.approvers),
            "contributors": self.contributors.value,
            "currency": self.currency.to_json(),
            "keepers": list(self.keepers),
            "receipts": self.receipts.value,
            "threshold": self.threshold.minor,
        }

    @classmethod
    def from_json(cls, data: object) -> BooksRules:
        keys = {"approvals_needed", "approvers", "contributors", "currency", "keepers", "receipts", "threshold"}
        obj = _object(data, keys, "the books rule")
        currency = Currency.from_json(obj["currency"])
        for key in ("keepers", "approvers"):
            if not isinstance(obj[key], list):
                raise BooksError("malformed", "The books rule's {key} must be a list.", key=key)
        try:
            receipts, contributors = Visibility(obj["receipts"]), Visibility(obj["contributors"])
        except ValueError:
            raise BooksError("bad_visibility", "Receipts and contributors are either public or for members.") from None
        return cls(
            currency=currency,
            threshold=Amount(obj["threshold"], currency),
            keepers=tuple(obj["keepers"]),
            approvals_needed=obj["approvals_needed"],
            approvers=tuple(obj["approvers"]),
            receipts=receipts,
            contributors=contributors,
        )
