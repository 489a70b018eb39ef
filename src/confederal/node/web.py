"""Small helpers every page uses: the time, turning a refusal into a message, and a form's POST."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from . import clock
from .errors import Refused

if TYPE_CHECKING:
    from confederal.permissions import Action

    from .assemblies.models import Assembly, Member

__all__ = [
    "Done",
    "act",
    "act_as_member",
    "back_with",
    "client_address",
    "confirm",
    "demo_context",
    "member_form",
    "now",
    "on_this_node",
    "see_other",
]


def now() -> datetime:
    """The node's clock (:mod:`confederal.node.clock`): real time, unless the test suite moved it."""
    return clock.now()


def see_other(to: str) -> HttpResponseRedirect:
    """Redirect after a POST with 303, so reloading the next page does not send the form again."""
    response = HttpResponseRedirect(to)
    response.status_code = 303
    return response


def on_this_node(request: HttpRequest, target: str | None, default: str) -> str:
    """``target`` (a place to go next taken from the request) if it stays on this node, else ``default``.

    Every redirect to a place a request names goes through here, so no link can send people off-site
    (``//evil.example``, ``https://evil.example``, ``/\\evil.example`` all give ``default``).
    """
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return default


def back_with(request: HttpRequest, refused: Refused, to: str) -> HttpResponseRedirect:
    """Go back to ``to`` showing why the request was refused (nothing was changed)."""
    messages.error(request, refused.message)
    return see_other(to)


@dataclass(frozen=True)
class Done:
    """What a form's action did: the message to show, and where to go next (``None``: back to the form)."""

    message: str = ""
    to: str | None = None
    warning: bool = False


def act(
    request: HttpRequest,
    back: str,
    action: Callable[[], Done | None],
    again: Callable[[], HttpResponse] | None = None,
) -> HttpResponse:
    """Run a form's action: on a refusal go back to ``back`` with its message, else show what was done.

    ``action`` checks (raising :class:`Refused`) and calls the service; it returns a
    :class:`Done`, or ``None`` to go back without a message. A refusal never
    becomes a server error: nothing was changed, and the person reads why —
    above the form ``again`` shows (with what they typed), if given, else at ``back``.
    """
    token = ""
    try:
        token, earlier = _claim(request, back)
        if earlier is not None:
            return earlier
        done = action() or Done()
    except Refused as refused:
        _forget(token)
        if again is None:
            return back_with(request, refused, back)
        messages.error(request, refused.message)
        return again()
    except BaseException:
        _forget(token)
        raise
    if done.message:
        (messages.warning if done.warning else messages.success)(request, done.message)
    if token:
        from .once.services import do_note_done

        do_note_done(token, done.message, done.to or back)
    return see_other(done.to or back)


def _claim(request: HttpRequest, back: str) -> tuple[str, HttpResponse | None]:
    """Claim the form's one-time token (``{% once %}``), if it carries one: ``(token, None)`` when this request
    is the first to carry it; ``(token, answer)`` when an earlier one did, the answer saying what that one did.

    Raises:
        Refused: the token was tampered with.
    """
    from .once.services import FIELD, check_token, do_claim

    text = request.POST.get(FIELD, "") if request.method == "POST" else ""
    if not text:
        return "", None
    token = check_token(text)
    earlier = do_claim(token, now())
    if earlier is None:
        return token, None
    if not earlier.to:
        messages.info(request, _("This is already being done; reload the page in a moment to see it."))
        return "", see_other(back)
    said = _("This was already done.")
    messages.info(request, f"{said} {earlier.message}" if earlier.message else said)
    return "", see_other(earlier.to)


def _forget(token: str) -> None:
    if token:
        from .once.services import do_forget

        do_forget(token)


def act_as_member(
    request: HttpRequest, assembly: Assembly, needs: Action, back: str, action: Callable[[Member], Done | None]
) -> HttpResponse:
    """:func:`act`, for a member who may do ``needs`` in the assembly: ``action`` receives their membership."""
    from .access import require_member

    return act(request, back, lambda: action(require_member(request.user, assembly, needs, now().date())))


def member_form(
    request: HttpRequest, assembly: Assembly, needs: Action, back: str, form: Callable[[Member], HttpResponse]
) -> HttpResponse:
    """A form page (shown on GET, acted on by POST) only for a member who may do ``needs``: ``form`` receives their
    membership; anyone else goes back to ``back`` with why, before seeing a form they could not send."""
    from .access import require_member

    try:
        member = require_member(request.user, assembly, needs, now().date())
    except Refused as refused:
        return back_with(request, refused, back)
    return form(member)


def confirm(
    request: HttpRequest,
    *,
    heading: str,
    lede: str,
    public: str,
    button: str,
    cancel: str,
    hidden: Sequence[tuple[str, str]] = (),
) -> HttpResponse:
    """The page that asks before an act that cannot be undone: what it does, what becomes public and permanent,
    a button that sends the act (a POST to this same address, with ``hidden`` fields) and Cancel (``cancel``).

    It is an ordinary page (no script needed); the POST it sends still checks everything itself.
    """
    from django.shortcuts import render

    context = {"heading": heading, "lede": lede, "public": public, "button": button, "cancel": cancel}
    return render(request, "confirm.html", context | {"hidden": list(hidden)})


def demo_context(request: HttpRequest) -> dict[str, object]:
    """On a demo node, tell the sign-in page which accounts exist and their shared password."""
    from django.conf import settings

    if not settings.DEMO:
        return {}
    from .demo import DEMO_PASSWORD, demo_accounts, demo_accounts_with_codes

    return {
        "demo_accounts": demo_accounts(),
        "demo_password": DEMO_PASSWORD,
        "demo_accounts_with_codes": demo_accounts_with_codes(),
    }


def client_address(request: HttpRequest) -> str:
    """The address a request came from: the connection's own, or with ``CONFEDERAL_PROXY_HOPS`` = N set, the one the
    outermost of the operator's N proxies saw connect to it (the Nth entry from the right of X-Forwarded-For; entries
    further left were written by the client and are never believed). Guessing is counted per address.
    """
    from django.conf import settings

    own = str(request.META.get("REMOTE_ADDR") or "")
    hops = settings.PROXY_HOPS
    seen = [part.strip() for part in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",") if part.strip()]
    if not hops or not seen:
        return own
    # Too few entries: the request skipped the outer proxies; the leftmost was still written by one of them.
    address = seen[-hops] if len(seen) >= hops else seen[0]
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return own
