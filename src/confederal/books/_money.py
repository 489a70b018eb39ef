"""Money as integers in minor units: currencies (ISO 4217 or a named local unit) and amounts.

An amount is never a float: it is an integer count of the currency's minor unit
(cents for EUR, yen for JPY, hundredths of an hour for "hours" with exponent 2),
bounded by ``MAX_MINOR`` so that every sum of a realistic book stays a safe
integer in the ledger's canonical JSON.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

import iso4217

from ._errors import BooksError

__all__ = ["MAX_LOCAL_EXPONENT", "MAX_MINOR", "Amount", "Currency"]

MAX_MINOR = 10**15
"""Every amount is strictly between -MAX_MINOR and MAX_MINOR minor units."""
MAX_LOCAL_EXPONENT = 6
"""A local unit may be counted in steps down to a millionth."""
_ISO_CODE = re.compile(r"[A-Z]{3}")
_LOCAL_NAME = re.compile(r"[a-z][a-z0-9 -]{0,31}")
_DECIMAL = re.compile(r"(-?)([0-9]+)(?:\.([0-9]+))?")


@cache
def _iso_exponents() -> dict[str, int]:
    """The current ISO 4217 codes that have a minor unit (not gold, SDRs or test codes), with it."""
    return {c.code: c.exponent for c in iso4217.Currency if c.exponent is not None}


def _iso_exponent(code: object) -> int:
    exponent = _iso_exponents().get(code) if isinstance(code, str) else None
    if exponent is None or not isinstance(code, str) or not _ISO_CODE.fullmatch(code):
        raise BooksError(
            "unknown_currency",
            "{unit!r} is not a current ISO 4217 currency code with a minor unit (such as EUR).",
            unit=code,
        )
    return exponent


def _whole(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise BooksError(
            "not_integer",
            "{what} must be a whole number, not {value!r}.",
            what=what,
            value=value,
        )
    return value


@dataclass(frozen=True, slots=True)
class Currency:
    """A unit of account: an ISO 4217 code (``is_iso=True``) or a named local unit.

    ISO currencies take their minor-unit exponent from the official ISO 4217
    table (the ``iso4217`` package), so ``Currency.iso("EUR").exponent == 2``,
    ``Currency.iso("JPY").exponent == 0`` and ``Currency.iso("IQD").exponent == 3``;
    a local unit ("hours", "seed packets", "kwh") takes the exponent the
    assembly chooses, 0 to ``MAX_LOCAL_EXPONENT``.
    """

    code: str
    exponent: int
    is_iso: bool

    def __post_init__(self) -> None:
        if not isinstance(self.code, str):
            raise BooksError("bad_currency", "A currency code must be text, not {value!r}.", value=self.code)
        _whole(self.exponent, "A currency's exponent")
        if self.is_iso:
            expected = _iso_exponent(self.code)
            if self.exponent != expected:
                raise BooksError(
                    "wrong_exponent",
                    "{unit} has {expected} decimal places, not {exponent}.",
                    unit=self.code,
                    expected=expected,
                    exponent=self.exponent,
                )
        else:
            if not _LOCAL_NAME.fullmatch(self.code) or self.code != self.code.strip():
                raise BooksError(
                    "bad_local_unit",
                    "A local unit's name must be 1 to 32 lower-case letters, digits, spaces or hyphens, "
                    "starting with a letter, not {unit!r}.",
                    unit=self.code,
                )
            if not 0 <= self.exponent <= MAX_LOCAL_EXPONENT:
                raise BooksError(
                    "bad_exponent",
                    "A local unit's decimal places must be between 0 and {most}, not {exponent}.",
                    most=MAX_LOCAL_EXPONENT,
                    exponent=self.exponent,
                )

    @classmethod
    def iso(cls, code: str) -> Currency:
        """The ISO 4217 currency ``code`` with its standard number of decimal places."""
        return cls(code, _iso_exponent(code), True)

    @classmethod
    def local(cls, name: str, exponent: int) -> Currency:
        """A named local unit (hours, seed packets, kwh) counted to ``exponent`` decimal places."""
        return cls(name, exponent, False)

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "exponent": self.exponent, "kind": "iso" if self.is_iso else "local"}

    @classmethod
    def from_json(cls, data: object) -> Currency:
        obj = _object(data, _CURRENCY_KEYS, "a currency")
        kind = obj["kind"]
        if kind not in ("iso", "local"):
            raise BooksError("malformed", "A currency's kind must be 'iso' or 'local', not {kind!r}.", kind=kind)
        code, exponent = obj["code"], obj["exponent"]
        if type(code) is str and type(exponent) is int:
            # Books hold one currency, read once per posting: check it once.
            return _currency(code, exponent, kind == "iso")
        return cls(code, exponent, kind == "iso")


@lru_cache(maxsize=64)
def _currency(code: str, exponent: int, is_iso: bool) -> Currency:
    return Currency(code, exponent, is_iso)


@dataclass(frozen=True, slots=True)
class Amount:
    """A whole number of minor units of one currency, ``|minor| < MAX_MINOR``."""

    minor: int
    currency: Currency

    def __post_init__(self) -> None:
        _whole(self.minor, "An amount")
        if not isinstance(self.currency, Currency):
            raise BooksError("bad_currency", "An amount needs a currency, not {value!r}.", value=self.currency)
        if not -MAX_MINOR < self.minor < MAX_MINOR:
            raise BooksError(
                "too_large",
                "{minor} minor units is beyond the books' limit of {limit} (in absolute value).",
                minor=self.minor,
                limit=MAX_MINOR - 1,
            )

    @classmethod
    def zero(cls, currency: Currency) -> Amount:
        return cls(0, currency)

    @classmethod
    def parse(cls, text: str, currency: Currency) -> Amount:
        """Read a decimal string such as ``"12.50"`` or ``"-3"`` exactly, in ``currency``.

        At most the currency's number of decimal places; no exponent, grouping or
        plus sign. ``Amount.parse(a.format(), a.currency) == a`` for every amount.
        """
        if not isinstance(text, str):
            raise BooksError("bad_decimal", "An amount must be written as text, not {value!r}.", value=text)
        match = _DECIMAL.fullmatch(text)
        if match is None:
            raise BooksError(
                "bad_decimal",
                "{text!r} is not an amount; write digits with an optional minus sign and decimal point, such as 12.50.",
                text=text,
            )
        sign, whole, fraction = match.groups()
        fraction = fraction or ""
        if len(fraction) > currency.exponent:
            raise BooksError(
                "too_precise",
                "{text!r} has more decimal places than {unit} allows ({exponent}).",
                text=text,
                unit=currency.code,
                exponent=currency.exponent,
            )
        if len(whole) > 20:
            raise BooksError("too_large", "{text!r} is beyond the books' limit.", text=text)
        minor = int(whole + fraction.ljust(currency.exponent, "0"))
        return cls(-minor if sign else minor, currency)

    def format(self) -> str:
        """The amount as a plain decimal string, with exactly the currency's decimal places."""
        digits = str(abs(self.minor))
        sign = "-" if self.minor < 0 else ""
        places = self.currency.exponent
        if places == 0:
            return sign + digits
        digits = digits.rjust(places + 1, "0")
        return f"{sign}{digits[:-places]}.{digits[-places:]}"

    def __str__(self) -> str:
        return f"{self.format()} {self.currency.code}"

    def _same(self, other: Amount) -> None:
        if not isinstance(other, Amount):
            raise BooksError("bad_amount", "Only an amount can be added to an amount, not {value!r}.", value=other)
        if other.currency != self.currency:
            raise BooksError(
                "currency_mismatch",
                "Cannot combine {one} with {other}: they are different currencies.",
                one=self.currency.code,
                other=other.currency.code,
            )

    def __add__(self, other: Amount) -> Amount:
        self._same(other)
        return Amount(self.minor + other.minor, self.currency)

    def __sub__(self, other: Amount) -> Amount:
        self._same(other)
        return Amount(self.minor - other.minor, self.currency)

    def __neg__(self) -> Amount:
        return Amount(-self.minor, self.currency)

    def to_json(self) -> dict[str, Any]:
        return {"currency": self.currency.to_json(), "minor": self.minor}

    @classmethod
    def from_json(cls, data: object) -> Amount:
        obj = _object(data, _AMOUNT_KEYS, "an amount")
        return cls(obj["minor"], Currency.from_json(obj["currency"]))


_CURRENCY_KEYS = frozenset({"code", "exponent", "kind"})
_AMOUNT_KEYS = frozenset({"currency", "minor"})


def _object(
    data: object, keys: frozenset[str] | set[str], what: str, optional: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """``data`` as a dict with exactly ``keys`` (plus any of ``optional``), or a BooksError."""
    # The usual case first, cheaply: audit-books reads a million of these, and equal key sets are all text.
    if type(data) is dict:
        got = data.keys()
        if got == keys or (optional and keys <= got and not got - keys - optional):
            return data
    if not isinstance(data, dict) or not all(isinstance(key, str) for key in data):
        raise BooksError("malformed", "Expected {what} as an object, not {value!r}.", what=what, value=data)
    missing = sorted(keys - data.keys())
    extra = sorted(data.keys() - keys - optional)
    if missing or extra:
        raise BooksError(
            "malformed",
            "{what} is malformed: missing {missing}, unexpected {extra}.",
            what=what.capitalize(),
            missing=", ".join(missing) or "nothing",
            extra=", ".join(extra) or "nothing",
        )
    return data
