"""Normalising and checking what people type, once, on the way in.

The ledger records text in Unicode normal form C and refuses any other form;
normalising at input means what is shown, stored and recorded is the same text,
and nothing accepted today can be refused when it is recorded later.

Every title (proposals, meetings, motions, councils, assemblies…) and every public
name goes through :func:`check_line`: one line, with something people can see, and
none of the characters that make text lie about itself — controls (NUL, ESC…),
invisible formatting, and the bidirectional overrides and isolates (U+202A–U+202E,
U+2066–U+2069) that make a name read backwards. Public names are also compared by
their Unicode confusable skeleton (UTS #39, :func:`lookalike`), so ``Jоnas`` with a
Cyrillic о cannot join an assembly where ``Jonas`` already is.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import Any

from disarm import skeleton_key
from django.utils.translation import gettext as _

from .errors import Refused

__all__ = ["check_line", "clean", "clean_json", "lookalike", "one_line", "skeleton"]

#: Joiners that some scripts (Persian, Indic) and emoji sequences need inside a word; no other format character.
_JOINERS = frozenset("\u200c\u200d")
#: Letters and symbols that are drawn as nothing (fillers, a blank braille cell): not something people can see.
_BLANK = frozenset("\u115f\u1160\u3164\uffa0\u2800")


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


def check_line(text: str, low: int, high: int, code: str, length: str) -> str:
    """A title or a name as stored (:func:`one_line`), if people can read it as it is.

    Raises:
        Refused: with ``code`` — ``length`` (the caller's sentence) when it is not ``low`` to ``high``
            characters long; a sentence of its own when it holds a control, format (bidirectional,
            zero-width…), private-use or unassigned character, or nothing visible at all.
    """
    line = one_line(text)
    if any(unicodedata.category(c)[0] == "C" and c not in _JOINERS for c in line):
        raise Refused(
            code,
            _(
                "Titles and names cannot hold control characters, invisible formatting or characters that "
                "change the direction of the text; type them again without those."
            ),
        )
    if line and not any(unicodedata.category(c)[0] in "LNPS" and c not in _BLANK for c in line):
        raise Refused(code, _("Titles and names need letters, figures or signs people can see, not only blank space."))
    if not low <= len(line) <= high:
        raise Refused(code, length)
    return line


def skeleton(text: str) -> str:
    """What ``text`` looks like: its UTS #39 confusable skeleton (from the Unicode confusables data ``disarm``
    ships), with case folded and ``1``/``l``, ``0``/``O`` made one; two names that look alike have the same."""
    return skeleton_key(text, digit_policy="tr39")


def lookalike(name: str, others: Iterable[str]) -> str | None:
    """The first of ``others`` that looks like ``name`` (the same skeleton) without being it, if any."""
    mine = skeleton(name)
    if not mine:
        return None
    return next((other for other in others if other != name and skeleton(other) == mine), None)
