"""Records: what an entry's body holds, typed, checked, and said in plain words.

Every kind of record is one class (a :class:`RecordBody`) in the core package of its
concept: the kind's name, its fields, how it is read from and written to JSON, and
one sentence saying what it records. ``confederal.records`` lists them all. A body
read from any ledger — this node's or a peer's — goes through ``from_json``, which
raises :class:`RecordError` and nothing else, so a malformed record is refused or
ignored with a reason, never half-read.

Sentences are :class:`Phrase` values: an English message with ``%(name)s``
placeholders, marked with :func:`N_` so translation tools find it, and its
parameters as typed values (names, numbers, days, times, amounts). The shell
translates the message and formats each parameter for the reader — dates in the
assembly's time zone, lists joined as the language joins them.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import ClassVar, Self, TypeAlias

from ._canonical import JSONObject, JSONValue
from ._errors import LedgerError

__all__ = [
    "N_",
    "Amount",
    "Fields",
    "Param",
    "Phrase",
    "RecordBody",
    "RecordError",
    "set_fields",
]


def N_(message: str) -> str:
    """Mark ``message`` for translation without translating it (the shell translates when it renders)."""
    return message


class RecordError(LedgerError):
    """A record's body is malformed for its kind; ``message`` says which field and why."""


@dataclass(frozen=True)
class Amount:
    """Money in integer minor units (cents), never a float; ``exponent`` is the currency's decimal places."""

    minor: int
    currency: str
    exponent: int = 2


#: What a phrase's placeholders may hold; a tuple of names reads as a list ("Amara, Jonas and Lucía").
Param: TypeAlias = "str | int | date | datetime | Amount | Phrase | tuple[str, ...]"


@dataclass(frozen=True)
class Phrase:
    """A sentence for people: a message to translate and the values to put in it.

    With ``plural`` and ``count``, the message is chosen by the count (``ngettext``).
    """

    text: str
    params: Mapping[str, Param] = field(default_factory=dict)
    plural: str | None = None
    count: int | None = None


class RecordBody(ABC):
    """The body of one kind of record. Subclasses are frozen dataclasses that check their fields."""

    #: The kind's name, as entries carry it: lowercase words joined by dots.
    kind: ClassVar[str]
    #: Operator kinds are notes a node's operator may append by hand; the entry's author then
    #: marks the operator, never the assembly. Every other kind is written only by the act it records.
    operator: ClassVar[bool] = False

    @abstractmethod
    def to_json(self) -> JSONObject:
        """The body as it goes into the ledger (inside the canonical JSON profile)."""

    @classmethod
    def from_json(cls, data: Mapping[str, JSONValue]) -> Self:
        """Read a body back; the inverse of :meth:`to_json`.

        Raises:
            RecordError: a field is missing, unknown, of the wrong type or out of range.
        """
        fields = Fields(cls.kind, data)
        body = cls.read(fields)
        fields.done()
        return body

    @classmethod
    @abstractmethod
    def read(cls, fields: Fields) -> Self:
        """The body, each of its fields read through ``fields``; :meth:`from_json` then refuses any field left unread.

        Raises:
            RecordError: a field is missing, of the wrong type or out of range.
        """

    @abstractmethod
    def describe(self) -> Phrase:
        """One sentence saying what this record records."""


def set_fields(**values: JSONValue) -> JSONObject:
    """The optional fields among ``values`` that are set: a body leaves out a field that is None."""
    return {key: value for key, value in values.items() if value is not None}


_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z\Z")


class Fields:
    """Reads a record body field by field, refusing what does not fit with the field's name in the message.

    Call :meth:`done` last: a field nobody read is refused, so nothing in a body goes unchecked.
    """

    def __init__(self, kind: str, data: object) -> None:
        if not isinstance(data, dict):
            raise RecordError("bad_body", "A {kind} record's body must be a JSON object.", kind=kind)
        self.kind = kind
        self.data: Mapping[str, JSONValue] = data
        self._read: set[str] = set()

    def _error(self, key: str, what: str) -> RecordError:
        return RecordError("bad_field", "In a {kind} record, {key} must be {what}.", kind=self.kind, key=key, what=what)

    def has(self, key: str) -> bool:
        return key in self.data

    def raw(self, key: str) -> JSONValue:
        self._read.add(key)
        if key not in self.data:
            raise RecordError("missing_field", "A {kind} record needs {key}.", kind=self.kind, key=key)
        return self.data[key]

    def text(self, key: str, limit: int = 20_000, *, empty: bool = False) -> str:
        value = self.raw(key)
        if not isinstance(value, str) or len(value) > limit or (not empty and not value.strip()):
            raise self._error(key, f"text of at most {limit} characters" + ("" if empty else ", not empty"))
        return value

    def optional_text(self, key: str, limit: int = 20_000) -> str | None:
        if self.data.get(key) is None:
            self._read.add(key)
            return None
        return self.text(key, limit, empty=True)

    def integer(self, key: str, low: int = 0, high: int = 2**53 - 1) -> int:
        value = self.raw(key)
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise self._error(key, f"a whole number from {low} to {high}")
        return value

    def optional_integer(self, key: str, low: int = 0, high: int = 2**53 - 1) -> int | None:
        if self.data.get(key) is None:
            self._read.add(key)
            return None
        return self.integer(key, low, high)

    def boolean(self, key: str) -> bool:
        value = self.raw(key)
        if not isinstance(value, bool):
            raise self._error(key, "true or false")
        return value

    def choice(self, key: str, choices: tuple[str, ...]) -> str:
        value = self.raw(key)
        if value not in choices:
            raise self._error(key, "one of " + ", ".join(choices))
        assert isinstance(value, str)
        return value

    def obj(self, key: str) -> JSONObject:
        value = self.raw(key)
        if not isinstance(value, dict):
            raise self._error(key, "an object")
        return value

    def optional_obj(self, key: str) -> JSONObject | None:
        if self.data.get(key) is None:
            self._read.add(key)
            return None
        return self.obj(key)

    def items(self, key: str, limit: int = 10_000) -> list[JSONValue]:
        value = self.raw(key)
        if not isinstance(value, list) or len(value) > limit:
            raise self._error(key, f"a list of at most {limit} items")
        return value

    def each(self, key: str, limit: int = 10_000) -> list[Fields]:
        """The objects listed under ``key``, each to read field by field (call ``done`` on each)."""
        values = self.items(key, limit)
        if not all(isinstance(v, dict) for v in values):
            raise self._error(key, "a list of objects")
        return [Fields(f"{self.kind} {key}", v) for v in values]

    def texts(self, key: str, limit: int = 10_000, each: int = 200) -> tuple[str, ...]:
        values = self.items(key, limit)
        if not all(isinstance(v, str) and len(v) <= each for v in values):
            raise self._error(key, f"a list of texts of at most {each} characters")
        return tuple(v for v in values if isinstance(v, str))

    def day(self, key: str) -> date:
        value = self.raw(key)
        try:
            if not isinstance(value, str) or not _DATE.match(value):
                raise ValueError(value)
            return date.fromisoformat(value)
        except ValueError:
            raise self._error(key, "a day such as 2026-12-08") from None

    def optional_day(self, key: str) -> date | None:
        if self.data.get(key) is None:
            self._read.add(key)
            return None
        return self.day(key)

    def moment(self, key: str) -> datetime:
        value = self.raw(key)
        try:
            if not isinstance(value, str) or not _TIME.match(value):
                raise ValueError(value)
            return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        except ValueError:
            raise self._error(key, "a time such as 2026-12-08T18:00:00Z") from None

    def hexdigest(self, key: str, digits: int = 64) -> str:
        value = self.raw(key)
        if not isinstance(value, str) or not re.fullmatch(f"[0-9a-f]{{{digits}}}", value):
            raise self._error(key, f"{digits} lowercase hexadecimal digits")
        return value

    def done(self) -> None:
        """Refuse fields the kind does not have."""
        unknown = sorted(set(self.data) - self._read)
        if unknown:
            raise RecordError(
                "unknown_field",
                "A {kind} record has no field {fields}.",
                kind=self.kind,
                fields=", ".join(unknown),
            )
