"""Federation routes: federations, councils and their archives, peers, and what delegates and assemblies do.

An assembly's federation actions (found, join, leave, convene, join or leave a
council, appoint or recall a delegate) are proposals it decides on like any other;
a delegate's motions and votes are written to the home assembly's ledger.
"""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from confederal.node.access import is_operator, require_operator
from confederal.node.assemblies.models import Member
from confederal.node.decisions.services import check_federation_proposal
from confederal.node.errors import Refused
from confederal.node.federation import selectors, services
from confederal.node.web import now
from confederal.permissions import Action

from ._base import JSON, SLUG_PATTERN, BodyIn, Hash, Slug, api, authed, member_in, public, user_of, viewer
from .decisions import ProposalOut, proposed

router = Router(tags=["federation"])


def _federation(federation_id: str) -> selectors.Federation:
    fed = selectors.federation(federation_id)
    if fed is None:
        raise Refused("unknown_federation", _("This node knows no such federation."), 404)
    return fed


def _council(federation_id: str, council_id: str) -> selectors.Council:
    item = selectors.council(council_id, now())
    if item is None or item.federation.id != federation_id:
        raise Refused("unknown_council", _("This node knows no such council."), 404)
    return item


@public(router.get, "/federations", list[JSON], "Federations this node knows, with their members")
def list_federations(request: HttpRequest) -> list[JSON]:
    return [selectors.federation_json(f) for f in selectors.federations()]


@public(router.get, "/federations/{federation_id}", JSON, "A federation and its councils")
def get_federation(request: HttpRequest, federation_id: Hash) -> JSON:
    fed = _federation(federation_id)
    moment = now()
    return {
        **selectors.federation_json(fed),
        "councils": [selectors.council_summary(c, moment) for c in selectors.councils_of(fed, moment)],
    }


#: The address of one council, under which its routes live.
COUNCIL = "/federations/{federation_id}/councils/{council_id}"


@public(
    router.get,
    COUNCIL,
    JSON,
    "A council: seats, mandates, motions, votes, what was ignored and why, and its sunsets",
)
def get_council(request: HttpRequest, federation_id: Hash, council_id: Hash) -> JSON:
    item = _council(federation_id, council_id)
    return {
        **selectors.council_summary(item, now()),
        "archive": item.state.archive(),
        "sunsets": selectors.sunsets(item.id),
    }


class FederationProposalIn(BodyIn):
    action: Literal["found", "join", "leave", "convene", "join_council", "leave_council", "appoint", "recall"]
    federation: str = ""
    council: str | JSON = Field(
        default="", description="The council's id; for 'convene', the council's charter (objective, times, agenda)."
    )
    charter: JSON = Field(default_factory=dict, description="For 'found': the federation's charter.")
    delegate: str = ""
    mandate: JSON = Field(default_factory=dict, description="For 'appoint': text, instructions, red_lines.")
    text: str = ""


@authed(
    router.post,
    "/assemblies/{slug}/federation-proposals",
    ProposalOut,
    "Put a federation action to the assembly's decision",
    (400, 409),
)
def propose_federation_action(request: HttpRequest, slug: Slug, body: FederationProposalIn) -> Status[ProposalOut]:
    member = member_in(request, slug, Action.PROPOSE)
    payload: dict[str, Any] = body.dict(exclude={"text"})
    return proposed(check_federation_proposal(member, payload, body.text, now()), member)


class MotionIn(BodyIn):
    assembly: str = Field(pattern=SLUG_PATTERN, description="The delegate's home assembly")
    title: str = Field(min_length=3, max_length=200)
    text: str = ""
    question: str | None = Field(default=None, description="The agenda question it decides, such as q1")


class ActOut(Schema):
    assembly: str
    seq: int = Field(description="The entry in the home assembly's ledger")


def _delegate(request: HttpRequest, federation_id: str, council_id: str, slug: str) -> Member:
    """The caller's membership of their home assembly, if the council is known and they may vote; else a refusal."""
    _council(federation_id, council_id)
    return member_in(request, slug, Action.VOTE)


def _acted(member: Member, seq: int) -> Status[ActOut]:
    return Status(201, ActOut(assembly=member.assembly.ledger.origin, seq=seq))


@authed(router.post, f"{COUNCIL}/motions", ActOut, "Move a motion, as a delegate with a live mandate", (400, 409))
def move_motion(request: HttpRequest, federation_id: Hash, council_id: Hash, body: MotionIn) -> Status[ActOut]:
    member = _delegate(request, federation_id, council_id, body.assembly)
    return _acted(member, services.do_move_motion(member, council_id, body.title, body.text, body.question, now()))


class CouncilVoteIn(BodyIn):
    assembly: str = Field(pattern=SLUG_PATTERN, description="The delegate's home assembly")
    motion: str = Field(description="The motion's id, origin#seq")
    choice: Literal["for", "against", "abstain"]


@authed(
    router.post,
    f"{COUNCIL}/votes",
    ActOut,
    "Vote on a motion, as a delegate; a vote against the mandate is refused or flagged as the charter says",
    (400, 409),
)
def cast_vote(request: HttpRequest, federation_id: Hash, council_id: Hash, body: CouncilVoteIn) -> Status[ActOut]:
    member = _delegate(request, federation_id, council_id, body.assembly)
    return _acted(member, services.do_cast_council_vote(member, council_id, body.motion, body.choice, now()))


@public(router.get, "/federation/peers", JSON, "Peers, the ledgers followed, and fork evidence", token=True)
def list_peers(request: HttpRequest) -> JSON:
    return selectors.peers_json(details=is_operator(viewer(request)))


class PeerIn(BodyIn):
    url: str = Field(description="An http(s) address without credentials, at a public address.")


@authed(
    router.post,
    "/federation/peers",
    JSON,
    "Follow a node at a public address, as this node's operator: its ledgers' keys are pinned on first contact",
    (400, 409),
)
def add_peer(request: HttpRequest, body: PeerIn) -> Status[JSON]:
    require_operator(user_of(request))
    peer = services.do_add_peer(body.url, now())
    return Status(201, selectors.peer_json(peer, details=True))


@authed(
    router.delete,
    "/federation/peers",
    None,
    "Stop following a node, as this node's operator (the copies of its ledgers verified so far are kept)",
    (404,),
    status=204,
)
def remove_peer(request: HttpRequest, url: str) -> Status[None]:
    require_operator(user_of(request))
    services.do_remove_peer(services.check_remove_peer(url))
    return Status(204, None)


api.add_router("/", router)
