"""Notes a node's operator may append by hand. Their entries' author is the operator, never the assembly.

Nothing here is a decision of an assembly: these are facts an operator writes down
(a payment made, a meter read) until the assembly records them through its own
acts. ``confederal append`` refuses every other kind.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Self

from confederal.ledger import N_, Amount, Fields, JSONObject, Phrase, RecordBody, RecordError, set_fields

__all__ = ["FinanceNote", "MetricNote"]

_CURRENCY = re.compile(r"[A-Z]{3}\Z|[A-Za-z][A-Za-z0-9 -]{0,31}\Z")


@dataclass(frozen=True)
class FinanceNote(RecordBody):
    """Money that came in or went out, as the operator noted it."""

    kind = "finance.txn"
    operator = True

    title: str
    direction: str
    amount: Amount
    category: str | None = None

    def __post_init__(self) -> None:
        if self.direction not in {"in", "out"}:
            raise RecordError("bad_field", "A payment's direction is in or out.")
        if self.amount.minor < 0 or not _CURRENCY.match(self.amount.currency):
            raise RecordError(
                "bad_field", "An amount is a non-negative whole number of cents and a currency such as EUR."
            )

    def to_json(self) -> JSONObject:
        return {
            "title": self.title,
            "direction": self.direction,
            "amount": {"currency": self.amount.currency, "minor": self.amount.minor},
            **set_fields(category=self.category),
        }

    @classmethod
    def read(cls, f: Fields) -> Self:
        amount = Fields("finance.txn amount", f.obj("amount"))
        body = cls(
            title=f.text("title", 200),
            direction=f.text("direction", 3),
            amount=Amount(amount.integer("minor"), amount.text("currency", 32)),
            category=f.optional_text("category", 60),
        )
        amount.done()
        return body

    def describe(self) -> Phrase:
        message = N_("%(title)s: %(amount)s received") if self.direction == "in" else N_("%(title)s: %(amount)s spent")
        return Phrase(message, {"title": self.title, "amount": self.amount})


@dataclass(frozen=True)
class MetricNote(RecordBody):
    """A result measured over a period, as the operator noted it."""

    kind = "metric"
    operator = True

    name: str
    value: int
    unit: str
    period: str | None = None

    def to_json(self) -> JSONObject:
        return {"name": self.name, "value": self.value, "unit": self.unit, **set_fields(period=self.period)}

    @classmethod
    def read(cls, f: Fields) -> Self:
        return cls(f.text("name", 80), f.integer("value"), f.text("unit", 32), f.optional_text("period", 120))

    def describe(self) -> Phrase:
        what = self.name.replace("_", " ")
        if self.period:
            return Phrase(
                N_("%(what)s: %(value)s %(unit)s (%(period)s)"),
                {"what": what, "value": self.value, "unit": self.unit, "period": self.period},
            )
        return Phrase(N_("%(what)s: %(value)s %(unit)s"), {"what": what, "value": self.value, "unit": self.unit})
