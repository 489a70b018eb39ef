"""Proposal routes: list, propose, amend the charter, vote, change a vote, withdraw, keep after review."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.params import functions as params

from confederal.decisions import MAX_REASON, Method, objection_of
from confederal.node.access import access_assembly, actor
from confederal.node.assemblies.models import Member
from confederal.node.decisions import selectors, services
from confederal.node.decisions.models import Proposal
from confederal.node.web import now
from confederal.permissions import Action

from ._base import JSON, BodyIn, Number, ReadOut, Slug, api, authed, member_for, member_in, public

router = Router(tags=["proposals"])


#: The decision methods (``confederal.decisions.Method``).
MethodName = Literal[
    "consent", "consensus", "simple_majority", "super_majority", "approval", "score", "instant_runoff", "schulze",
    "time_poll", "participatory_budget",
]  # fmt: skip

#: An amount as people write it, in the assembly's currency: "120.50" (``confederal.books.Amount.parse``).
AmountText = Annotated[str, Field(pattern=r"^[0-9]{1,15}(\.[0-9]{1,6})?$", max_length=22, examples=["120.50"])]


class ReasonOut(Schema):
    name: str | None = Field(description="Who gave it; none when ballots are secret.")
    choice: str | None = Field(description="The answer it came with (object, block, stand_aside…), if one word.")
    reason: str


class VersionOut(Schema):
    version: int
    title: str
    text: str
    note: str = Field(description="What changed, in the proposer's words (empty for the first version).")
    by: str
    at: datetime
    ledger_seq: int | None


def _reasons(p: Proposal, ballots: list[Any]) -> list[ReasonOut]:
    return [
        ReasonOut(
            name=None if p.secret else b.member.public_name,
            choice=b.choice if isinstance(b.choice, str) else None,
            reason=b.reason,
        )
        for b in ballots
    ]


class ProposalOut(ReadOut):
    number: int
    kind: str
    title: str
    text: str
    proposed_by: str
    method: str
    options: list[dict[str, str]]
    secret: bool
    rules: JSON = Field(
        description=(
            "The tally rules fixed when it opened; a participatory budget's add its pot, each option's cost (both in "
            "minor units of the currency its payload names) and the least share of the pot a ballot spends."
        )
    )
    status: str
    opens_at: datetime
    closes_at: datetime
    participants: int
    outcome: JSON | None
    payload: JSON = Field(
        default_factory=dict,
        description=(
            "What adoption does: for an amendment the rule changes and their review date, for an "
            "election the role, for a split who stays, who leaves and the new cell's name."
        ),
    )
    review_on: date | None
    ledger_seq: int | None
    my_choice: Any = None
    my_reason: str | None = None
    version: int = Field(description="The version of the text put to the vote: 1, and one more for each amendment.")
    objections: list[ReasonOut] = Field(
        description="While a consent or consensus vote is open: the objections (blocks) that stand, with their reasons."
    )
    reasons: list[ReasonOut] = Field(
        description="Once closed: every reason given with a vote, named unless ballots are secret (then in no order "
        "that tells who)."
    )
    versions: list[VersionOut] = Field(description="Every version of an amended proposal; empty if never amended.")

    @staticmethod
    def resolve_proposed_by(p: Proposal) -> str:
        return p.author.public_name

    @staticmethod
    def resolve_participants(p: Proposal) -> int:
        return selectors.participants(p)

    @staticmethod
    def resolve_my_choice(p: Proposal, context: dict[str, Any]) -> Any:
        mine = selectors.ballot_of(p, context["me"])
        return mine.choice if mine else None

    @staticmethod
    def resolve_my_reason(p: Proposal, context: dict[str, Any]) -> str | None:
        mine = selectors.ballot_of(p, context["me"])
        return mine.reason if mine else None

    @staticmethod
    def resolve_objections(p: Proposal) -> list[ReasonOut]:
        objection = objection_of(Method(p.method))
        if objection is None or p.status != Proposal.Status.OPEN:
            return []
        return _reasons(p, selectors.standing_objections(p, objection))

    @staticmethod
    def resolve_reasons(p: Proposal) -> list[ReasonOut]:
        if p.status != Proposal.Status.CLOSED:
            return []
        given = _reasons(p, selectors.reasons_given(p))
        return sorted(given, key=lambda r: (r.choice or "", r.reason)) if p.secret else given

    @staticmethod
    def resolve_versions(p: Proposal) -> list[VersionOut]:
        return [
            VersionOut(
                version=v.version,
                title=v.title,
                text=v.text,
                note=v.note,
                by=v.by.public_name,
                at=v.at,
                ledger_seq=v.ledger_seq,
            )
            for v in selectors.versions(p)
        ]


def proposal_out(p: Proposal, me: Member | None) -> ProposalOut:
    """The proposal as ``me`` sees it: its own fields by name, the others from the resolvers above."""
    return ProposalOut.from_orm(p, context={"me": me})


def _proposal(slug: str, number: int) -> Proposal:
    assembly = access_assembly(slug)
    proposal = selectors.proposal_or_404(assembly, number)
    return services.do_close_if_due(proposal, now())


def _proposal_for(request: HttpRequest, slug: str, number: int, needs: Action) -> tuple[Proposal, Member]:
    """The proposal with this number (closed first if its vote is due), and the caller's membership, if they may do
    ``needs`` as a member; else a refusal (or 404)."""
    proposal = _proposal(slug, number)
    return proposal, member_for(request, proposal.assembly, needs)


def proposed(draft: services.ProposalDraft, member: Member | None) -> Status[ProposalOut]:
    """Open the drafted proposal and answer it as created, as ``member`` sees it."""
    return Status(201, proposal_out(services.do_propose(draft, now()), member))


@public(router.get, "/assemblies/{slug}/proposals", list[ProposalOut], "Proposals, newest first")
def list_proposals(
    request: HttpRequest,
    slug: Slug,
    status: Literal["open", "closed", "withdrawn"] | None = None,
    limit: Annotated[int, params.Query(ge=1, le=200)] = 50,
) -> list[ProposalOut]:
    assembly = access_assembly(slug)
    rows = selectors.proposals(assembly, status)
    _, me = actor(request.user, assembly, now().date())
    return [proposal_out(p, me) for p in rows[:limit]]


class ProposeIn(BodyIn):
    title: str = Field(min_length=3, max_length=200)
    text: str = Field("", max_length=20_000)
    method: MethodName | None = Field(None, description="The charter's method if left out.")
    options: list[Annotated[str, Field(max_length=200)]] = Field(
        default_factory=list,
        max_length=services.MAX_OPTIONS,
        description="For approval, score, ranked choice and time polls: 2 or more options.",
    )
    voting_days: int | None = Field(None, ge=1, le=90, description="The charter's if left out.")
    pot: AmountText | None = Field(
        None, description="A participatory budget's pot, in the assembly's currency (the payload names it)."
    )
    costs: list[AmountText] = Field(
        default_factory=list,
        max_length=services.MAX_OPTIONS,
        description="A participatory budget's cost of each option, in the options' order.",
    )
    min_share_percent: int = Field(
        0, ge=0, le=100, description="A participatory budget: the least share of the pot a ballot that chooses spends."
    )


@authed(router.post, "/assemblies/{slug}/proposals", ProposalOut, "Make a proposal", (400,))
def propose(request: HttpRequest, slug: Slug, body: ProposeIn) -> Status[ProposalOut]:
    member = member_in(request, slug, Action.PROPOSE)
    draft = services.check_propose(
        member,
        title=body.title,
        text=body.text,
        method=body.method,
        options=body.options,
        voting_days=body.voting_days,
        pot=body.pot or "",
        costs=body.costs,
        min_share_percent=body.min_share_percent,
    )
    return proposed(draft, member)


class AmendIn(BodyIn):
    changes: dict[str, Any] = Field(description='Each rule to change and its new value, such as {"max_size": 12}.')
    review_on: date | None = None
    text: str = Field("", max_length=20_000)


@authed(router.post, "/assemblies/{slug}/amendments", ProposalOut, "Propose a charter amendment", (400,))
def amend(request: HttpRequest, slug: Slug, body: AmendIn) -> Status[ProposalOut]:
    member = member_in(request, slug, Action.PROPOSE)
    return proposed(services.check_amendment(member, body.changes, body.review_on, body.text, now()), member)


#: The address of one proposal, under which its routes live.
PROPOSAL = "/assemblies/{slug}/proposals/{number}"


@public(router.get, PROPOSAL, ProposalOut, "One proposal and, once closed, its outcome")
def get_proposal(request: HttpRequest, slug: Slug, number: Number) -> ProposalOut:
    proposal = _proposal(slug, number)
    _, me = actor(request.user, proposal.assembly, now().date())
    return proposal_out(proposal, me)


def _as_it_is_now(proposal: Proposal, member: Member) -> ProposalOut:
    """Re-read the proposal after an act: the last ballot closes the vote at once, and the answer should say so."""
    proposal.refresh_from_db()
    return proposal_out(proposal, member)


class BallotIn(BodyIn):
    choice: Any = Field(
        description=(
            "As the method asks: an answer, a list of option ids (approval, a ranking, or a participatory "
            "budget's options, which together may cost at most the pot), or an object by option id."
        )
    )
    reason: str = Field(
        "",
        max_length=MAX_REASON,
        description="Why; needed to object, block or stand aside. Published with the decision (named if ballots are "
        "open).",
    )


@authed(router.post, f"{PROPOSAL}/ballot", ProposalOut, "Vote", (400, 409))
def vote(request: HttpRequest, slug: Slug, number: Number, body: BallotIn) -> Status[ProposalOut]:
    proposal, member = _proposal_for(request, slug, number, Action.VOTE)
    choice = services.check_vote(member, proposal, body.choice, now(), body.reason)
    services.do_vote(member, proposal, choice, now(), body.reason)
    return Status(201, _as_it_is_now(proposal, member))


@authed(
    router.put, f"{PROPOSAL}/ballot", ProposalOut, "Change your vote while the vote is open", (400, 409), status=200
)
def change_vote(request: HttpRequest, slug: Slug, number: Number, body: BallotIn) -> ProposalOut:
    proposal, member = _proposal_for(request, slug, number, Action.VOTE)
    choice = services.check_change_vote(member, proposal, body.choice, now(), body.reason)
    services.do_change_vote(member, proposal, choice, now(), body.reason)
    return _as_it_is_now(proposal, member)


class NewVersionIn(BodyIn):
    text: str = Field(max_length=20_000, description="The whole new text.")
    note: str = Field(min_length=1, max_length=MAX_REASON, description="What changed, and which objection it answers.")
    title: str = Field("", max_length=200, description="A new title (plain decisions only); the same if left empty.")


@authed(
    router.post,
    f"{PROPOSAL}/versions",
    ProposalOut,
    "Amend your open consent or consensus proposal: a new version, consents and stand-asides reset",
    (400, 409),
)
def amend_proposal(request: HttpRequest, slug: Slug, number: Number, body: NewVersionIn) -> Status[ProposalOut]:
    proposal, member = _proposal_for(request, slug, number, Action.PROPOSE)
    draft = services.check_amend_proposal(member, proposal, text=body.text, note=body.note, title=body.title, now=now())
    services.do_amend_proposal(draft, now())
    return Status(201, _as_it_is_now(proposal, member))


@authed(router.post, f"{PROPOSAL}/withdraw", ProposalOut, "Withdraw your open proposal", (409,), status=200)
def withdraw(request: HttpRequest, slug: Slug, number: Number) -> ProposalOut:
    proposal, member = _proposal_for(request, slug, number, Action.PROPOSE)
    services.do_withdraw(member, proposal, now())
    return _as_it_is_now(proposal, member)


class KeepOut(Schema):
    next_review_on: date


@authed(router.post, f"{PROPOSAL}/keep", KeepOut, "Keep a decision due for review", (409,), status=200)
def keep(request: HttpRequest, slug: Slug, number: Number) -> KeepOut:
    proposal, member = _proposal_for(request, slug, number, Action.PROPOSE)
    return KeepOut(next_review_on=services.do_keep_outcome(member, proposal, now()))


api.add_router("/", router)
