"""Normalising what people type, once, on the way in.

The ledger records text in Unicode normal form C and refuses any other form;
normalising at input means what is shown, stored and recorded is the same text,
and nothing accepted today can be refused when it is recorded later.
"""

from __future__ import annotations

import unicodedata
from typing import Any

__all__ = ["clean", "clean_json", "one_line"]


def clean(text: str) -> str:
    """Text as stored: NFC, without surrounding blank space; newlines kept."""
    return unicodedata.normalize("NFC", text).strip()


def one_line(text: str) -> str:
    """A title or name: NFC, with runs of blank space (newlines included) made one space."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def clean_json(value: Any) -> Any:
    """NFC-normalise every string inside a JSON value (keys included)."""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, list):
        return [clean_json(v) for v in value]
    if isinstance(value, dict):
        return {clean_json(k): clean_json(v) for k, v in value.items()}
    return value
