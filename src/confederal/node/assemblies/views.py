"""Assembly pages: the list, founding, the overview, the charter, joining, inviting, leaving, splitting."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from confederal.charter import Charter, describe_rule
from confederal.ledger import Phrase
from confederal.node import pagecache, words
from confederal.node.access import (
    access_assembly,
    active_members,
    actor,
    membership,
    signed_in,
)
from confederal.node.decisions import selectors as decision_selectors
from confederal.node.decisions.models import Proposal
from confederal.node.decisions.selectors import due_for_review
from confederal.node.decisions.services import do_close_due
from confederal.node.discussion import selectors as discussion_selectors
from confederal.node.errors import Refused
from confederal.node.ledgers import selectors as ledger_selectors
from confederal.node.meetings import selectors as meeting_selectors
from confederal.node.roles import selectors as role_selectors
from confederal.node.roles.models import RoleTerm
from confederal.node.roles.services import terms_by_kind
from confederal.node.web import Done, act, act_as_member, back_with, confirm, member_form, now, see_other
from confederal.node.zones import activate_for, sets_its_own_time_zone, zone_choices
from confederal.permissions import Action, may

from . import selectors, services
from .models import Assembly, Invitation, Member


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    assemblies = selectors.assemblies()
    mine = selectors.assembly_ids_of(request.user)
    return render(request, "assemblies/home.html", {"assemblies": assemblies, "mine": mine})


_FOUND_FIELDS = (
    "name",
    "slug",
    "focus",
    "principles",
    "public_name",
    "join",
    "max_size",
    "method",
    "ballots",
    "time_zone",
)


def _found_form(request: HttpRequest, values: dict[str, str], status: int = 200) -> HttpResponse:
    context = {"values": values, "foci": Assembly.Focus.choices, "zones": zone_choices()}
    return render(request, "assemblies/found.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def found(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        defaults = {"focus": "food", "max_size": "15", "join": "either", "method": "consent"}
        return _found_form(request, defaults | {"time_zone": settings.TIME_ZONE})
    values = {k: request.POST.get(k, "") for k in _FOUND_FIELDS}
    changes: dict[str, object] = {}
    if values["join"]:
        changes["join"] = values["join"]
    if values["method"]:
        changes["method"] = values["method"]
    if values["ballots"]:
        changes["ballots"] = values["ballots"]

    def found_it() -> Done:
        if values["max_size"]:
            if not values["max_size"].isdecimal() or len(values["max_size"]) > 3:
                raise Refused("bad_value", _("The maximum size must be a whole number."))
            changes["max_size"] = int(values["max_size"])
        if values["time_zone"]:
            changes["time_zone"] = values["time_zone"]
        request_ = services.check_found_assembly(
            request.user,
            name=values["name"],
            slug=values["slug"].strip(),
            focus=values["focus"],
            principles=values["principles"],
            public_name=values["public_name"],
            today=now().date(),
            changes=changes,
        )
        assembly = services.do_found_assembly(request_, now())
        return Done(
            _("%(name)s is founded, and its charter is the first entry of its ledger.") % {"name": assembly.name},
            reverse("assembly", args=[assembly.slug]),
        )

    return act(request, reverse("found"), found_it, again=lambda: _found_form(request, values, 400))


@require_safe
@sets_its_own_time_zone
def overview(request: HttpRequest, slug: str) -> HttpResponse:
    assembly = access_assembly(slug)
    activate_for(assembly.charter)
    if do_close_due(now(), assembly):  # nobody should see a vote as open after its window ended, even between ticks
        assembly = access_assembly(slug)  # closing it grew the ledger
    moment = now()
    # What a visitor sees changes only with the ledger (every public act), a new proposal or meeting, or the day.
    version = (assembly.pk, assembly.ledger.size, assembly.next_proposal_number, assembly.next_meeting_number)
    return pagecache.visitor_page(request, (*version, moment.date()), lambda: _overview(request, assembly, moment))


def _overview(request: HttpRequest, assembly: Assembly, moment: datetime) -> HttpResponse:
    today = moment.date()
    checkpoint = ledger_selectors.latest_checkpoint(assembly.ledger)
    who, me = actor(request.user, assembly, today)
    charter = services.charter_of(assembly)
    members = selectors.members_by_name(assembly)
    open_proposals = decision_selectors.open_proposals(assembly)
    voted = decision_selectors.voted_on(me, open_proposals)
    terms = terms_by_kind(assembly, today)
    context: dict[str, Any] = {
        "assembly": assembly,
        "charter": charter,
        "members": members,
        "me": me,
        "can": {a.value: may(who, a) for a in Action},
        "roles": terms[RoleTerm.Kind.ROLE],
        "role_names": sorted(charter.roles),
        "chores": terms[RoleTerm.Kind.CHORE],
        "lotteries": role_selectors.lotteries(assembly),
        "open_proposals": [(p, p.pk in voted) for p in open_proposals],
        # Only for members (a signed-in page is never kept for visitors, and sense checks are not in the ledger).
        "sense_checks": discussion_selectors.open_checks(assembly, moment) if me else [],
        "recent": decision_selectors.recently_closed(assembly),
        "due_review": due_for_review(assembly, today, limit=10),
        "rules_due": charter.due_for_review(today),
        "meetings": meeting_selectors.upcoming_meetings(assembly, moment),
        "past_meetings": meeting_selectors.past_meetings(assembly),
        "requests": selectors.pending_requests(assembly) if me else [],
        "full": len(members) >= charter.max_size.value,
        "checkpoint": checkpoint,
        # Only someone signed in who is not a member is told their request is waiting.
        "pending_request": selectors.has_pending_request(assembly, request.user) if me is None else False,
    }
    response = render(request, "assemblies/assembly.html", context)
    if checkpoint.size != assembly.ledger.size:  # its checkpoint is being signed: show it, keep it for nobody
        pagecache.keep_for_nobody(response)
    return response


@require_safe
def charter_page(request: HttpRequest, slug: str) -> HttpResponse:
    assembly = access_assembly(slug)
    who, _member = actor(request.user, assembly, now().date())
    charter = services.charter_of(assembly)
    amendments = decision_selectors.amendments(assembly)
    return render(
        request,
        "assemblies/charter.html",
        {
            "assembly": assembly,
            "charter": charter,
            "rules": _rule_sentences(charter, set(charter.due_for_review(now().date()))),
            "due": set(charter.due_for_review(now().date())),
            "amendments": amendments,
            "role_names": sorted(charter.roles),
            "can_propose": may(who, Action.PROPOSE),
            "today": now().date(),
        },
    )


def _rule_sentences(charter: Charter, due: set[str]) -> list[tuple[Phrase, date, bool]]:
    """Each rule of the charter (principles aside) as a sentence, with its review date and whether it is due."""
    rules = charter.to_json()["rules"]
    listed = [(name, rule) for name, rule in rules.items() if name not in {"roles", "principles"}]
    listed += [(f"roles.{key}", rule) for key, rule in rules["roles"].items()]
    return [
        (describe_rule(path, rule["value"]), date.fromisoformat(rule["review_on"]), path in due)
        for path, rule in listed
    ]


@require_http_methods(["GET", "POST"])
def join(request: HttpRequest, slug: str) -> HttpResponse:
    assembly = access_assembly(slug)
    here = reverse("assembly", args=[slug])
    if request.method == "GET":
        return render(request, "assemblies/join.html", {"assembly": assembly, "charter": services.charter_of(assembly)})
    try:
        name = services.check_request_to_join(
            request.user, assembly, request.POST.get("public_name", ""), request.POST.get("message", "")
        )
        services.do_request_to_join(signed_in(request.user), assembly, name, request.POST.get("message", ""), now())
    except Refused as exc:
        return back_with(request, exc, reverse("join", args=[slug]) if exc.code != "assembly_full" else here)
    messages.success(request, _("Your request is sent. A member of %(name)s will answer it.") % {"name": assembly.name})
    return see_other(here)


@require_POST
def decide_request(request: HttpRequest, slug: str, request_id: int) -> HttpResponse:
    assembly = access_assembly(slug)

    def decide(member: Member) -> Done:
        join_request = selectors.join_request_or_404(assembly, request_id)
        approve = request.POST.get("decision") == "approve"
        services.do_decide_join_request(member, join_request, approve, now())
        if approve:
            return Done(_("%(name)s is now a member.") % {"name": join_request.public_name})
        return Done(_("The request was declined."))

    return act_as_member(request, assembly, Action.DECIDE_JOIN_REQUEST, reverse("assembly", args=[slug]), decide)


@require_POST
def invite(request: HttpRequest, slug: str) -> HttpResponse:
    assembly = access_assembly(slug)

    def create(member: Member) -> Done:
        invitation = services.do_create_invitation(member, now())
        # Redirect, so that reloading the page shows this link again instead of making another.
        return Done(to=reverse("invitation-link", args=[slug, invitation.pk]))

    return act_as_member(request, assembly, Action.INVITE, reverse("assembly", args=[slug]), create)


def _own_invitation(request: HttpRequest, slug: str, invitation_id: int) -> tuple[Assembly, Invitation]:
    assembly = access_assembly(slug)
    member = membership(request.user, assembly)
    if member is None:
        raise Http404
    try:
        return assembly, services.check_own_invitation(member, invitation_id)
    except Refused as exc:
        raise Http404 from exc


@require_safe
def invitation_link(request: HttpRequest, slug: str, invitation_id: int) -> HttpResponse:
    assembly, invitation = _own_invitation(request, slug, invitation_id)
    link = request.build_absolute_uri(reverse("invitation", args=[invitation.token]))
    moment = now()
    if invitation.used_by is not None:
        state = "used"
    elif invitation.revoked_at is not None:
        state = "revoked"
    elif invitation.expires_at <= moment:
        state = "expired"
    else:
        state = "open"
    context = {"assembly": assembly, "link": link, "invitation": invitation, "state": state}
    return render(request, "assemblies/invitation_link.html", context)


@require_POST
def revoke_invitation(request: HttpRequest, slug: str, invitation_id: int) -> HttpResponse:
    _assembly, invitation = _own_invitation(request, slug, invitation_id)

    def revoke() -> Done:
        services.do_revoke_invitation(invitation, now())
        return Done(_("The link is withdrawn; nobody can use it now."))

    return act(request, reverse("invitation-link", args=[slug, invitation_id]), revoke)


@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    found = selectors.invitation_by_token(token)
    if request.method == "GET":
        return render(
            request, "assemblies/invitation.html", {"invitation": found, "token": token}, status=200 if found else 404
        )

    def accept() -> Done:
        inv, name = services.check_accept_invitation(request.user, token, request.POST.get("public_name", ""), now())
        member = services.do_accept_invitation(signed_in(request.user), inv, name, now())
        return Done(
            _("Welcome to %(name)s!") % {"name": member.assembly.name}, reverse("assembly", args=[member.assembly.slug])
        )

    return act(request, reverse("invitation", args=[token]), accept)


@require_http_methods(["GET", "POST"])
def leave(request: HttpRequest, slug: str) -> HttpResponse:
    """GET asks first, saying what the ledger will keep; POST leaves."""
    assembly = access_assembly(slug)
    back = reverse("assembly", args=[slug])

    def go(member: Member) -> Done:
        services.do_leave(member, now())
        return Done(_("You have left %(name)s. Thank you for your part in it.") % {"name": assembly.name})

    def ask(member: Member) -> HttpResponse:
        if request.method == "POST":
            return act(request, back, lambda: go(member))
        names = {"name": assembly.name, "public_name": member.public_name}
        return confirm(
            request,
            heading=_("Leave %(name)s?") % names,
            lede=_(
                "You stop being a member today: you can no longer vote or propose here, and any role you hold ends. "
                "To come back you would ask to join again."
            ),
            public=_(
                "The assembly's public ledger records that %(public_name)s left %(name)s today. The ledger is "
                "permanent: this entry can never be removed."
            )
            % names,
            button=_("Leave the assembly"),
            cancel=back,
        )

    return member_form(request, assembly, Action.LEAVE, back, ask)


@require_POST
def away(request: HttpRequest, slug: str) -> HttpResponse:
    assembly = access_assembly(slug)

    def set_away(member: Member) -> Done:
        text = request.POST.get("until", "").strip()
        try:
            until = date.fromisoformat(text) if text else None
        except ValueError:
            raise Refused("bad_date", _("Give the day you are back as YYYY-MM-DD.")) from None
        services.do_set_away(member, until, now().date())
        return Done(
            _("Rotas will skip you until %(day)s.") % {"day": words.day(until)} if until else _("Welcome back.")
        )

    return act_as_member(request, assembly, Action.LEAVE, reverse("assembly", args=[slug]), set_away)


@require_http_methods(["GET", "POST"])
def split(request: HttpRequest, slug: str) -> HttpResponse:
    from confederal.node.decisions.services import check_propose, do_propose

    assembly = access_assembly(slug)
    here = reverse("assembly", args=[slug])

    def form(member: Member) -> HttpResponse:
        if request.method == "GET":
            stay, leave = services.suggest_split(assembly)
            return render(request, "assemblies/split.html", {"assembly": assembly, "stay": stay, "leave": leave})
        members = {str(m.pk): m for m in active_members(assembly)}
        leaving = [int(k) for k in request.POST.getlist("leave") if k in members]
        staying = [int(k) for k in members if int(k) not in leaving]

        def propose_split() -> Done:
            payload = services.check_split_cells(
                assembly, staying, leaving, request.POST.get("name", ""), request.POST.get("slug", "").strip()
            )
            draft = check_propose(
                member,
                title=services.split_title(assembly, payload),
                text=request.POST.get("text", ""),
                kind=Proposal.Kind.SPLIT,
                payload=payload,
            )
            proposal = do_propose(draft, now())
            return Done(
                _("The split is proposed; it happens if the assembly adopts it."),
                reverse("proposal", args=[slug, proposal.number]),
            )

        return act(request, reverse("split", args=[slug]), propose_split)

    return member_form(request, assembly, Action.PROPOSE, here, form)
