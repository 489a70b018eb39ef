"""What people read: the core's phrases translated, and one way of writing days and times.

Every date a page shows goes through :func:`day` and every time through :func:`moment`,
in the time zone active for the request (the assembly's, see :mod:`confederal.node.zones`),
with the zone named, so "8 December 2026, 18:00 CET" is the only shape a time takes.
Every sentence the core returns (a :class:`~confederal.ledger.Phrase`) is translated here
and only here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from django.utils import dateformat, timezone
from django.utils.translation import gettext, ngettext

from confederal.ledger import Amount, Param, Phrase

__all__ = ["DAY_FORMAT", "TIME_FORMAT", "amount", "day", "listing", "moment", "say"]

#: The one format of a day, and of a moment (Django's date format characters).
DAY_FORMAT = "j F Y"
TIME_FORMAT = "j F Y, H:i T"


def day(value: date) -> str:
    """A calendar day: 8 December 2026."""
    if isinstance(value, datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return dateformat.format(value, DAY_FORMAT)


def moment(value: datetime) -> str:
    """A moment, in the active time zone and naming it: 8 December 2026, 18:00 CET."""
    return dateformat.format(timezone.localtime(value), TIME_FORMAT)


def amount(value: Amount) -> str:
    """Money from its minor units: 1,320.00 EUR, 500 JPY, 2.50 hours (as many decimal places as the currency has)."""
    sign = "−" if value.minor < 0 else ""
    places = value.exponent
    whole, part = divmod(abs(value.minor), 10**places)
    decimals = f".{part:0{places}d}" if places else ""
    return f"{sign}{whole:,}{decimals} {value.currency}"


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
    else:
        message = gettext(phrase.text)
    if not phrase.params:
        return message
    return message % {name: _value(value) for name, value in phrase.params.items()}
