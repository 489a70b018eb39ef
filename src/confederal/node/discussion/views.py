"""Discussion pages: a thread (shown inside its proposal, meeting or sense check page), edits, sense checks."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from confederal.node.access import access_assembly, membership, require_member
from confederal.node.assemblies.models import Assembly, Member
from confederal.node.errors import Refused
from confederal.node.web import Done, act, back_with, member_form, now
from confederal.permissions import Action

from . import selectors, services
from .models import Stance, Thread

_KINDS = {k.value for k in Thread.Kind}


def _place(slug: str, kind: str, number: int) -> selectors.Place:
    if kind not in _KINDS:
        raise Http404
    return selectors.place_or_404(access_assembly(slug), kind, number)


def thread_context(request: HttpRequest, place: selectors.Place) -> dict[str, Any]:
    """What ``discussion/_thread.html`` needs: whether this person may read and write, and the comments."""
    readable = selectors.readable(request.user, place)
    comments = selectors.thread_comments(place, request.user) if readable else []
    reply = request.GET.get("reply", "")
    replying = None
    if reply.isdecimal() and len(reply) < 9:
        replying = next((c for c in _flat(comments) if c.comment.number == int(reply)), None)
    return {
        "place": place,
        "readable": readable,
        "public": place.public,
        "can_write": selectors.writer(request.user, place) is not None,
        "comments": comments,
        "version": _version(comments),
        "replying": replying,
        "request": request,
        "max_body": services.MAX_BODY,
    }


def _flat(comments: list[selectors.Shown]) -> list[selectors.Shown]:
    return [s for c in comments for s in (c, *c.replies)]


def _version(comments: list[selectors.Shown]) -> str:
    flat = _flat(comments)
    times = [t for s in flat for t in (s.comment.edited_at, s.comment.taken_back_at) if t is not None]
    latest = max(times).isoformat() if times else ""
    return f"{len(flat)}.{latest}"


@require_http_methods(["GET", "POST"])
def thread(request: HttpRequest, slug: str, kind: str, number: int) -> HttpResponse:
    """An assembly's thread: see :func:`_thread`."""
    return _thread(request, _place(slug, kind, number))


@require_http_methods(["GET", "POST"])
def edit_comment(request: HttpRequest, slug: str, kind: str, number: int, comment: int) -> HttpResponse:
    return _edit(request, _place(slug, kind, number), comment)


@require_POST
def take_back(request: HttpRequest, slug: str, kind: str, number: int, comment: int) -> HttpResponse:
    return _take_back(request, _place(slug, kind, number), comment)


def _federation_place(federation_id: str, kind: str, key: str) -> selectors.Place:
    if kind not in {Thread.Kind.COUNCIL, Thread.Kind.AID} or len(key) > 64:
        raise Http404
    return selectors.federation_place_or_404(federation_id, kind, key, now())


@require_http_methods(["GET", "POST"])
def federation_thread(request: HttpRequest, federation_id: str, kind: str, key: str) -> HttpResponse:
    """A federation's thread (a council, an aid request): see :func:`_thread`."""
    return _thread(request, _federation_place(federation_id, kind, key))


@require_http_methods(["GET", "POST"])
def federation_edit(request: HttpRequest, federation_id: str, kind: str, key: str, comment: int) -> HttpResponse:
    return _edit(request, _federation_place(federation_id, kind, key), comment)


@require_POST
def federation_take_back(request: HttpRequest, federation_id: str, kind: str, key: str, comment: int) -> HttpResponse:
    return _take_back(request, _federation_place(federation_id, kind, key), comment)


@require_safe
def aid_discussion(request: HttpRequest, federation_id: str, key: str) -> HttpResponse:
    """The discussion of one aid request of a federation's fund, on a page of its own."""
    place = _federation_place(federation_id, Thread.Kind.AID, key)
    fund = reverse("fund", args=[federation_id])
    return render(request, "discussion/aid.html", {"fund": fund, **thread_context(request, place)})


def _thread(request: HttpRequest, place: selectors.Place) -> HttpResponse:
    """GET: the thread's comments (the page asks again every few seconds; 204 when nothing changed).
    POST: write a comment (or a reply), then back to it on its page."""
    if request.method == "GET":
        context = thread_context(request, place)
        if not context["readable"]:
            raise PermissionDenied(_("Only members read this discussion."))
        if request.GET.get("v") == context["version"]:
            return HttpResponse(status=204)
        return render(request, "discussion/_comments.html", context)
    parent_text = request.POST.get("parent", "").strip()

    def write() -> Done:
        if parent_text and (not parent_text.isdecimal() or len(parent_text) > 8):
            raise Refused("bad_parent", _("There is no such comment in this discussion to reply to."))
        draft = services.check_comment(
            request.user, place, request.POST.get("body", ""), int(parent_text) if parent_text else None
        )
        comment = services.do_comment(draft, now())
        return Done(_("Your comment is posted."), f"{place.url}#comment-{comment.number}")

    return act(request, f"{place.url}#discussion", write)


def _edit(request: HttpRequest, place: selectors.Place, number: int) -> HttpResponse:
    """Change one's own comment; the earlier version stays visible under "edited"."""
    row = selectors.comment_or_404(place, number)
    back = f"{place.url}#comment-{row.number}"
    if request.method == "GET":
        try:
            services.check_take_back(request.user, place, row)  # the same checks: theirs, not taken back
        except Refused as refused:
            return back_with(request, refused, back)
        return render(request, "discussion/edit.html", {"place": place, "comment": row})

    def edit() -> Done:
        body = services.check_edit(request.user, place, row, request.POST.get("body", ""))
        services.do_edit(place, row, body, now())
        return Done(_("Your comment is changed; its earlier version stays visible."), back)

    return act(request, back, edit)


def _take_back(request: HttpRequest, place: selectors.Place, number: int) -> HttpResponse:
    """Take back one's own comment: its words go, a line saying so stays (replies keep their place)."""
    row = selectors.comment_or_404(place, number)
    back = f"{place.url}#comment-{row.number}"

    def take() -> Done:
        services.do_take_back(services.check_take_back(request.user, place, row), now())
        return Done(_("Your comment is taken back."), back)

    return act(request, back, take)


def _closes_at(text: str, assembly: Assembly) -> datetime:
    try:
        day = datetime.fromisoformat(text.strip())
    except ValueError:
        raise Refused("bad_close", _("Give the closing time as a date and time, such as 2027-01-15 18:00.")) from None
    if day.tzinfo is None:
        day = timezone.make_aware(day, timezone.get_current_timezone())
    return day


@require_http_methods(["GET", "POST"])
def new_sense_check(request: HttpRequest, slug: str) -> HttpResponse:
    """Open a sense check: "How do you feel about this?", not binding, not in the ledger."""
    assembly = access_assembly(slug)
    here = reverse("new-sense-check", args=[slug])

    def form(member: Member) -> HttpResponse:
        values = {k: request.POST.get(k, "") for k in ("question", "text", "closes_at")}
        if request.method == "GET":
            values["closes_at"] = timezone.localtime(now() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
            return render(request, "discussion/new_check.html", {"assembly": assembly, "values": values})

        def open_it() -> Done:
            moment = now()
            draft = services.check_sense_check(
                member, values["question"], values["text"], _closes_at(values["closes_at"], assembly), moment
            )
            check = services.do_sense_check(draft, moment)
            return Done(_("Your sense check is open."), reverse("sense-check", args=[slug, check.number]))

        return act(
            request,
            here,
            open_it,
            again=lambda: render(
                request, "discussion/new_check.html", {"assembly": assembly, "values": values}, status=400
            ),
        )

    return member_form(request, assembly, Action.PROPOSE, reverse("assembly", args=[slug]), form)


@require_safe
def sense_check(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """A sense check: the question, how many feel which way and what they said, its thread."""
    assembly = access_assembly(slug)
    check = selectors.sense_check_or_404(assembly, number)
    me = membership(request.user, assembly)
    if me is None and not selectors.public(assembly):
        refused = Refused(
            "not_a_member", _("Only members of %(assembly)s see its sense checks.") % {"assembly": assembly.name}
        )
        return back_with(request, refused, reverse("assembly", args=[slug]))
    mine = selectors.mine(check, me)
    place = selectors.place_or_404(assembly, Thread.Kind.CHECK, number)
    propose = reverse("propose", args=[slug]) + "?" + urlencode({"title": check.question, "text": check.text})
    return render(
        request,
        "discussion/check.html",
        {
            "assembly": assembly,
            "check": check,
            "open": check.closes_at > now(),
            "tally": selectors.tally(check),
            "answers": selectors.answers(check),
            "mine": mine,
            "me": me,
            "stances": Stance.choices,
            "propose": propose,
            "max_line": services.MAX_LINE,
            "text": selectors.rendered(check.text, place) if check.text else "",
        },
    )


@require_POST
def answer(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """Answer a sense check, or change one's answer while it is open."""
    assembly = access_assembly(slug)
    check = selectors.sense_check_or_404(assembly, number)
    back = reverse("sense-check", args=[slug, number])

    def give() -> Done:
        moment = now()
        member = require_member(request.user, assembly, Action.VOTE, moment.date())
        said = services.check_answer(
            member, check, request.POST.get("stance", ""), request.POST.get("line", ""), moment
        )
        services.do_answer(member, check, said, moment)
        return Done(_("Your answer is counted; you can change it until the check closes."), back)

    return act(request, back, give)
