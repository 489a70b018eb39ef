"""Scripted federation steps for the demo and the tests: each is what an assembly would do through its pages.

Every step goes through the services, and every assembly decision is a real
proposal that the members adopt by voting (the vote closes when the last member
has voted), so what the steps write is exactly what people would write.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils.translation import gettext as _

from confederal.decisions import METHOD_OPTIONS, Method
from confederal.ledger import format_time
from confederal.mutual_aid import request_ref
from confederal.node.assemblies.models import Assembly, Member
from confederal.node.books.services import books_rules, check_keeper, do_record
from confederal.node.decisions.models import Proposal
from confederal.node.decisions.services import check_federation_proposal, do_propose, do_vote
from confederal.node.errors import Refused
from confederal.node.roles.services import do_rotate

from . import selectors, services

__all__ = ["ask_for_aid", "decide", "delegate", "give_share", "keeper", "member", "pay_dues", "receive_shares"]


def member(assembly: Assembly, name: str | None = None) -> Member:
    members = assembly.members.filter(left_at__isnull=True).order_by("joined_at", "pk")
    found = members.filter(public_name=name).first() if name else members.first()
    if found is None:
        raise Refused(
            "not_a_member", _("%(assembly)s has no member called %(name)s.") % {"assembly": assembly.name, "name": name}
        )
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
        raise Refused("no_delegate", _("%(assembly)s has no delegate on that council.") % {"assembly": assembly.name})
    return member(assembly, grant.delegate)


def council_json(council_id: str, now: datetime) -> dict[str, Any]:
    item = selectors.council(council_id, now)
    if item is None:
        return {}
    return {"status": item.state.status, "ends_at": format_time(item.state.charter.ends_at), **item.state.archive()}


def motion(assembly: Assembly, council_id: str, title: str, question: str | None, now: datetime) -> str:
    seq = services.do_move_motion(delegate(assembly, council_id, now), council_id, title, "", question, now)
    return f"{assembly.ledger.origin}#{seq}"


# -- mutual aid: each step by a keeper of the assembly's books, as they would on the fund page -------------------


def keeper(assembly: Assembly, now: datetime) -> Member:
    """The first current member who may record the assembly's money now.

    When every keeping role's term has run out, the story rotates one of them, as its members would on the
    roles page: a story that runs weeks after the demo's history still finds someone holding the books.
    """
    for rotated in (False, True):
        for person in assembly.members.filter(left_at__isnull=True).order_by("joined_at", "pk"):
            try:
                check_keeper(person, now.date())
            except Refused:
                continue
            return person
        if not rotated:
            for role in books_rules(assembly).keepers:
                try:
                    do_rotate(assembly, role, now)
                except Refused:
                    continue
    raise Refused("no_keeper", _("Nobody in %(assembly)s keeps its books now.") % {"assembly": assembly.name})


def pay_dues(assembly: Assembly, federation: str, now: datetime) -> int:
    """Pay what the fund's tally says the assembly owes; the transaction's number in its books."""
    draft = services.check_dues(keeper(assembly, now), federation, day=now.date(), now=now)
    return do_record(draft, now).number


def ask_for_aid(assembly: Assembly, federation: str, purpose: str, amount: str, days: int, now: datetime) -> str:
    """Ask the federation for money within ``days``; the request's reference (origin#number)."""
    draft = services.check_ask(
        keeper(assembly, now),
        federation,
        offer=False,
        purpose=purpose,
        by=now.date() + timedelta(days=days),
        amount=amount,
        now=now,
    )
    return request_ref(assembly.ledger.origin, services.do_ask(draft, now))


def give_share(assembly: Assembly, federation: str, request: str, now: datetime) -> int:
    """Pay the assembly's share of a granted request out of its fund holding."""
    draft = services.check_give(keeper(assembly, now), federation, request, day=now.date(), now=now)
    return do_record(draft, now).number


def receive_shares(assembly: Assembly, federation: str, request: str, now: datetime) -> list[int]:
    """Record receiving every share the givers' ledgers (as this node holds them) say they paid."""
    found = services.grant_request(assembly, federation, request, now.date())
    person = keeper(assembly, now)
    recorded = []
    for giver, given in sorted(found.given.items()):
        if given > found.received.get(giver, 0):
            draft = services.check_receive(person, federation, request, giver, day=now.date(), now=now)
            recorded.append(do_record(draft, now).number)
    return recorded
