"""The entries mutual aid leaves in a member assembly's ledger: requests, offers and each assembly's vote on a grant.

Money itself moves as ``books.transaction`` entries carrying an ``aid`` link (dues paid into the assembly's own
fund holding, a grant's share paid or received); these records say what is asked, what is offered, and how
each assembly decided on a grant. A request or offer is money (an amount in the asking assembly's currency)
or goods and services in their own units (seed packets, tool loans, kWh, hours), never both.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Self

from confederal.books import Amount, BooksError, said
from confederal.ledger import N_, Fields, JSONObject, Phrase, RecordBody, RecordError, set_fields

__all__ = ["CHOICES", "AidOffer", "AidRequest", "AidVote", "request_ref"]

CHOICES = ("for", "against")


def request_ref(origin: str, number: int) -> str:
    """How a request is named across the federation: its assembly's ledger origin and its number there."""
    return f"{origin}#{number}"


@dataclass(frozen=True)
class _Ask(RecordBody):
    """A request or an offer: money, or a quantity of goods or services in their own unit, by a day."""

    federation: str
    number: int
    purpose: str
    by: date
    amount: Amount | None = None
    goods: str | None = None
    quantity: int | None = None
    unit: str | None = None

    def __post_init__(self) -> None:
        goods = (self.goods, self.quantity, self.unit)
        if self.amount is None and None in goods:
            raise RecordError("bad_field", "{kind}: name an amount of money, or goods with a quantity and unit.",
                              kind=self.kind)  # fmt: skip
        if self.amount is not None and goods != (None, None, None):
            raise RecordError("bad_field", "{kind}: money or goods, not both.", kind=self.kind)
        if self.amount is not None and self.amount.minor <= 0:
            raise RecordError("bad_field", "{kind}: the amount must be more than zero.", kind=self.kind)

    @property
    def is_money(self) -> bool:
        return self.amount is not None

    def to_json(self) -> JSONObject:
        return {
            "federation": self.federation,
            "number": self.number,
            "purpose": self.purpose,
            "by": self.by.isoformat(),
            **set_fields(
                amount=None if self.amount is None else self.amount.to_json(),
                goods=self.goods,
                quantity=self.quantity,
                unit=self.unit,
            ),
        }

    @classmethod
    def read(cls, f: Fields) -> Self:
        raw = f.optional_obj("amount")
        try:
            amount = None if raw is None else Amount.from_json(raw)
        except BooksError as exc:
            raise RecordError("bad_field", "{kind}: {why}", kind=cls.kind, why=exc.message) from None
        return cls(
            federation=f.hexdigest("federation"),
            number=f.integer("number", 1),
            purpose=f.text("purpose", 500),
            by=f.day("by"),
            amount=amount,
            goods=f.optional_text("goods", 80),
            quantity=f.optional_integer("quantity", 1, 10**9),
            unit=f.optional_text("unit", 32),
        )


@dataclass(frozen=True)
class AidRequest(_Ask):
    """An assembly asks the federation for help."""

    kind = "aid.request"

    def describe(self) -> Phrase:
        if self.amount is not None:
            return Phrase(
                N_("Asked the federation for %(amount)s by %(by)s: %(purpose)s (request %(number)s)"),
                {"amount": said(self.amount), "by": self.by, "purpose": self.purpose, "number": self.number},
            )
        return Phrase(
            N_(
                "Asked the federation for %(quantity)s %(unit)s of %(goods)s by %(by)s: %(purpose)s "
                "(request %(number)s)"
            ),
            {"quantity": self.quantity or 0, "unit": self.unit or "", "goods": self.goods or "", "by": self.by,
             "purpose": self.purpose, "number": self.number},
        )  # fmt: skip


@dataclass(frozen=True)
class AidOffer(_Ask):
    """An assembly offers help to the federation's members."""

    kind = "aid.offer"

    def describe(self) -> Phrase:
        if self.amount is not None:
            return Phrase(
                N_("Offered the federation %(amount)s until %(by)s: %(purpose)s (offer %(number)s)"),
                {"amount": said(self.amount), "by": self.by, "purpose": self.purpose, "number": self.number},
            )
        return Phrase(
            N_(
                "Offered the federation %(quantity)s %(unit)s of %(goods)s until %(by)s: %(purpose)s "
                "(offer %(number)s)"
            ),
            {"quantity": self.quantity or 0, "unit": self.unit or "", "goods": self.goods or "", "by": self.by,
             "purpose": self.purpose, "number": self.number},
        )  # fmt: skip


@dataclass(frozen=True)
class AidVote(RecordBody):
    """An assembly's vote on granting a request from the fund, written by its own adopted decision."""

    kind = "aid.vote"

    federation: str
    request: str
    choice: str
    decision: int

    def __post_init__(self) -> None:
        if self.choice not in CHOICES:
            raise RecordError("bad_field", "aid.vote: an assembly votes for or against a grant.")

    def to_json(self) -> JSONObject:
        return {"federation": self.federation, "request": self.request, "choice": self.choice,
                "decision": self.decision}  # fmt: skip

    @classmethod
    def read(cls, f: Fields) -> Self:
        return cls(
            f.hexdigest("federation"), f.text("request", 300), f.choice("choice", CHOICES), f.integer("decision", 1)
        )

    def describe(self) -> Phrase:
        said_how = (
            N_("Voted for granting aid request %(request)s by decision #%(decision)s")
            if self.choice == "for"
            else N_("Voted against granting aid request %(request)s by decision #%(decision)s")
        )
        return Phrase(said_how, {"request": self.request, "decision": self.decision})
