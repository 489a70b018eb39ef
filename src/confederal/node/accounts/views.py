"""Signing up, signing in and out, and API tokens."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from confederal.node.access import signed_in
from confederal.node.errors import Refused
from confederal.node.web import Done, act, now, on_this_node, see_other

from . import selectors, services


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
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
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
