"""Small helpers every page uses: the time, and turning a refusal into a message."""

from __future__ import annotations

from datetime import datetime

from django.contrib import messages
from django.http import HttpRequest, HttpResponseRedirect

from . import clock
from .errors import Refused

__all__ = ["back_with", "demo_context", "now", "see_other"]


def now() -> datetime:
    """The node's clock (:mod:`confederal.node.clock`): real time, unless the test suite moved it."""
    return clock.now()


def see_other(to: str) -> HttpResponseRedirect:
    """Redirect after a POST with 303, so reloading the next page does not send the form again."""
    response = HttpResponseRedirect(to)
    response.status_code = 303
    return response


def back_with(request: HttpRequest, refused: Refused, to: str) -> HttpResponseRedirect:
    """Go back to ``to`` showing why the request was refused (nothing was changed)."""
    messages.error(request, refused.message)
    return see_other(to)


def demo_context(request: HttpRequest) -> dict[str, object]:
    """On a demo node, tell the sign-in page which accounts exist and their shared password."""
    from django.conf import settings

    if not settings.DEMO:
        return {}
    from .demo import DEMO_PASSWORD, demo_accounts

    return {"demo_accounts": demo_accounts(), "demo_password": DEMO_PASSWORD}
