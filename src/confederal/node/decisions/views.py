"""Proposal pages: propose (including charter amendments and elections), vote, see the outcome."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import date
from typing import Any
from urllib.parse import urlencode

import orjson
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_htmx.http import HttpResponseClientRefresh

from confederal.books import Amount as BooksAmount
from confederal.charter import describe_rule, method_phrase
from confederal.decisions import (
    MAX_REASON,
    METHOD_OPTIONS,
    READING_TIME,
    DecisionError,
    Method,
    Outcome,
    needs_reason,
    objection_of,
)
from confederal.node.access import access_assembly, actor
from confederal.node.assemblies.models import Member
from confederal.node.assemblies.selectors import member_count
from confederal.node.assemblies.services import charter_of
from confederal.node.errors import Refused
from confederal.node.web import Done, act, act_as_member, back_with, confirm, member_form, now, see_other
from confederal.node.words import day, listing, moment, say
from confederal.permissions import Action, may
from confederal.records import outcome_phrase

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
    Method.PARTICIPATORY_BUDGET: gettext_lazy("Participatory budget — share a pot among options with costs"),
}


def _proposal(slug: str, number: int) -> tuple[Any, Proposal]:
    assembly = access_assembly(slug)
    proposal = selectors.proposal_or_404(assembly, number)
    return assembly, services.do_close_if_due(proposal, now())


def _as_member(
    request: HttpRequest,
    slug: str,
    number: int,
    needs: Action,
    action: Callable[[Member, Proposal], Done],
    query: str = "",
) -> HttpResponse:
    """A form's action on the proposal by a member who may do ``needs``; back to its page (with ``query``)."""
    assembly, proposal = _proposal(slug, number)
    back = reverse("proposal", args=[slug, number]) + query
    return act_as_member(request, assembly, needs, back, lambda member: action(member, proposal))


def choice_from_form(proposal: Proposal, data: Any) -> object:
    """Read a ballot from an HTML form (one field per option where the method needs it)."""
    method = Method(proposal.method)
    ids = [o["id"] for o in proposal.options]
    if METHOD_OPTIONS[method] is not None:
        return data.get("choice", "")
    if method in (Method.APPROVAL, Method.PARTICIPATORY_BUDGET):
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
        {
            "assembly": assembly,
            "values": values,
            "methods": methods,
            "charter": charter,
            "default_method": method_phrase(charter.method.value.value),
            "currency": services.assembly_currency(assembly).code,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def propose(request: HttpRequest, slug: str) -> HttpResponse:
    assembly = access_assembly(slug)

    def form(member: Member) -> HttpResponse:
        charter = charter_of(assembly)
        if request.method == "GET":
            values: dict[str, str] = {
                "method": charter.method.value.value,
                "voting_days": str(charter.voting_days.value),
            }
            revisits = request.GET.get("revisits", "")
            if revisits.isdecimal() and len(revisits) < 9:
                old = selectors.proposal_by_number(assembly, int(revisits))
                if old is not None:
                    values["title"] = _("Review: %(title)s") % {"title": old.title}
            for prefilled in ("title", "text"):  # "Turn into a proposal" from a sense check
                if request.GET.get(prefilled):
                    values[prefilled] = request.GET[prefilled][:20_000]
            return _propose_form(request, assembly, values)
        fields = ("title", "text", "method", "options", "voting_days", "pot", "min_share")
        values = {k: request.POST.get(k, "") for k in fields}

        def open_vote() -> Done:
            days_text = values["voting_days"].strip()
            if days_text and (not days_text.isdecimal() or len(days_text) > 3):
                raise Refused("bad_window", _("The voting window is a whole number of days."))
            share_text = values["min_share"].strip()
            if share_text and (not share_text.isdecimal() or len(share_text) > 3):
                raise Refused("bad_min_share", _("The least share of the pot is a whole number of percent."))
            labels, costs = values["options"].splitlines(), list[str]()
            if values["method"] == Method.PARTICIPATORY_BUDGET:
                labels, costs = services.split_costed(labels)
            draft = services.check_propose(
                member,
                title=values["title"],
                text=values["text"],
                method=values["method"] or None,
                options=labels,
                voting_days=int(days_text) if days_text else None,
                pot=values["pot"],
                costs=costs,
                min_share_percent=int(share_text) if share_text else 0,
            )
            proposal = services.do_propose(draft, now())
            return Done(
                _("Your proposal is open for votes until %(when)s.") % {"when": moment(proposal.closes_at)},
                reverse("proposal", args=[slug, proposal.number]),
            )

        return act(
            request,
            reverse("propose", args=[slug]),
            open_vote,
            again=lambda: _propose_form(request, assembly, values, 400),
        )

    return member_form(request, assembly, Action.PROPOSE, reverse("assembly", args=[slug]), form)


@require_POST
def amend(request: HttpRequest, slug: str) -> HttpResponse:
    """Propose a charter amendment from the charter page's form."""
    assembly = access_assembly(slug)

    def propose_amendment(member: Member) -> Done:
        rule = request.POST.get("rule", "")
        if rule == "new-role":
            rule = "roles." + request.POST.get("new_role", "").strip().lower()
        value = amendment_value(rule, request.POST.get("value", "").strip())
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


_SHARE = re.compile(r"\s*([0-9]{1,4})\s*/\s*([0-9]{1,4})\s*\Z")


def amendment_value(rule: str, raw: str) -> object:
    """Read a rule's new value as people write it: 12, 2/3, "simple majority", "30, 2, 1, rota", "remove".

    JSON (as the API takes it) is read too; what cannot be read goes on as text, and the charter's
    own check then says what the rule needs.
    """
    share = _SHARE.match(raw)
    if rule in {"quorum", "threshold"} and share:
        return {"num": int(share[1]), "den": int(share[2])}
    if rule.startswith("roles."):
        if raw.lower() in {"", "remove", "none", "null"}:
            return None
        parts = [p.strip() for p in raw.split(",")]
        if len(parts) == 4 and all(p.isdecimal() and len(p) < 5 for p in parts[:3]):
            names = ("term_days", "max_consecutive_terms", "cooldown_terms")
            return {**{n: int(p) for n, p in zip(names, parts[:3], strict=True)}, "rotation": parts[3].lower()}
    if rule == "two_factor_roles" and raw[:1] != "[":
        return (
            []
            if raw.lower() in {"", "none", "nobody", "remove"}
            else [r.strip().lower() for r in raw.split(",") if r.strip()]
        )
    if rule == "chores" and raw[:1] != "[":
        return [c.strip() for c in re.split(r"[,\n]", raw) if c.strip()]
    if rule in {"method", "ballots", "join"}:
        return "_".join(raw.lower().split())
    if raw.isdecimal() and len(raw) < 6:
        return int(raw)
    if raw[:1] in "[{":
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            pass
    return raw


@require_safe
def vote_status(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """The open vote's status line, for the proposal page to refresh; once closed, reload the page."""
    assembly, proposal = _proposal(slug, number)
    if proposal.status != Proposal.Status.OPEN:
        if request.headers.get("HX-Request") == "true":
            return HttpResponseClientRefresh()
        return see_other(reverse("proposal", args=[slug, number]))
    objection = objection_of(Method(proposal.method))
    context = {
        "assembly": assembly,
        "proposal": proposal,
        "participants": selectors.participants(proposal),
        "eligible": member_count(assembly),
        "objections": selectors.standing_objections(proposal, objection) if objection else [],
    }
    return render(request, "decisions/_vote_status.html", context)


def _archive_day(request: HttpRequest, name: str) -> date | None:
    text = request.GET.get(name, "").strip()
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        messages.error(request, _("Give days as YYYY-MM-DD; “%(text)s” was left out of the search.") % {"text": text})
        return None


@require_safe
def archive(request: HttpRequest, slug: str) -> HttpResponse:
    """Every proposal of the assembly, newest first: search the title and text, narrow by state, method and the day
    it opened, a page at a time."""
    assembly = access_assembly(slug)
    narrow = selectors.ArchiveFilter(
        words=request.GET.get("q", "").strip()[:200],
        status=request.GET.get("status", ""),
        method=request.GET.get("method", "") if request.GET.get("method", "") in METHOD_NAMES else "",
        since=_archive_day(request, "since"),
        until=_archive_day(request, "until"),
    )
    number = request.GET.get("page", "1")
    page = selectors.archive_page(assembly, narrow, int(number) if number.isdecimal() and len(number) < 9 else 1)
    kept = {k: v for k, v in request.GET.items() if k != "page" and v}
    context = {
        "assembly": assembly,
        "page": page,
        "narrow": narrow,
        "query": urlencode(kept),
        "statuses": Proposal.Status.choices,
        "methods": [(m.value, METHOD_NAMES[m]) for m in Method],
        "method_names": {m.value: str(METHOD_NAMES[m]).split(" — ")[0] for m in Method},
        "values": {k: request.GET.get(k, "") for k in ("q", "status", "method", "since", "until")},
    }
    return render(request, "decisions/archive.html", context)


@require_safe
def proposal_page(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    assembly, proposal = _proposal(slug, number)
    who, me = actor(request.user, assembly, now().date())
    mine = selectors.ballot_of(proposal, me)
    ballots = []
    if proposal.status == Proposal.Status.CLOSED and not proposal.secret:
        ballots = selectors.ballots_by_name(proposal)
    method = Method(proposal.method)
    # A yes/no style method's options are stored with English labels; people read them in their own language.
    options = services.option_labels(method) if METHOD_OPTIONS[method] is not None else proposal.options
    labels = {o["id"]: o["label"] for o in options}
    context = {
        "options": options,
        "assembly": assembly,
        "proposal": proposal,
        "method": method,
        "method_name": METHOD_NAMES[method],
        "fixed": METHOD_OPTIONS[method] is not None,
        "mine": mine,
        "outcome_text": _outcome_text(proposal.outcome, labels),
        "mine_text": _you_voted(method, mine.choice, labels) if mine else "",
        "mine_values": _ballot_values(mine.choice) if mine else {},
        # A vote past its closing time (not yet closed by the ticker) offers no ballot: it could not be cast.
        "can_vote": may(who, Action.VOTE) and proposal.status == Proposal.Status.OPEN and now() < proposal.closes_at,
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
        "review_on": _day_or_none(proposal.payload.get("review_on")),
        "changes": [describe_rule(rule, value) for rule, value in (proposal.payload.get("changes") or {}).items()],
    }
    context.update(_resolution(proposal, method, mine, context["is_author"], labels))
    if method is Method.PARTICIPATORY_BUDGET:
        picks = request.GET.getlist("pick")
        if picks:
            context["mine_values"] = dict.fromkeys(picks, True)
        context["budget"] = _budget(proposal, labels)
    return render(request, "decisions/proposal.html", context)


def _resolution(
    proposal: Proposal, method: Method, mine: Any, is_author: bool, labels: dict[str, str]
) -> dict[str, Any]:
    """Reasons, the objections to resolve while the vote is open, and the versions of an amended text."""
    objection = objection_of(method)
    is_open = proposal.status == Proposal.Status.OPEN
    standing = selectors.standing_objections(proposal, objection) if objection and is_open else []
    versions = selectors.versions(proposal)
    latest = versions[-1] if versions else None
    secret_reasons: list[tuple[str, str]] = []
    if proposal.status == Proposal.Status.CLOSED and proposal.secret:
        given = selectors.reasons_given(proposal)
        # Without names, in an order that tells nothing of who gave them.
        secret_reasons = sorted((_describe(b.choice, labels) if b.choice else "", b.reason) for b in given)
    return {
        "objection": objection,
        "objections": [(None if proposal.secret else b.member.public_name, b.reason) for b in standing],
        "is_objector": mine is not None and objection is not None and mine.choice == objection,
        "can_amend": is_author and is_open and objection is not None,
        "mine_reason": mine.reason if mine else "",
        "max_reason": MAX_REASON,
        "reason_needed": [labels.get(o["id"], o["id"]) for o in proposal.options if needs_reason(method, o["id"])],
        "versions": versions,
        "extended": is_open and latest is not None and latest.at + READING_TIME == proposal.closes_at,
        "secret_reasons": secret_reasons,
    }


def _budget(proposal: Proposal, labels: dict[str, str]) -> dict[str, Any]:
    """A participatory budget in words: each option's cost, the pot and, once closed, what was funded and why not."""
    rules, currency = services.rules_of(proposal), services.proposal_currency(proposal)

    def money(minor: object) -> str:
        return str(BooksAmount(minor, currency)) if isinstance(minor, int) else ""

    pot = rules.pot or 0
    least = math.ceil(rules.min_share * pot)
    view: dict[str, Any] = {
        "pot": money(pot),
        "costs": {option: money(cost) for option, cost in rules.costs},
        "least": money(least) if least else "",
        "funded": [],
        "unfunded": [],
    }
    counts = (proposal.outcome or {}).get("counts") or {}
    entries = counts.get("options")
    if proposal.status != Proposal.Status.CLOSED or not isinstance(entries, dict):
        return view
    gone = _("an option no longer listed")
    for option in counts.get("order", []):
        entry = entries.get(option) or {}
        label, approvals = labels.get(option, gone), entry.get("approvals", 0)
        chose = ngettext("%(n)s member chose it", "%(n)s members chose it", approvals) % {"n": approvals}
        cost = money(entry.get("cost"))
        if entry.get("result") == "funded":
            view["funded"].append(
                _("%(option)s, for %(cost)s; %(chose)s.") % {"option": label, "cost": cost, "chose": chose}
            )
        elif entry.get("result") == "did_not_fit":
            view["unfunded"].append(
                _("%(option)s, costing %(cost)s, did not fit: only %(left)s was left when its turn came; %(chose)s.")
                % {"option": label, "cost": cost, "left": money(entry.get("left")), "chose": chose}
            )
        else:
            view["unfunded"].append(
                _("%(option)s, costing %(cost)s, was not funded: nobody chose it.") % {"option": label, "cost": cost}
            )
    view["total"] = _("The funded options cost %(spent)s of the pot of %(pot)s; %(left)s is left.") % {
        "spent": money(counts.get("spent")),
        "pot": money(pot),
        "left": money(counts.get("left")),
    }
    return view


def _day_or_none(text: object) -> date | None:
    try:
        return date.fromisoformat(text) if isinstance(text, str) else None
    except ValueError:
        return None


_ANSWERS = {"yes": gettext_lazy("yes"), "maybe": gettext_lazy("if need be"), "no": gettext_lazy("no")}


def _describe(choice: object, labels: dict[str, str]) -> str:
    """A ballot in words, naming the options by their labels: "Market square and Town hall"."""
    if isinstance(choice, str):
        return labels.get(choice, _("an option no longer listed"))
    if isinstance(choice, list):
        named = [labels.get(str(c), _("an option no longer listed")) for c in choice]
        return listing(named) if named else _("none of the options")
    if isinstance(choice, dict):
        return "; ".join(
            f"{labels.get(str(k), _('an option no longer listed'))}: {_ANSWERS.get(str(v), str(v))}"
            for k, v in choice.items()
        )
    return _("a vote")


def _outcome_text(outcome: dict[str, Any] | None, labels: dict[str, str]) -> str:
    """What a closed vote came to, in words and with the options' labels (the core's sentence names option ids)."""
    if not outcome:
        return ""
    try:
        result = Outcome.from_json(outcome)
    except DecisionError:
        return ""
    head = say(outcome_phrase(result, labels))
    parts = [head[:1].upper() + head[1:] + "."]
    parts.append(
        ngettext(
            "%(n)s of %(eligible)s member took part; %(needed)s needed.",
            "%(n)s of %(eligible)s members took part; %(needed)s needed.",
            result.eligible,
        )
        % {"n": result.participants, "eligible": result.eligible, "needed": result.quorum_needed}
    )
    counts = result.counts
    fixed = METHOD_OPTIONS[result.method]
    gone = _("an option no longer listed")

    def name(key: str) -> str:
        return labels.get(key, gone)

    if fixed is not None:
        shown = [f"{name(key) if key in labels else _FIXED.get(key, key)} {counts.get(key, 0)}" for key in fixed]
        parts.append(" · ".join(shown))
    for key in ("approvals", "totals"):
        totals = counts.get(key)
        if isinstance(totals, dict):
            parts.append(" · ".join(f"{name(k)} {v}" for k, v in totals.items()))
    slots = counts.get("slots")
    if isinstance(slots, dict):
        parts.append(
            " · ".join(
                _("%(slot)s: %(yes)s yes, %(maybe)s if need be, %(no)s no")
                % {"slot": name(k), "yes": v.get("yes", 0), "maybe": v.get("maybe", 0), "no": v.get("no", 0)}
                for k, v in slots.items()
                if isinstance(v, dict)
            )
        )
    return " ".join(p for p in parts if p)


_FIXED = {
    "consent": gettext_lazy("Consent"),
    "object": gettext_lazy("Object"),
    "stand_aside": gettext_lazy("Stand aside"),
    "agree": gettext_lazy("Agree"),
    "block": gettext_lazy("Block"),
    "for": gettext_lazy("For"),
    "against": gettext_lazy("Against"),
    "abstain": gettext_lazy("Abstain"),
}


def _you_voted(method: Method, choice: object, labels: dict[str, str]) -> str:
    """What the reader voted, as a sentence."""
    if method is Method.PARTICIPATORY_BUDGET:
        if not choice:
            return _("You chose none of the options.")
        return _("You chose %(options)s.") % {"options": _describe(choice, labels)}
    if method is Method.APPROVAL:
        if not choice:
            return _("You approved none of the options.")
        return _("You approved %(options)s.") % {"options": _describe(choice, labels)}
    if method is Method.SCORE:
        return _("You gave these scores: %(scores)s.") % {"scores": _describe(choice, labels)}
    if method is Method.TIME_POLL:
        return _("You answered: %(answers)s.") % {"answers": _describe(choice, labels)}
    if isinstance(choice, list):
        if not choice:
            return _("You ranked none of the options.")
        ranked = [
            _("%(rank)s. %(option)s") % {"rank": n, "option": labels.get(str(c), _("an option no longer listed"))}
            for n, c in enumerate(choice, start=1)
        ]
        return _("You ranked %(ranking)s.") % {"ranking": ", ".join(ranked)}
    return _("You voted %(option)s.") % {"option": _describe(choice, labels)}


def _ballot_values(choice: object) -> dict[str, object]:
    """The reader's ballot by option, to fill the form in again: a rank, a score, an answer, or True."""
    if isinstance(choice, str):
        return {choice: True}
    if isinstance(choice, list):
        return {str(c): n for n, c in enumerate(choice, start=1)}
    if isinstance(choice, dict):
        return {str(k): v for k, v in choice.items()}
    return {}


def _picks_query(picks: list[str]) -> str:
    """The ticked options of a ballot in the address, so a budget's page ticks them again (without JavaScript)."""
    return "?" + urlencode([("pick", p) for p in picks[: services.MAX_OPTIONS]]) + "#ballot"


def _add_up(proposal: Proposal, picks: list[str]) -> Done:
    """Add up a budget ballot without casting it: the running total, for pages without JavaScript."""
    total, pot, rest, fits = services.budget_sum(proposal, picks)
    if fits:
        message = _(
            "The options you ticked cost %(total)s of the pot of %(pot)s; %(left)s is left. Nothing is cast yet."
        )
    else:
        message = _(
            "The options you ticked cost %(total)s, %(left)s more than the pot of %(pot)s: untick some before you vote."
        )
    return Done(message % {"total": total, "pot": pot, "left": rest}, warning=not fits)


@require_POST
def vote(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    picks = request.POST.getlist("approve")

    def cast(member: Member, proposal: Proposal) -> Done:
        if proposal.method == Method.PARTICIPATORY_BUDGET and request.POST.get("add_up") == "1":
            return _add_up(proposal, picks)
        raw = choice_from_form(proposal, request.POST)
        reason = request.POST.get("reason", "")
        if request.POST.get("change") == "1":
            choice = services.check_change_vote(member, proposal, raw, now(), reason)
            services.do_change_vote(member, proposal, choice, now(), reason)
            return Done(_("Your vote is changed."))
        choice = services.check_vote(member, proposal, raw, now(), reason)
        services.do_vote(member, proposal, choice, now(), reason)
        return Done(_("Your vote is cast. You can change it until the vote closes."))

    # A budget ballot comes back ticked as it was sent, whether added up or refused.
    return _as_member(request, slug, number, Action.VOTE, cast, _picks_query(picks) if picks else "")


@require_POST
def amend_proposal(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """The proposer puts a new version of an open consent or consensus proposal to the vote."""

    def amend_it(member: Member, proposal: Proposal) -> Done:
        draft = services.check_amend_proposal(
            member,
            proposal,
            title=request.POST.get("title", ""),
            text=request.POST.get("text", ""),
            note=request.POST.get("note", ""),
            now=now(),
        )
        amended, reset = services.do_amend_proposal(draft, now())
        asked = ngettext(
            "%(n)s vote was reset and its voter asked again.",
            "%(n)s votes were reset and their voters asked again.",
            reset,
        ) % {"n": reset}
        return Done(
            _("Version %(version)s is put to the vote until %(when)s.")
            % {"version": amended.version, "when": moment(amended.closes_at)}
            + " "
            + asked
        )

    return _as_member(request, slug, number, Action.PROPOSE, amend_it, "#versions")


@require_http_methods(["GET", "POST"])
def withdraw(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """GET asks first (only the author, while the vote is open); POST withdraws, checking everything again."""

    def do_withdraw(member: Member, proposal: Proposal) -> Done:
        services.do_withdraw(member, proposal, now())
        return Done(_("The proposal is withdrawn."))

    if request.method == "POST":
        return _as_member(request, slug, number, Action.PROPOSE, do_withdraw)
    assembly, proposal = _proposal(slug, number)
    back = reverse("proposal", args=[slug, number])

    def ask(member: Member) -> HttpResponse:
        if proposal.author_id != member.pk or proposal.status != Proposal.Status.OPEN:
            refused = Refused("author_only", _("Only the person who proposed it can withdraw it, while it is open."))
            return back_with(request, refused, back)
        names = {"number": proposal.number, "title": proposal.title}
        return confirm(
            request,
            heading=_("Withdraw proposal %(number)s?") % names,
            lede=_(
                "“%(title)s” stops here: the vote ends, the votes cast are not counted and nothing is decided. "
                "It cannot be opened again; you could propose it anew."
            )
            % names,
            public=_(
                "Nothing is written to the public ledger, since nothing was decided; the proposal stays listed "
                "as withdrawn, with your name as its author, for everyone who can read this assembly's proposals."
            ),
            button=_("Withdraw the proposal"),
            cancel=back,
        )

    return member_form(request, assembly, Action.PROPOSE, back, ask)


@require_POST
def keep(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    def keep_outcome(member: Member, proposal: Proposal) -> Done:
        next_review = services.do_keep_outcome(member, proposal, now())
        return Done(
            _("Recorded: the decision stands, and comes back for review on %(day)s.") % {"day": day(next_review)}
        )

    return _as_member(request, slug, number, Action.PROPOSE, keep_outcome)


@require_POST
def close_now(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """Close a vote whose window has ended (the node also does this by itself)."""
    _, proposal = _proposal(slug, number)
    return see_other(reverse("proposal", args=[slug, proposal.number]))
