from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

from django import template
from django.utils.translation import gettext_lazy as _

from confederal.ledger import Phrase
from confederal.node import words

register = template.Library()


@register.filter
def day(value: date | None) -> str:
    """A day in the one format pages use: ``{{ term.end|day }}`` → 8 December 2026."""
    return words.day(value) if value is not None else ""


@register.filter
def moment(value: datetime | None) -> str:
    """A time in the assembly's zone, naming it: ``{{ vote.closes_at|moment }}`` → 8 December 2026, 18:00 CET."""
    return words.moment(value) if value is not None else ""


@register.filter
def say(value: Phrase | None) -> str:
    """A phrase of the core in the reader's language."""
    return words.say(value) if value is not None else ""


@register.filter
def names(value: list[str] | tuple[str, ...]) -> str:
    """Names as a sentence lists them: Amara, Jonas and Lucía."""
    return words.listing(tuple(value))


@register.filter
def get_item(mapping: Mapping[str, object], key: str) -> object:
    """Look a key up in a dict from a template: ``{{ roles|get_item:key }}``."""
    return mapping.get(key)


_STATUS = {
    "adopted": _("adopted"),
    "rejected": _("rejected"),
    "blocked": _("blocked"),
    "no_consensus": _("no consensus"),
    "no_quorum": _("no quorum"),
    "tie": _("tie"),
    "chosen": _("chosen"),
    "no_votes": _("no votes"),
    "open": _("open"),
    "withdrawn": _("withdrawn"),
    "closed": _("closed"),
}


@register.filter
def status_label(status: str | None) -> str:
    """A decision's status in words: ``no_quorum`` → "no quorum"."""
    return str(_STATUS.get(status or "", status or ""))
