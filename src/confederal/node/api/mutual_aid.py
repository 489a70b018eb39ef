"""Mutual-aid routes: the federation's fund as every node folds it, and what an assembly's keepers do in it.

Asking and offering, paying dues and paying or receiving a grant's share are written by a keeper of the
assembly's books; how the assembly votes on a grant is a proposal it decides by its own method.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from confederal.node.books.services import do_record
from confederal.node.errors import Refused
from confederal.node.federation import selectors, services
from confederal.node.web import now
from confederal.permissions import Action

from ._base import JSON, SLUG_PATTERN, BodyIn, Hash, api, authed, member_in, public
from .decisions import ProposalOut, proposed

router = Router(tags=["mutual aid"])
FUND = "/federations/{federation_id}/fund"


def _fund(federation_id: str) -> tuple[selectors.Federation, JSON]:
    fed = selectors.federation(federation_id)
    state = selectors.fund(fed, now().date()) if fed is not None else None
    if fed is None or state is None:
        raise Refused("unknown_fund", _("This node knows no such federation with a mutual-aid fund."), 404)
    return fed, selectors.fund_json(fed, state)


@public(router.get, FUND, JSON, "The federation's fund: dues per assembly, holdings, grants, requests, offers")
def get_fund(request: HttpRequest, federation_id: Hash) -> JSON:
    return _fund(federation_id)[1]


class AskIn(BodyIn):
    assembly: str = Field(pattern=SLUG_PATTERN, description="The asking or offering assembly")
    kind: Literal["request", "offer"]
    purpose: str = Field(min_length=3, max_length=500)
    by: date = Field(description="The day it is needed by (or, for an offer, available until)")
    amount: str = Field(default="", max_length=30, description="Money, in the assembly's currency, such as 600.00")
    goods: str = Field(default="", max_length=80, description="Or goods or a service, such as seed packets")
    quantity: int | None = Field(default=None, ge=1, le=10**9)
    unit: str = Field(default="", max_length=32)


class AskOut(Schema):
    assembly: str
    number: int


@authed(
    router.post, f"{FUND}/asks", AskOut, "Ask the federation for aid, or offer it, as a keeper of the books", (409,)
)
def ask(request: HttpRequest, federation_id: Hash, body: AskIn) -> Status[AskOut]:
    member = member_in(request, body.assembly, Action.VIEW)
    draft = services.check_ask(
        member,
        federation_id,
        offer=body.kind == "offer",
        purpose=body.purpose,
        by=body.by,
        amount=body.amount,
        goods=body.goods,
        quantity=body.quantity,
        unit=body.unit,
        now=now(),
    )
    return Status(201, AskOut(assembly=member.assembly.ledger.origin, number=services.do_ask(draft, now())))


class GrantVoteIn(BodyIn):
    assembly: str = Field(pattern=SLUG_PATTERN)
    request: str = Field(max_length=300, description="The request, origin#number")
    choice: Literal["for", "against"]
    text: str = Field(default="", max_length=4000)


@authed(
    router.post, f"{FUND}/votes", ProposalOut, "Propose how the assembly votes on a grant, by its own method", (409,)
)
def propose_grant_vote(request: HttpRequest, federation_id: Hash, body: GrantVoteIn) -> Status[ProposalOut]:
    member = member_in(request, body.assembly, Action.PROPOSE)
    return proposed(
        services.check_grant_vote(member, federation_id, body.request, body.choice, body.text, now()), member
    )


class MoneyIn(BodyIn):
    assembly: str = Field(pattern=SLUG_PATTERN)
    day: date | None = Field(default=None, description="When the money moved; today if left out")


class DuesIn(MoneyIn):
    amount: str = Field(default="", max_length=30, description="Left out: what the fund's tally says is owed")


class PaymentIn(MoneyIn):
    request: str = Field(max_length=300, description="The granted request, origin#number")
    side: Literal["give", "receive"]
    giver: str = Field(default="", max_length=300, description="For 'receive': the giving assembly's ledger origin")


class RecordedOut(Schema):
    assembly: str
    transaction: int = Field(description="The transaction's number in the assembly's books")


@authed(router.post, f"{FUND}/dues", RecordedOut, "Record paying dues into the assembly's fund holding", (409,))
def pay_dues(request: HttpRequest, federation_id: Hash, body: DuesIn) -> Status[RecordedOut]:
    member = member_in(request, body.assembly, Action.VIEW)
    moment = now()
    draft = services.check_dues(member, federation_id, day=body.day or moment.date(), amount=body.amount, now=moment)
    row = do_record(draft, moment)
    return Status(201, RecordedOut(assembly=member.assembly.ledger.origin, transaction=row.number))


@authed(
    router.post, f"{FUND}/payments", RecordedOut, "Record paying, or receiving, a share of a granted request", (409,)
)
def pay_share(request: HttpRequest, federation_id: Hash, body: PaymentIn) -> Status[RecordedOut]:
    member = member_in(request, body.assembly, Action.VIEW)
    moment = now()
    day = body.day or moment.date()
    if body.side == "give":
        draft = services.check_give(member, federation_id, body.request, day=day, now=moment)
    else:
        draft = services.check_receive(member, federation_id, body.request, body.giver, day=day, now=moment)
    row = do_record(draft, moment)
    return Status(201, RecordedOut(assembly=member.assembly.ledger.origin, transaction=row.number))


api.add_router("/", router)
