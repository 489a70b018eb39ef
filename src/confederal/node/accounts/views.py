"""Signing up, signing in (with a second step for two-factor codes) and out, passwords, and API tokens."""

from __future__ import annotations

from base64 import b32encode
from datetime import datetime, timedelta
from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST
from django.views.i18n import set_language

from confederal.node.access import signed_in
from confederal.node.errors import Refused
from confederal.node.web import Done, act, now, on_this_node, see_other
from confederal.node.zones import SESSION_KEY, zone_choices

from . import selectors, services
from .language import SESSION_KEY as LANGUAGE_SESSION_KEY

_BACKEND = "django.contrib.auth.backends.ModelBackend"
# A sign-in whose password was right waits this long for its two-factor code, in the session only.
_PENDING = "confederal.sign_in_pending"
_PENDING_FOR = timedelta(minutes=5)


def _next(request: HttpRequest) -> str:
    return on_this_node(request, request.POST.get("next") or request.GET.get("next"), "/")


@require_http_methods(["GET", "POST"])
def sign_up(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return render(request, "accounts/sign_up.html", {"next": _next(request), "values": {}})
    values = {k: request.POST.get(k, "") for k in ("username", "email")}
    try:
        username, password, email = services.check_sign_up(
            values["username"], request.POST.get("password", ""), values["email"]
        )
    except Refused as exc:
        messages.error(request, exc.message)
        return render(request, "accounts/sign_up.html", {"next": _next(request), "values": values}, status=400)
    user = services.do_sign_up(username, password, email)
    login(request, user, backend=_BACKEND)
    messages.success(request, _("Welcome, %(name)s. Your account is ready.") % {"name": username})
    return see_other(_next(request))


@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    user = signed_in(request.user)
    created = None
    if request.method == "POST":
        created = services.do_create_token(user, request.POST.get("label", ""), now())
    rows = selectors.live_tokens(user)
    return render(request, "accounts/tokens.html", {"tokens": rows, "created": created})


@login_required
@require_POST
def revoke_token(request: HttpRequest, token_id: int) -> HttpResponse:

    def revoke() -> Done:
        services.do_revoke_token(signed_in(request.user), token_id, now())
        return Done(_("The token is revoked."))

    return act(request, reverse("tokens"), revoke)


@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    """The password; then, for an account with two-factor sign-in on, the code (:func:`sign_in_code`)."""
    form = AuthenticationForm(request, data=request.POST if request.method == "POST" else None)
    context: dict[str, Any] = {"form": form, "next": _next(request)}
    if request.method == "GET":
        return render(request, "accounts/sign_in.html", context)
    # Too many wrong attempts: django-axes refuses in authenticate(), and its middleware answers with `paused`.
    if not form.is_valid():
        return render(request, "accounts/sign_in.html", context, status=400)
    user = form.get_user()
    if selectors.two_factor_device(user) is not None:
        request.session[_PENDING] = {"user": user.pk, "until": (now() + _PENDING_FOR).isoformat()}
        return see_other(_with_next("sign-in-code", request))
    login(request, user, backend=_BACKEND)
    return see_other(_next(request))


def _with_next(name: str, request: HttpRequest) -> str:
    return reverse(name) + "?" + urlencode({"next": _next(request)})


def _pending(request: HttpRequest) -> User | None:
    """The account whose password was just given, waiting for its code (if not too long ago)."""
    pending = request.session.get(_PENDING)
    if not isinstance(pending, dict):
        return None
    try:
        until = datetime.fromisoformat(str(pending.get("until")))
    except ValueError:
        return None
    return selectors.user_by_id(pending.get("user")) if now() < until else None


@require_http_methods(["GET", "POST"])
def sign_in_code(request: HttpRequest) -> HttpResponse:
    user = _pending(request)
    if user is None:
        messages.error(request, _("Sign in with your password first, then type the code."))
        return see_other(_with_next("sign-in", request))
    context = {"next": _next(request)}
    if request.method == "GET":
        return render(request, "accounts/sign_in_code.html", context)
    name = user.get_username()
    try:
        services.check_not_paused(request, name)
        services.check_second_step(user, request.POST.get("code", ""))
    except Refused as refused:
        if refused.code == "wrong_code":
            services.note_failed_attempt(request, name)  # a fifth wrong code pauses the account, like passwords
        messages.error(request, refused.message)
        return render(request, "accounts/sign_in_code.html", context, status=refused.status)
    del request.session[_PENDING]
    login(request, user, backend=_BACKEND)
    return see_other(_next(request))


def paused(
    request: HttpRequest, response: HttpResponse | None = None, credentials: dict[str, Any] | None = None
) -> HttpResponse:
    """What django-axes answers while attempts are paused (``AXES_LOCKOUT_CALLABLE``): when to try again, as a
    sentence on the sign-in page, or as the API's error; status 429 either way."""
    name = services.attempted_name(request, credentials) if credentials is not None else _pending_name(request)
    refusal = services.pause_refusal(request, name)
    if request.path.startswith("/api/"):
        answer: HttpResponse = JsonResponse({"code": refusal.code, "detail": refusal.message}, status=429)
    else:
        messages.error(request, refusal.message)
        context = {"form": AuthenticationForm(request), "next": _next(request)}
        answer = render(request, "accounts/sign_in.html", context, status=429)
    answer["Retry-After"] = str(max(1, int((refusal.until - now()).total_seconds())))
    return answer


def _pending_name(request: HttpRequest) -> str | None:
    user = _pending(request)
    return user.get_username() if user else None


@login_required
@require_http_methods(["GET", "POST"])
def password(request: HttpRequest) -> HttpResponse:
    user = signed_in(request.user)
    if request.method == "GET":
        return render(request, "accounts/password.html")

    def change() -> Done:
        new = services.check_password_change(user, request.POST.get("current", ""), request.POST.get("new", ""))
        services.do_change_password(user, new)
        update_session_auth_hash(request, user)  # stay signed in here; other sessions end
        return Done(_("Your password is changed."), reverse("account"))

    return act(request, reverse("password"), change, lambda: render(request, "accounts/password.html", status=400))


@login_required
@require_http_methods(["GET"])
def account(request: HttpRequest) -> HttpResponse:
    user = signed_in(request.user)
    return render(
        request,
        "accounts/account.html",
        {
            "two_factor": selectors.two_factor_device(user) is not None,
            "codes_left": selectors.recovery_codes_left(user),
            "time_zone": selectors.chosen_time_zone(user),
            "zones": zone_choices(),
            "language": selectors.language_of(user),
        },
    )


@login_required
@require_POST
def time_zone(request: HttpRequest) -> HttpResponse:
    """The person's own time zone: every time is then shown, and typed, in it (blank: each assembly's own)."""
    user = signed_in(request.user)

    def choose() -> Done:
        zone = services.check_time_zone(request.POST.get("time_zone", ""))
        services.do_set_time_zone(user, zone)
        request.session[SESSION_KEY] = zone
        if zone:
            return Done(_("Times are now shown, and typed, in %(zone)s.") % {"zone": zone}, reverse("account"))
        return Done(_("Times now follow each assembly's own time zone."), reverse("account"))

    return act(request, reverse("account"), choose)


@login_required
@require_http_methods(["GET", "POST"])
def two_factor(request: HttpRequest) -> HttpResponse:
    """Setting up an authenticator app: its secret (as a QR code, a link and groups of four), then a code from it."""
    user = signed_in(request.user)
    if selectors.two_factor_device(user) is not None and request.method == "GET":
        return see_other(reverse("account"))
    if request.method == "POST":
        try:
            codes = services.do_confirm_two_factor(user, request.POST.get("code", ""))
        except Refused as refused:
            messages.error(request, refused.message)
        else:
            messages.success(request, _("Two-factor sign-in is on."))
            return render(request, "accounts/recovery_codes.html", {"codes": codes})
    device = selectors.pending_two_factor_device(user)
    if device is None:
        try:
            device = services.do_start_two_factor(user)
        except Refused as refused:
            messages.error(request, refused.message)
            return see_other(reverse("account"))
    return render(
        request,
        "accounts/two_factor.html",
        _secret(device.config_url, device.bin_key),
        status=200 if request.method == "GET" else 400,
    )


def _secret(url: str, key: bytes) -> dict[str, str]:
    """The secret as an otpauth:// link, a QR code of it (SVG, drawn by segno) and groups of four letters to type."""
    letters = b32encode(key).decode()
    svg = segno.make(url, error="m").svg_inline(scale=4, title=_("QR code for your authenticator app"))
    return {"url": url, "qr": svg, "groups": " ".join(letters[i : i + 4] for i in range(0, len(letters), 4))}


@login_required
@require_POST
def two_factor_off(request: HttpRequest) -> HttpResponse:

    def turn_off() -> Done:
        services.do_turn_off_two_factor(signed_in(request.user), request.POST.get("password", ""))
        return Done(_("Two-factor sign-in is off. You sign in with your password alone."))

    return act(request, reverse("account"), turn_off)


# The footer's language switch for visitors: Django's own view, which only sets the language cookie and returns to
# the page (``next``, kept on this node). It takes no CSRF token, so the pages of visitors that carry it can still
# be kept for the next visitor (node/pagecache.py); at worst another site could switch someone's language.
choose_language = csrf_exempt(set_language)


@login_required
@require_POST
def language(request: HttpRequest) -> HttpResponse:
    """A person's own language for the node's pages (blank: their browser's)."""
    user = signed_in(request.user)

    def choose() -> Done:
        code = services.check_language(request.POST.get("language", ""))
        services.do_set_language(user, code)
        request.session[LANGUAGE_SESSION_KEY] = code
        translation.activate(code or translation.get_language_from_request(request))
        return Done(_("Your language is saved."), _next(request) if request.POST.get("next") else reverse("account"))

    return act(request, reverse("account"), choose)
