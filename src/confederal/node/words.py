"""What people read: the core's phrases translated, and one way of writing days and times.

Every date a page shows goes through :func:`day` and every time through :func:`moment`,
in the time zone active for the request (the assembly's, see :mod:`confederal.node.zones`),
with the zone named, so "8 December 2026, 18:00 CET" is the only shape a time takes in English
("8 décembre 2026 à 18:00 CET", "8 de diciembre de 2026, 18:00 CET": one shape per language, always
the 24-hour clock), and money is written with the language's separators (1,320.00 / 1 320,00 / 1.320,00).
Every sentence the core returns (a :class:`~confederal.ledger.Phrase`) is translated here
and only here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction

from django.utils import dateformat, timezone
from django.utils.translation import get_language, gettext, ngettext

from confederal.ledger import Amount, Param, Phrase

__all__ = [
    "DAY_FORMAT",
    "FORMATS",
    "TIME_FORMAT",
    "Formats",
    "amount",
    "day",
    "formats",
    "listing",
    "moment",
    "number",
    "percent",
    "say",
]


@dataclass(frozen=True)
class Formats:
    """How one language writes a day, a moment (Django's date format characters) and a number."""

    day: str
    time: str
    thousands: str
    decimal: str
    percent: str = "%(n)s%%"


#: The one format of each language of ``settings.LANGUAGES`` (French groups thousands with a narrow no-break space).
FORMATS: dict[str, Formats] = {
    "en": Formats(day="j F Y", time="j F Y, H:i T", thousands=",", decimal="."),
    "es": Formats(
        day=r"j \d\e F \d\e Y", time=r"j \d\e F \d\e Y, H:i T", thousands=".", decimal=",", percent="%(n)s\u00a0%%"
    ),
    "fr": Formats(day="j F Y", time=r"j F Y \à H:i T", thousands="\u202f", decimal=",", percent="%(n)s\u202f%%"),
}
#: English's, the format of any language without its own.
DAY_FORMAT = FORMATS["en"].day
TIME_FORMAT = FORMATS["en"].time


def formats() -> Formats:
    """The formats of the active language (English's for a language without its own)."""
    language = (get_language() or "en").split("-")[0]
    return FORMATS.get(language, FORMATS["en"])


def day(value: date) -> str:
    """A calendar day: 8 December 2026 (8 décembre 2026, 8 de diciembre de 2026)."""
    if isinstance(value, datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return dateformat.format(value, formats().day)


def moment(value: datetime) -> str:
    """A moment, in the active time zone and naming it: 8 December 2026, 18:00 CET."""
    return dateformat.format(timezone.localtime(value), formats().time)


def amount(value: Amount) -> str:
    """Money from its minor units: 1,320.00 EUR, 500 JPY, 2.50 hours (as many decimal places as the currency has),
    with the separators of the reader's language (1 320,00 EUR in French, 1.320,00 EUR in Spanish)."""
    f = formats()
    sign = "−" if value.minor < 0 else ""
    places = value.exponent
    whole, part = divmod(abs(value.minor), 10**places)
    decimals = f"{f.decimal}{part:0{places}d}" if places else ""
    return f"{sign}{whole:,}".replace(",", f.thousands) + f"{decimals} {value.currency}"


def number(value: float | Fraction | Decimal | int, places: int = 0, *, trim: bool = False) -> str:
    """A number with the reader's separators and ``places`` decimals (``trim``: without trailing zeros):
    1,320.5 in English, 1 320,5 in French, 1.320,5 in Spanish."""
    f = formats()
    text = f"{float(value):,.{places}f}"
    if trim and places:
        text = text.rstrip("0").rstrip(".")
    return text.replace(",", "\0").replace(".", f.decimal).replace("\0", f.thousands)


def percent(share: float | Fraction | Decimal, places: int = 1) -> str:
    """A share (0.061) as a percentage: 6.1% in English, 6,1 % in French and Spanish."""
    return formats().percent % {"n": number(share * 100, places)}


def listing(names: Sequence[str]) -> str:
    """Names as a sentence lists them: "Amara", "Amara and Jonas", "Amara, Jonas and Lucía"."""
    items = [str(n) for n in names]
    if not items:
        return gettext("nobody")
    if len(items) == 1:
        return items[0]
    return gettext("%(first)s and %(last)s") % {"first": ", ".join(items[:-1]), "last": items[-1]}


def _value(param: Param) -> str:
    if isinstance(param, Phrase):
        return say(param)
    if isinstance(param, datetime):
        return moment(param)
    if isinstance(param, date):
        return day(param)
    if isinstance(param, Amount):
        return amount(param)
    if isinstance(param, tuple):
        return listing(param)
    return str(param)


def say(phrase: Phrase) -> str:
    """The phrase in the reader's language, its values written for people."""
    if phrase.plural is not None and phrase.count is not None:
        message = ngettext(phrase.text, phrase.plural, phrase.count)
        if message in (phrase.text, phrase.plural):
            # The core marks each form with its own N_(), so a catalog holds them as two messages.
            message = gettext(phrase.text if phrase.count == 1 else phrase.plural)
    else:
        message = gettext(phrase.text)
    if not phrase.params:
        return message
    return message % {name: _value(value) for name, value in phrase.params.items()}
