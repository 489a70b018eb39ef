"""Role pages: who holds what, the history, rotation, elections, chores, and checking a lottery draw."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from confederal.node import words
from confederal.node.access import access_assembly, actor, require
from confederal.node.assemblies.models import Member
from confederal.node.assemblies.services import charter_of
from confederal.node.web import Done, act, act_as_member, now
from confederal.permissions import Action, may
from confederal.roles import Rotation
from confederal.sortition import lottery_from_json

from . import selectors, services
from .models import Lottery, RoleTerm


@require_safe
def roles_page(request: HttpRequest, slug: str) -> HttpResponse:
    assembly = access_assembly(slug)
    today = now().date()
    who, me = actor(request.user, assembly, today)
    charter = charter_of(assembly)
    current = services.current_terms(assembly, today)
    roles = []
    for key, rule in sorted(charter.roles.items()):
        terms = services.history(assembly, key)
        service: dict[str, int] = {}
        for t in terms:
            service[t.member.public_name] = service.get(t.member.public_name, 0) + 1
        pending = services.pending_lottery(assembly, key)
        roles.append(
            {
                "pending": pending,
                "ready": pending is not None and services.lottery_ready(pending),
                "key": key,
                "rules": rule.value,
                "review_on": rule.review_on,
                "current": current.get(key),
                "history": list(reversed(terms))[:12],
                "service": sorted(service.items(), key=lambda kv: (-kv[1], kv[0])),
            }
        )
    chores = services.current_terms(assembly, today, RoleTerm.Kind.CHORE)
    chore_history = selectors.chore_history(assembly)
    return render(
        request,
        "roles/roles.html",
        {
            "assembly": assembly,
            "roles": roles,
            "chores": [(c, chores.get(c)) for c in charter.chores.value],
            "chore_history": chore_history,
            "can_rotate": may(who, Action.ROTATE_ROLES),
            "can_propose": may(who, Action.PROPOSE),
            "me": me,
            "lotteries": selectors.drawn_lotteries(assembly),
        },
    )


@require_POST
def rotate(request: HttpRequest, slug: str, role: str) -> HttpResponse:
    assembly = access_assembly(slug)

    def next_holder() -> Done:
        require(request.user, assembly, Action.ROTATE_ROLES, now().date())
        rule = charter_of(assembly).roles.get(role)
        if rule is not None and rule.value.rotation is Rotation.LOTTERY:
            step = services.do_lottery_step(assembly, role, now())
            if isinstance(step, Lottery):
                return Done(
                    _(
                        "The draw for %(role)s is announced in the ledger: who can be drawn and how often each has "
                        "served are fixed. It can be drawn once the ledger has moved on."
                    )
                    % {"role": role}
                )
            term = step
        else:
            term = services.do_rotate(assembly, role, now())
        return Done(
            _("%(name)s takes the role of %(role)s until %(end)s.")
            % {"name": term.member.public_name, "role": role, "end": term.end}
        )

    return act(request, reverse("roles", args=[slug]), next_holder)


@require_POST
def elect(request: HttpRequest, slug: str, role: str) -> HttpResponse:
    from confederal.node.decisions.services import check_election, do_propose

    assembly = access_assembly(slug)

    def propose_election(member: Member) -> Done:
        proposal = do_propose(check_election(member, role, now().date()), now())
        return Done(to=reverse("proposal", args=[slug, proposal.number]))

    return act_as_member(request, assembly, Action.PROPOSE, reverse("roles", args=[slug]), propose_election)


@require_POST
def rotate_chores(request: HttpRequest, slug: str) -> HttpResponse:
    assembly = access_assembly(slug)

    def share_out() -> Done:
        require(request.user, assembly, Action.ROTATE_ROLES, now().date())
        services.do_rotate_chores(assembly, now())
        return Done(_("This week's chores are shared out."))

    return act(request, reverse("roles", args=[slug]), share_out)


@require_safe
def draw(request: HttpRequest, slug: str, term_id: int) -> HttpResponse:
    """Show a lottery draw and re-run it, so anyone can check it."""
    assembly = access_assembly(slug)
    term = selectors.term_or_404(assembly, term_id)
    check = selectors.recheck_draw(term)
    return render(
        request,
        "roles/draw.html",
        {"assembly": assembly, "term": term, "draw": check.recorded, "result": check.rerun, "problem": check.problem},
    )


@require_POST
def add_randomness(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    assembly = access_assembly(slug)
    lottery = selectors.lottery_or_404(assembly, number)

    def contribute(member: Member) -> Done:
        services.do_add_randomness(lottery, member, now())
        return Done(_("Your random contribution is in the ledger: nobody could have known the draw's seed."))

    return act_as_member(request, assembly, Action.PROPOSE, reverse("roles", args=[slug]), contribute)


@require_safe
def lottery(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """A draw in full: who could be drawn, their chances, the randomness, the result, and its check."""
    assembly = access_assembly(slug)
    found = selectors.lottery_or_404(assembly, number)
    check = services.check_lottery(found)
    chances: list[tuple[str, str, int]] = []
    if found.result is not None:
        recorded = lottery_from_json(found.result["lottery"])
        served = {p["id"]: p["served"] for p in found.announcement["pool"]}
        ranked = sorted(recorded.probabilities().items(), key=lambda kv: (-kv[1], kv[0]))
        chances = [(name, words.percent(p), served.get(name, 0)) for name, p in ranked]
    return render(
        request,
        "roles/lottery.html",
        {
            "assembly": assembly,
            "lottery": found,
            "chances": chances,
            "check": check,
            "ready": services.lottery_ready(found),
            "ledger_url": request.build_absolute_uri(reverse("ledgers:page", args=[assembly.ledger.slug])).rstrip("/"),
        },
    )
