"""Proposal pages: propose (including charter amendments and elections), vote, see the outcome."""

from __future__ import annotations

from datetime import date
from typing import Any

import orjson
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_htmx.http import HttpResponseClientRefresh

from confederal.decisions import METHOD_OPTIONS, Method
from confederal.node.access import access_assembly, actor, require_member
from confederal.node.assemblies.models import Member
from confederal.node.assemblies.selectors import member_count
from confederal.node.assemblies.services import charter_of
from confederal.node.errors import Refused
from confederal.node.web import Done, act, act_as_member, back_with, now, see_other
from confederal.permissions import Action, may

from . import selectors, services
from .models import Proposal

# Lazy: built once at import, translated for each reader.
METHOD_NAMES = {
    Method.CONSENT: gettext_lazy("Consent — any objection blocks until it is resolved"),
    Method.CONSENSUS: gettext_lazy("Consensus — agree, stand aside or block"),
    Method.SIMPLE_MAJORITY: gettext_lazy("Simple majority — more for than against"),
    Method.SUPER_MAJORITY: gettext_lazy("Super majority — the charter's share of for over for and against"),
    Method.APPROVAL: gettext_lazy("Approval — approve any of several options"),
    Method.SCORE: gettext_lazy("Score — give each option a score"),
    Method.INSTANT_RUNOFF: gettext_lazy("Ranked choice — instant runoff"),
    Method.SCHULZE: gettext_lazy("Ranked choice — Schulze"),
    Method.TIME_POLL: gettext_lazy("Time poll — find a time to meet"),
}


def _proposal(slug: str, number: int) -> tuple[Any, Proposal]:
    assembly = access_assembly(slug)
    proposal = selectors.proposal_or_404(assembly, number)
    return assembly, services.do_close_if_due(proposal, now())


def choice_from_form(proposal: Proposal, data: Any) -> object:
    """Read a ballot from an HTML form (one field per option where the method needs it)."""
    method = Method(proposal.method)
    ids = [o["id"] for o in proposal.options]
    if METHOD_OPTIONS[method] is not None:
        return data.get("choice", "")
    if method is Method.APPROVAL:
        return data.getlist("approve")
    if method is Method.SCORE:
        scores: dict[str, object] = {}
        for i in ids:
            text = data.get(f"score-{i}", "").strip()
            scores[i] = int(text) if text.isdecimal() and len(text) < 4 else text
        return scores
    if method is Method.TIME_POLL:
        return {i: data.get(f"slot-{i}", "") for i in ids}
    ranked: list[tuple[int, str]] = []
    for i in ids:
        text = data.get(f"rank-{i}", "").strip()
        if text:
            if not text.isdecimal() or len(text) > 3:
                raise Refused("bad_rank", _("Ranks are whole numbers: 1 for your first choice, 2 for the next…"))
            ranked.append((int(text), i))
    ranks = [rank for rank, _option in ranked]
    if len(set(ranks)) != len(ranks):
        raise Refused("duplicate_rank", _("Two options have the same rank; give each a different number."))
    return [option for _rank, option in sorted(ranked)]


def _propose_form(request: HttpRequest, assembly: Any, values: dict[str, Any], status: int = 200) -> HttpResponse:
    charter = charter_of(assembly)
    methods = [(m.value, METHOD_NAMES[m], METHOD_OPTIONS[m] is None) for m in Method]
    return render(
        request,
        "decisions/propose.html",
        {"assembly": assembly, "values": values, "methods": methods, "charter": charter},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def propose(request: HttpRequest, slug: str) -> HttpResponse:
    assembly = access_assembly(slug)
    try:
        member = require_member(request.user, assembly, Action.PROPOSE, now().date())
    except Refused as exc:
        return back_with(request, exc, reverse("assembly", args=[slug]))
    charter = charter_of(assembly)
    if request.method == "GET":
        values: dict[str, str] = {"method": charter.method.value.value, "voting_days": str(charter.voting_days.value)}
        revisits = request.GET.get("revisits", "")
        if revisits.isdecimal() and len(revisits) < 9:
            old = selectors.proposal_by_number(assembly, int(revisits))
            if old is not None:
                values["title"] = _("Review: %(title)s") % {"title": old.title}
        return _propose_form(request, assembly, values)
    values = {k: request.POST.get(k, "") for k in ("title", "text", "method", "options", "voting_days")}

    def open_vote() -> Done:
        days_text = values["voting_days"].strip()
        if days_text and (not days_text.isdecimal() or len(days_text) > 3):
            raise Refused("bad_window", _("The voting window is a whole number of days."))
        draft = services.check_propose(
            member,
            title=values["title"],
            text=values["text"],
            method=values["method"] or None,
            options=values["options"].splitlines(),
            voting_days=int(days_text) if days_text else None,
        )
        proposal = services.do_propose(draft, now())
        return Done(
            _("Your proposal is open for votes until %(when)s.")
            % {"when": proposal.closes_at.strftime("%Y-%m-%d %H:%M UTC")},
            reverse("proposal", args=[slug, proposal.number]),
        )

    return act(
        request, reverse("propose", args=[slug]), open_vote, again=lambda: _propose_form(request, assembly, values, 400)
    )


@require_POST
def amend(request: HttpRequest, slug: str) -> HttpResponse:
    """Propose a charter amendment from the charter page's form."""
    assembly = access_assembly(slug)

    def propose_amendment(member: Member) -> Done:
        rule = request.POST.get("rule", "")
        raw = request.POST.get("value", "").strip()
        try:
            value = orjson.loads(raw) if raw[:1] in '[{0123456789-tfn"' and raw else raw
        except orjson.JSONDecodeError:
            value = raw
        review_text = request.POST.get("review_on", "").strip()
        try:
            review_on = date.fromisoformat(review_text) if review_text else None
        except ValueError:
            raise Refused("bad_date", _("Give the review date as YYYY-MM-DD.")) from None
        draft = services.check_amendment(member, {rule: value}, review_on, request.POST.get("text", ""), now())
        proposal = services.do_propose(draft, now())
        return Done(
            _("The amendment is proposed; the charter changes if the assembly adopts it."),
            reverse("proposal", args=[slug, proposal.number]),
        )

    return act_as_member(request, assembly, Action.PROPOSE, reverse("charter", args=[slug]), propose_amendment)


@require_safe
def vote_status(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """The open vote's status line, for the proposal page to refresh; once closed, reload the page."""
    assembly, proposal = _proposal(slug, number)
    if proposal.status != Proposal.Status.OPEN:
        if request.headers.get("HX-Request") == "true":
            return HttpResponseClientRefresh()
        return see_other(reverse("proposal", args=[slug, number]))
    context = {
        "assembly": assembly,
        "proposal": proposal,
        "participants": selectors.participants(proposal),
        "eligible": member_count(assembly),
    }
    return render(request, "decisions/_vote_status.html", context)


@require_safe
def proposal_page(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    assembly, proposal = _proposal(slug, number)
    who, me = actor(request.user, assembly, now().date())
    mine = selectors.ballot_of(proposal, me)
    ballots = []
    if proposal.status == Proposal.Status.CLOSED and not proposal.secret:
        ballots = selectors.ballots_by_name(proposal)
    method = Method(proposal.method)
    labels = {o["id"]: o["label"] for o in proposal.options}
    context = {
        "assembly": assembly,
        "proposal": proposal,
        "method": method,
        "method_name": METHOD_NAMES[method],
        "fixed": METHOD_OPTIONS[method] is not None,
        "mine": mine,
        "mine_json": orjson.dumps(mine.choice).decode() if mine else "",
        "can_vote": may(who, Action.VOTE) and proposal.status == Proposal.Status.OPEN,
        "can_review": may(who, Action.PROPOSE),
        "is_author": me is not None and proposal.author_id == me.pk,
        "participants": selectors.participants(proposal),
        "eligible": member_count(assembly),
        "ballots": [(b, _describe(b.choice, labels)) for b in ballots],
        "labels": labels,
        "winners": [labels.get(w, w) for w in (proposal.outcome or {}).get("winners", [])],
        "due_review": proposal.review_on is not None and proposal.review_on <= now().date(),
        "max_score": proposal.rules.get("max_score", 5),
        "score_range": range(int(proposal.rules.get("max_score", 5)) + 1),
        "rank_range": range(1, len(proposal.options) + 1),
        "changes": [
            (rule, value if value is None or isinstance(value, str) else orjson.dumps(value).decode())
            for rule, value in (proposal.payload.get("changes") or {}).items()
        ],
    }
    return render(request, "decisions/proposal.html", context)


def _describe(choice: object, labels: dict[str, str]) -> str:
    if isinstance(choice, str):
        return labels.get(choice, choice)
    if isinstance(choice, list):
        return " > ".join(labels.get(str(c), str(c)) for c in choice) or _("(none)")
    if isinstance(choice, dict):
        return ", ".join(f"{labels.get(k, k)}: {v}" for k, v in choice.items())
    return str(choice)


@require_POST
def vote(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    assembly, proposal = _proposal(slug, number)

    def cast(member: Member) -> Done:
        raw = choice_from_form(proposal, request.POST)
        if request.POST.get("change") == "1":
            choice = services.check_change_vote(member, proposal, raw, now())
            services.do_change_vote(member, proposal, choice, now())
            return Done(_("Your vote is changed."))
        choice = services.check_vote(member, proposal, raw, now())
        services.do_vote(member, proposal, choice, now())
        return Done(_("Your vote is cast. You can change it until the vote closes."))

    return act_as_member(request, assembly, Action.VOTE, reverse("proposal", args=[slug, number]), cast)


@require_POST
def withdraw(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    assembly, proposal = _proposal(slug, number)

    def do_withdraw(member: Member) -> Done:
        services.do_withdraw(member, proposal, now())
        return Done(_("The proposal is withdrawn."))

    return act_as_member(request, assembly, Action.PROPOSE, reverse("proposal", args=[slug, number]), do_withdraw)


@require_POST
def keep(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    assembly, proposal = _proposal(slug, number)

    def keep_outcome(member: Member) -> Done:
        next_review = services.do_keep_outcome(member, proposal, now())
        return Done(_("Recorded: the decision stands, and comes back for review on %(day)s.") % {"day": next_review})

    return act_as_member(request, assembly, Action.PROPOSE, reverse("proposal", args=[slug, number]), keep_outcome)


@require_POST
def close_now(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """Close a vote whose window has ended (the node also does this by itself)."""
    _, proposal = _proposal(slug, number)
    return see_other(reverse("proposal", args=[slug, proposal.number]))
