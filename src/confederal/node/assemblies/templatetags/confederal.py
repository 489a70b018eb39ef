from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

from django import template
from django.utils.translation import gettext_lazy as _

from confederal.books import Amount, Currency, said
from confederal.charter import describe_rule
from confederal.ledger import JSONValue, Phrase
from confederal.node import words
from confederal.node.books.services import reason_words
from confederal.records import reason_phrase
from confederal.roles import RoleRules

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
def money(minor: int | None, currency: Currency) -> str:
    """Minor units of the books' currency in the one format money takes: ``{{ a.balance|money:currency }}`` → 1,320.00
    EUR."""
    return words.amount(said(Amount(minor or 0, currency)))


@register.filter
def spend_reasons(reasons: list[str]) -> str:
    """Why a spend needs approval, as one clause: "it is above the charter's threshold and …"."""
    return str(_(" and ")).join(reason_words(reasons))


@register.filter
def reason(code: str | None) -> str:
    """Why a member sits out, in words: ``holds_another_role`` → "holds another role"."""
    return words.say(reason_phrase(code or ""))


@register.filter
def role_rules(rules: RoleRules, role: str) -> str:
    """A role's rules as a sentence: ``{{ r.rules|role_rules:r.key }}`` → "Facilitator: terms of 30 days, …"."""
    value: JSONValue = {
        "term_days": rules.term_days,
        "max_consecutive_terms": rules.max_consecutive_terms,
        "cooldown_terms": rules.cooldown_terms,
        "rotation": rules.rotation.value,
    }
    return words.say(describe_rule(f"roles.{role}", value))


_ANSWERS = {"for": _("for"), "against": _("against"), "abstain": _("abstain")}


@register.filter
def answer(choice: str | None) -> str:
    """A delegate's vote or instruction in words: ``for`` → "for", in the reader's language."""
    return str(_ANSWERS.get(choice or "", _("another answer")))


_ROTATIONS = {"rota": _("by rota"), "lottery": _("by lottery"), "election": _("by election")}


@register.filter
def rotation_label(rotation: str | None) -> str:
    """How a term was given, in words: ``lottery`` → "by lottery"."""
    return str(_ROTATIONS.get(rotation or "", _("another way")))


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
