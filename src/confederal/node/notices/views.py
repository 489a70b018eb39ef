"""The inbox, its read marks, a person's mail settings, and the one-click unsubscribe of RFC 8058."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from confederal.node.access import signed_in
from confederal.node.errors import Refused
from confederal.node.web import Done, act, now

from . import selectors, services
from .context import keep_count

#: Items on one page of the inbox.
PER_PAGE = 50


@login_required
@require_http_methods(["GET"])
def inbox(request: HttpRequest) -> HttpResponse:
    """Everything that waits for the signed-in person, newest first; read items fade."""
    user = signed_in(request.user)
    items = selectors.inbox(user, now())
    page = Paginator(items, PER_PAGE).get_page(request.GET.get("page"))
    unread = sum(1 for i in items if not i.read)
    keep_count(user.pk, unread)  # the header shows the same count without computing the inbox again
    return render(request, "notices/inbox.html", {"items": page, "page": page, "unread": unread})


@login_required
@require_http_methods(["POST"])
def mark_read(request: HttpRequest) -> HttpResponse:
    """Mark one item read (``key``), or every item of the inbox (``all``)."""
    user = signed_in(request.user)

    def mark() -> Done:
        moment = now()
        if request.POST.get("all"):
            keys = [item.key for item in selectors.inbox(user, moment)]
        else:
            keys = request.POST.getlist("key")
        services.do_mark_read(user, keys, moment)
        return Done(_("Marked read."), reverse("inbox"))

    return act(request, reverse("inbox"), mark)


@login_required
@require_http_methods(["POST"])
def mail_settings(request: HttpRequest) -> HttpResponse:
    """Save the person's address, the kinds mailed at once, and their digest."""
    user = signed_in(request.user)
    back = reverse("account") + "#mail"

    def save() -> Done:
        checked = services.check_mail_settings(
            user,
            request.POST.get("email", ""),
            request.POST.getlist("immediate"),
            request.POST.get("digest", "off"),
        )
        services.do_save_mail_settings(user, checked, now())
        return Done(_("Your mail settings are saved."), back)

    return act(request, back, save)


def _what(what: str) -> str:
    return str(selectors.KINDS[what]) if what in selectors.KINDS else _("The digest")


@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """RFC 8058: a bare POST turns that kind of mail off (200, again and again, never a redirect, no session).

    A GET only shows a page with a button, since link scanners follow every link of a mail.
    """
    try:
        if request.method == "POST":
            user, what = services.do_unsubscribe(token)
            done = True
        else:
            user, what = services.what_token_stops(token)
            done = False
    except Refused as refused:
        return render(request, "notices/unsubscribe.html", {"refused": refused.message}, status=refused.status)
    return render(
        request,
        "notices/unsubscribe.html",
        {"done": done, "what": _what(what), "name": user.get_username(), "token": token},
    )
