"""The books rule the demo's three assemblies open in their founding charters, so their money can move in the
federation's mutual-aid fund while the demo runs (the story's steps are in ``node/federation/story.py``)."""

from __future__ import annotations

from confederal.books import Amount, BooksRules, Currency

__all__ = ["BOOKS"]

_EUR = Currency.iso("EUR")

#: The facilitator keeps the books beside the treasurer: the energy co-op draws its treasurer only at the end of
#: its story, and the food hub's treasurer must sign in with a code, which the demo's scripted story cannot type.
BOOKS = BooksRules(currency=_EUR, threshold=Amount(10_000, _EUR), keepers=("treasurer", "facilitator")).to_json()
