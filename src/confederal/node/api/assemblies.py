"""Assembly routes: found, read, invite, ask to join and decide, leave, be away, split."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.params import functions as params

from confederal.node.access import access_assembly, membership
from confederal.node.assemblies import selectors as assembly_selectors
from confederal.node.assemblies import services
from confederal.node.assemblies.models import Assembly, Member
from confederal.node.decisions import selectors as decision_selectors
from confederal.node.decisions.models import Proposal
from confederal.node.decisions.services import check_propose
from confederal.node.ledgers.selectors import ledger_prefix
from confederal.node.roles.services import current_terms
from confederal.node.web import now
from confederal.permissions import Action

from ._base import (
    JSON,
    SLUG_PATTERN,
    BodyIn,
    Number,
    RowId,
    Slug,
    api,
    assembly_for,
    authed,
    member_for,
    public,
    user_of,
    viewer,
)
from .decisions import MethodName, ProposalOut, proposed

router = Router(tags=["assemblies"])


class AssemblyOut(Schema):
    slug: str
    name: str
    focus: str
    members: int
    max_size: int
    join: str
    ledger: str
    founded_at: datetime
    sister: str | None


class MemberOut(Schema):
    id: int
    name: str
    joined_at: datetime
    away_until: date | None = Field(None, description="Shown to the assembly's members only.")


class HolderOut(Schema):
    member: int
    name: str
    start: date
    end: date
    method: str


class AssemblyDetailOut(AssemblyOut):
    charter: JSON
    member_list: list[MemberOut]
    roles: dict[str, HolderOut | None]
    open_proposals: list[int]


def assembly_out(assembly: Assembly) -> AssemblyOut:
    charter = services.charter_of(assembly)
    return AssemblyOut(
        slug=assembly.slug,
        name=assembly.name,
        focus=assembly.focus,
        members=assembly_selectors.member_count(assembly),
        max_size=charter.max_size.value,
        join=charter.join.value.value,
        ledger=ledger_prefix(assembly.ledger),
        founded_at=assembly.founded_at,
        sister=assembly.split_sibling.slug if assembly.split_sibling else None,
    )


def member_out(member: Member, private: bool) -> MemberOut:
    # When someone is away says when their home is empty: members see it, the public does not.
    away = member.away_until if private else None
    return MemberOut(id=member.pk, name=member.public_name, joined_at=member.joined_at, away_until=away)


def detail_out(assembly: Assembly, private: bool) -> AssemblyDetailOut:
    """The assembly as its members (``private``) or the public see it."""
    today = now().date()
    held = current_terms(assembly, today)
    roles = {
        key: (
            HolderOut(member=t.member_id, name=t.member.public_name, start=t.start, end=t.end, method=t.method)
            if (t := held.get(key))
            else None
        )
        for key in sorted(services.charter_of(assembly).roles)
    }
    members = [member_out(m, private) for m in assembly_selectors.members_by_name(assembly)]
    open_numbers = decision_selectors.open_numbers(assembly)
    return AssemblyDetailOut(
        **assembly_out(assembly).dict(),
        charter=assembly.charter,
        member_list=members,
        roles=roles,
        open_proposals=open_numbers,
    )


Focus = Literal["food", "energy", "housing", "care", "currency", "other"]


class FoundIn(BodyIn):
    name: str = Field(min_length=1, max_length=120)
    slug: str = Field(pattern=SLUG_PATTERN, description="The assembly's short name in its addresses.")
    focus: Focus
    principles: str = Field(min_length=1, description="What the assembly stands for, one principle a line.")
    public_name: str = Field(min_length=1, max_length=80, description="Your name in the assembly.")
    join: Literal["invitation", "request", "either"] | None = None
    method: MethodName | None = None
    ballots: Literal["open", "secret"] | None = None
    max_size: int | None = Field(None, ge=4, le=50)


@public(router.get, "/assemblies", list[AssemblyOut], "The assemblies on this node")
def list_assemblies(request: HttpRequest) -> list[AssemblyOut]:
    return [assembly_out(a) for a in assembly_selectors.assemblies()]


@authed(router.post, "/assemblies", AssemblyDetailOut, "Found an assembly", (400, 409))
def found(request: HttpRequest, body: FoundIn) -> Status[AssemblyDetailOut]:
    changes = {
        k: v
        for k, v in (
            ("join", body.join),
            ("method", body.method),
            ("ballots", body.ballots),
            ("max_size", body.max_size),
        )
        if v is not None
    }
    checked = services.check_found_assembly(
        user_of(request),
        name=body.name,
        slug=body.slug,
        focus=body.focus,
        principles=body.principles,
        public_name=body.public_name,
        today=now().date(),
        changes=changes,
    )
    return Status(201, detail_out(services.do_found_assembly(checked, now()), private=True))


@public(router.get, "/assemblies/{slug}", AssemblyDetailOut, "An assembly, its charter, members and roles", token=True)
def get_assembly(request: HttpRequest, slug: Slug) -> AssemblyDetailOut:
    assembly = access_assembly(slug)
    return detail_out(assembly, private=membership(viewer(request), assembly) is not None)


class InvitationOut(Schema):
    id: int
    token: str
    url: str
    expires_at: datetime


@authed(router.post, "/assemblies/{slug}/invitations", InvitationOut, "Create an invitation link")
def invite(request: HttpRequest, slug: Slug) -> Status[InvitationOut]:
    assembly = access_assembly(slug)
    member = member_for(request, assembly, Action.INVITE)
    invitation = services.do_create_invitation(member, now())
    url = request.build_absolute_uri(f"/invitations/{invitation.token}")
    out = InvitationOut(id=invitation.pk, token=invitation.token, url=url, expires_at=invitation.expires_at)
    return Status(201, out)


@authed(
    router.delete,
    "/assemblies/{slug}/invitations/{invitation_id}",
    None,
    "Withdraw an unused invitation link you made",
    (409,),
    status=204,
)
def revoke_invitation(request: HttpRequest, slug: Slug, invitation_id: Number) -> Status[None]:
    assembly = access_assembly(slug)
    member = member_for(request, assembly, Action.INVITE)
    services.do_revoke_invitation(services.check_own_invitation(member, invitation_id), now())
    return Status(204, None)


class NameIn(BodyIn):
    public_name: str = Field(min_length=1, max_length=80, description="Your name in the assembly.")


class JoinRequestIn(NameIn):
    message: str = ""


#: The token of an invitation link (``secrets.token_urlsafe``).
InvitationToken = Annotated[str, params.Path(pattern=r"^[A-Za-z0-9_-]{1,64}$")]


class MemberRefOut(Schema):
    assembly: str
    member: int
    name: str


@authed(router.post, "/invitations/{token}/accept", MemberRefOut, "Accept an invitation", (400, 409, 410))
def accept(request: HttpRequest, token: InvitationToken, body: NameIn) -> Status[MemberRefOut]:
    user = user_of(request)
    invitation, name = services.check_accept_invitation(user, token, body.public_name, now())
    member = services.do_accept_invitation(user, invitation, name, now())
    return Status(201, MemberRefOut(assembly=member.assembly.slug, member=member.pk, name=member.public_name))


class JoinRequestOut(Schema):
    id: int
    public_name: str
    message: str
    status: str
    created_at: datetime


@authed(router.post, "/assemblies/{slug}/join-requests", JoinRequestOut, "Ask to join", (400, 409))
def ask(request: HttpRequest, slug: Slug, body: JoinRequestIn) -> Status[JoinRequestOut]:
    assembly, user = access_assembly(slug), user_of(request)
    name = services.check_request_to_join(user, assembly, body.public_name, body.message)
    r = services.do_request_to_join(user, assembly, name, body.message, now())
    return Status(
        201,
        JoinRequestOut(id=r.pk, public_name=r.public_name, message=r.message, status=r.status, created_at=r.created_at),
    )


@authed(
    router.get,
    "/assemblies/{slug}/join-requests",
    list[JoinRequestOut],
    "Pending requests (members only)",
    status=200,
)
def pending(request: HttpRequest, slug: Slug) -> list[JoinRequestOut]:
    assembly = assembly_for(request, slug, Action.DECIDE_JOIN_REQUEST)
    rows = assembly_selectors.pending_requests(assembly)
    return [
        JoinRequestOut(id=r.pk, public_name=r.public_name, message=r.message, status=r.status, created_at=r.created_at)
        for r in rows
    ]


class DecisionIn(BodyIn):
    approve: bool


@authed(
    router.post,
    "/assemblies/{slug}/join-requests/{request_id}",
    JoinRequestOut,
    "Approve or decline a request",
    (409,),
    status=200,
)
def decide(request: HttpRequest, slug: Slug, request_id: Number, body: DecisionIn) -> JoinRequestOut:
    assembly = access_assembly(slug)
    member = member_for(request, assembly, Action.DECIDE_JOIN_REQUEST)
    join_request = assembly_selectors.join_request_or_404(assembly, request_id)
    services.do_decide_join_request(member, join_request, body.approve, now())
    join_request.refresh_from_db()
    r = join_request
    return JoinRequestOut(
        id=r.pk, public_name=r.public_name, message=r.message, status=r.status, created_at=r.created_at
    )


class OkOut(Schema):
    ok: bool = True


@authed(router.post, "/assemblies/{slug}/leave", OkOut, "Leave the assembly", (409,), status=200)
def leave(request: HttpRequest, slug: Slug) -> OkOut:
    assembly = access_assembly(slug)
    member = member_for(request, assembly, Action.LEAVE)
    services.do_leave(member, now())
    return OkOut()


class AwayIn(BodyIn):
    until: date | None = None


@authed(router.post, "/assemblies/{slug}/away", OkOut, "Be away until a day (or back)", (400,), status=200)
def away(request: HttpRequest, slug: Slug, body: AwayIn) -> OkOut:
    assembly = access_assembly(slug)
    member = member_for(request, assembly, Action.LEAVE)
    services.do_set_away(member, body.until, now().date())
    return OkOut()


class SplitSuggestionOut(Schema):
    stay: list[MemberOut]
    leave: list[MemberOut]


@authed(
    router.get,
    "/assemblies/{slug}/split-suggestion",
    SplitSuggestionOut,
    "A suggested division into two cells",
    status=200,
)
def suggestion(request: HttpRequest, slug: Slug) -> SplitSuggestionOut:
    assembly = assembly_for(request, slug, Action.PROPOSE)
    stay, leave_ = services.suggest_split(assembly)

    return SplitSuggestionOut(
        stay=[member_out(m, private=True) for m in stay], leave=[member_out(m, private=True) for m in leave_]
    )


class SplitIn(BodyIn):
    leave: list[RowId] = Field(description="The members (by id) who form the new cell; the others stay.")
    name: str = Field(min_length=1, max_length=120, description="The new cell's name.")
    slug: str = Field(pattern=SLUG_PATTERN, description="The new cell's short name.")
    text: str = ""


@authed(router.post, "/assemblies/{slug}/splits", ProposalOut, "Propose splitting into two cells", (400,))
def propose_split(request: HttpRequest, slug: Slug, body: SplitIn) -> Status[ProposalOut]:
    assembly = access_assembly(slug)
    member = member_for(request, assembly, Action.PROPOSE)
    current = assembly_selectors.member_ids(assembly)
    stay = [pk for pk in current if pk not in body.leave]
    payload = services.check_split_cells(assembly, stay, body.leave, body.name, body.slug)
    title = services.split_title(assembly, payload)
    draft = check_propose(member, title=title, text=body.text, kind=Proposal.Kind.SPLIT, payload=payload)
    return proposed(draft, None)


api.add_router("/", router)
