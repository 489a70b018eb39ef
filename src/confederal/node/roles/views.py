"""Role pages: who holds what, the history, rotation, elections, chores, and checking a lottery draw."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from confederal.node.access import access_assembly, actor, require
from confederal.node.assemblies.services import charter_of
from confederal.node.errors import Refused
from confederal.node.web import back_with, now, see_other
from confederal.permissions import Action, may
from confederal.roles import RotationError, rerun_draw

from . import services
from .models import RoleTerm


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
        roles.append(
            {
                "key": key,
                "rules": rule.value,
                "review_on": rule.review_on,
                "current": current.get(key),
                "history": list(reversed(terms))[:12],
                "service": sorted(service.items(), key=lambda kv: (-kv[1], kv[0])),
            }
        )
    chores = services.current_terms(assembly, today, RoleTerm.Kind.CHORE)
    chore_history = RoleTerm.objects.filter(assembly=assembly, kind=RoleTerm.Kind.CHORE).select_related("member")
    return render(
        request,
        "roles/roles.html",
        {
            "assembly": assembly,
            "roles": roles,
            "chores": [(c, chores.get(c)) for c in charter.chores.value],
            "chore_history": chore_history.order_by("-start", "role")[:30],
            "can_rotate": may(who, Action.ROTATE_ROLES),
            "can_propose": may(who, Action.PROPOSE),
            "me": me,
        },
    )


@require_POST
def rotate(request: HttpRequest, slug: str, role: str) -> HttpResponse:
    assembly = access_assembly(slug)
    here = reverse("roles", args=[slug])
    try:
        require(request.user, assembly, Action.ROTATE_ROLES, now().date())
        term = services.do_rotate(assembly, role, now())
    except Refused as exc:
        return back_with(request, exc, here)
    messages.success(
        request,
        _("%(name)s takes the role of %(role)s until %(end)s.")
        % {"name": term.member.public_name, "role": role, "end": term.end},
    )
    return see_other(here)


@require_POST
def elect(request: HttpRequest, slug: str, role: str) -> HttpResponse:
    from confederal.node.decisions.services import check_election, do_propose

    assembly = access_assembly(slug)
    here = reverse("roles", args=[slug])
    try:
        member = require(request.user, assembly, Action.PROPOSE, now().date())
        assert member is not None
        draft = check_election(member, role, now().date())
    except Refused as exc:
        return back_with(request, exc, here)
    proposal = do_propose(draft, now())
    return see_other(reverse("proposal", args=[slug, proposal.number]))


@require_POST
def rotate_chores(request: HttpRequest, slug: str) -> HttpResponse:
    assembly = access_assembly(slug)
    here = reverse("roles", args=[slug])
    try:
        require(request.user, assembly, Action.ROTATE_ROLES, now().date())
        services.do_rotate_chores(assembly, now())
    except Refused as exc:
        return back_with(request, exc, here)
    messages.success(request, _("This week's chores are shared out."))
    return see_other(here)


@require_safe
def draw(request: HttpRequest, slug: str, term_id: int) -> HttpResponse:
    """Show a lottery draw and re-run it, so anyone can check it."""
    assembly = access_assembly(slug)
    term = get_object_or_404(RoleTerm.objects.select_related("member"), pk=term_id, assembly=assembly)
    recorded = term.pick.get("draw") if isinstance(term.pick, dict) else None
    result, problem = None, None
    if recorded:
        try:
            result = rerun_draw(recorded)
        except (RotationError, KeyError, TypeError, ValueError) as exc:
            problem = str(exc)
    return render(
        request,
        "roles/draw.html",
        {"assembly": assembly, "term": term, "draw": recorded, "result": result, "problem": problem},
    )
