"""``{% thread "proposal" proposal.number %}``: the discussion of a thing, inside its own page."""

from __future__ import annotations

from typing import Any

from django import template

from confederal.node.discussion import selectors
from confederal.node.discussion.views import thread_context
from confederal.node.web import now

register = template.Library()


@register.inclusion_tag("discussion/_thread.html", takes_context=True)
def thread(context: template.Context, kind: str, number: int) -> dict[str, Any]:
    """The thread about the assembly's ``kind`` number ``number`` (the page's ``assembly``)."""
    request = context["request"]
    place = selectors.place_or_404(context["assembly"], kind, number)
    return {**thread_context(request, place), "csrf_token": context.get("csrf_token")}


@register.inclusion_tag("discussion/_thread.html", takes_context=True)
def federation_thread(context: template.Context, kind: str, key: str) -> dict[str, Any]:
    """The thread about the page's federation's (``fed``) council or aid request ``key``."""
    request = context["request"]
    place = selectors.federation_place_or_404(context["fed"].id, kind, key, now())
    return {**thread_context(request, place), "csrf_token": context.get("csrf_token")}


@register.filter
def aid_key(ref: str) -> str:
    """An aid request's ref as the address of its discussion."""
    return selectors.aid_key(ref)
