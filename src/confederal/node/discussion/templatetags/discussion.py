"""``{% thread "proposal" proposal.number %}``: the discussion of a thing, inside its own page."""

from __future__ import annotations

from typing import Any

from django import template

from confederal.node.discussion import selectors
from confederal.node.discussion.views import thread_context

register = template.Library()


@register.inclusion_tag("discussion/_thread.html", takes_context=True)
def thread(context: template.Context, kind: str, number: int) -> dict[str, Any]:
    """The thread about the assembly's ``kind`` number ``number`` (the page's ``assembly``)."""
    request = context["request"]
    place = selectors.place_or_404(context["assembly"], kind, number)
    return {**thread_context(request, place), "csrf_token": context.get("csrf_token")}
