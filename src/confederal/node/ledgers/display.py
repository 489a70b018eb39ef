"""Ledger entries in plain words, for people reading a ledger page or the API."""

from __future__ import annotations

from confederal import records
from confederal.ledger import Entry, did_key

from ..words import say
from .keys import operator_signer

__all__ = ["MAX_CHARS", "by_operator", "describe", "operator_did"]

MAX_CHARS = 200


def operator_did() -> str:
    """The author an entry of this node's operator carries (an operator's note, never an act of the assembly)."""
    return did_key(operator_signer().verifier.public_key)


def by_operator(entry: Entry) -> bool:
    return entry.author == operator_did()


def describe(entry: Entry) -> str:
    """One sentence saying what the entry records, in the reader's language."""
    text = say(records.describe(entry.kind, entry.body))
    return text if len(text) <= MAX_CHARS else text[: MAX_CHARS - 1] + "…"
