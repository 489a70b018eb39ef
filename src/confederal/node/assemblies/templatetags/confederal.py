from __future__ import annotations

from collections.abc import Mapping

from django import template
from django.utils.translation import gettext_lazy as _

register = template.Library()


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
