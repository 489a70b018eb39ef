"""Scripted federation steps for the demo and the tests: each is what an assembly would do through its pages.

Every step goes through the services, and every assembly decision is a real
proposal that the members adopt by voting (the vote closes when the last member
has voted), so what the steps write is exactly what people would write.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from confederal.decisions import METHOD_OPTIONS, Method
from confederal.ledger import format_time
from confederal.node.assemblies.models import Assembly, Member
from confederal.node.decisions.models import Proposal
from confederal.node.decisions.services import check_federation_proposal, do_propose, do_vote
from confederal.node.errors import Refused

from . import selectors, services

__all__ = ["decide", "delegate", "member"]


def member(assembly: Assembly, name: str | None = None) -> Member:
    members = assembly.members.filter(left_at__isnull=True).order_by("joined_at", "pk")
    found = members.filter(public_name=name).first() if name else members.first()
    if found is None:
        raise Refused("not_a_member", f"{assembly.name} has no member called {name}.")
    return found


def decide(assembly: Assembly, payload: dict[str, Any], now: datetime, text: str = "") -> Proposal:
    """Propose a federation action to the assembly, and have every member vote yes."""
    draft = check_federation_proposal(member(assembly), payload, text, now)
    proposal = do_propose(draft, now)
    yes = (METHOD_OPTIONS[Method(proposal.method)] or ("for",))[0]
    for person in assembly.members.filter(left_at__isnull=True):
        proposal.refresh_from_db()
        if proposal.status != Proposal.Status.OPEN:
            break
        do_vote(person, proposal, yes, now)
    proposal.refresh_from_db()
    return proposal


def delegate(assembly: Assembly, council_id: str, now: datetime) -> Member:
    """The member holding the assembly's live mandate on a council."""
    item = selectors.council(council_id, now)
    seat = item.state.seats.get(assembly.ledger.origin) if item is not None else None
    grant = seat.current if seat is not None else None
    if grant is None:
        raise Refused("no_delegate", f"{assembly.name} has no delegate on that council.")
    return member(assembly, grant.delegate)


def council_json(council_id: str, now: datetime) -> dict[str, Any]:
    item = selectors.council(council_id, now)
    if item is None:
        return {}
    return {"status": item.state.status, "ends_at": format_time(item.state.charter.ends_at), **item.state.archive()}


def motion(assembly: Assembly, council_id: str, title: str, question: str | None, now: datetime) -> str:
    seq = services.do_move_motion(delegate(assembly, council_id, now), council_id, title, "", question, now)
    return f"{assembly.ledger.origin}#{seq}"
