"""Mutual aid: ask the federation for help or offer it, put a grant to the assembly's vote, pay dues, pay and
receive a grant's share.

Nothing here keeps a table of its own: requests and offers are ledger records, and every movement of money is a
``books.transaction`` written through the books' own write path (``record_in_transaction`` under ``do_record``),
carrying its ``aid`` link. What is owed, held and granted is always the fund fold over the member ledgers
(``selectors.fund``), so the figure a keeper is offered is the figure every node shows.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from confederal.books import AidLink, Amount, BooksError
from confederal.mutual_aid import AidOffer, AidRequest, FundState, RequestState, fund_account
from confederal.node.assemblies.models import Assembly, Member
from confederal.node.assemblies.services import lock
from confederal.node.books.services import TransactionDraft, check_keeper, check_transaction
from confederal.node.errors import Refused
from confederal.node.ledgers.services import Record, append_in_transaction, publish
from confederal.node.text import check_line, clean

from .. import selectors

__all__ = [
    "AskDraft",
    "check_ask",
    "check_dues",
    "check_give",
    "check_grant_vote",
    "check_receive",
    "do_ask",
    "dues_outstanding",
    "grant_request",
]


def _member_fund(assembly: Assembly, federation_id: str, today: date) -> tuple[selectors.Federation, FundState]:
    """The federation (which ``assembly`` is a member of) and its fund as this node folds it.

    Raises:
        Refused: unknown federation, not a member, or the charter has no mutual-aid rule.
    """
    fed = selectors.federation(federation_id) if isinstance(federation_id, str) else None
    if fed is None:
        raise Refused("unknown_federation", _("This node knows no federation with that id."), 404)
    if not fed.state.is_member(assembly.ledger.origin):
        raise Refused("not_member", _("Only a member of the federation takes part in its fund."), 403)
    state = selectors.fund(fed, today)
    if state is None:
        raise Refused("no_aid_rule", _("This federation's charter sets no mutual-aid rule yet: it has no fund."), 409)
    return fed, state


@dataclass(frozen=True)
class AskDraft:
    assembly: Assembly
    body: AidRequest | AidOffer


def check_ask(
    member: Member,
    federation_id: str,
    *,
    offer: bool,
    purpose: str,
    by: date,
    amount: str = "",
    goods: str = "",
    quantity: int | None = None,
    unit: str = "",
    now: datetime,
) -> AskDraft:
    """A request for help (or an offer of it): money in the assembly's currency, or goods in their own unit.

    Raises:
        Refused: not a keeper of the books, not a member of the federation, a bad amount, goods without a
            quantity and unit, or a day already past.
    """
    rules = check_keeper(member, now.date())
    fed, _state = _member_fund(member.assembly, federation_id, now.date())
    purpose = check_line(purpose, 3, 500, "bad_purpose", _("Say what it is for in 3 to 500 characters."))
    if by < now.date():
        raise Refused("in_the_past", _("Give a day that has not passed yet."))
    money = None
    if clean(amount):
        try:
            money = Amount.parse(clean(amount).replace(",", ""), rules.currency)
        except BooksError as exc:
            raise Refused(exc.code, exc.message) from exc
        if money.minor <= 0:
            raise Refused("bad_amount", _("Give an amount of more than zero, such as 120.00."))
        if clean(goods):
            raise Refused("money_or_goods", _("Ask for money or for goods, not both at once."))
        fields: dict[str, Any] = {"amount": money}
    else:
        if quantity is None or not 1 <= quantity <= 10**9:
            raise Refused("bad_quantity", _("Give an amount of money, or how many of the goods (a whole number)."))
        fields = {
            "goods": check_line(goods, 1, 80, "bad_goods", _("Name the goods or service in 1 to 80 characters.")),
            "quantity": quantity,
            "unit": check_line(unit, 1, 32, "bad_unit", _("Name the unit (trays, hours, kWh) in 1 to 32 characters.")),
        }
    kind = AidOffer if offer else AidRequest
    return AskDraft(member.assembly, kind(fed.id, 1, purpose, by, **fields))


def do_ask(draft: AskDraft, now: datetime) -> int:
    """Write the request or offer in the assembly's ledger, numbered after its earlier ones; return its number."""
    with transaction.atomic(durable=True):
        assembly = lock(draft.assembly)
        kind = draft.body.kind
        numbers = [
            int(str(a.body.get("number", 0))) for a in selectors.fund_acts(assembly.ledger.origin) if a.kind == kind
        ]
        body = replace(draft.body, number=max(numbers, default=0) + 1)
        append_in_transaction(assembly.ledger, [Record(body)], now)
    publish(assembly.ledger, now)
    return body.number


def grant_request(assembly: Assembly, federation_id: str, ref: str, today: date) -> RequestState:
    """A money request of the federation, as the fund fold sees it.

    Raises:
        Refused: unknown federation or request, or the request is for goods (only money is granted from the fund).
    """
    _fed, state = _member_fund(assembly, federation_id, today)
    found = state.request(ref) if isinstance(ref, str) else None
    if found is None:
        raise Refused("unknown_request", _("The federation has no such request for aid."), 404)
    if not found.request.is_money:
        raise Refused("goods_request", _("Goods and services are given by offers, not granted from the fund."))
    return found


def check_grant_vote(member: Member, federation_id: str, ref: str, choice: str, text: str, now: datetime) -> Any:
    """Draft the proposal by which the assembly decides, by its own method, how it votes on a grant."""
    from confederal.node.decisions.services import check_federation_proposal

    payload = {"action": "aid_vote", "federation": federation_id, "request": ref, "choice": choice}
    return check_federation_proposal(member, payload, text, now)


def dues_outstanding(assembly: Assembly, state: FundState) -> Amount | None:
    """What the assembly still owes the fund, by the fold; None when its books show nothing yet."""
    holder = state.holder(assembly.ledger.origin)
    if holder is None or holder.currency is None:
        return None
    return Amount(max(holder.owed - holder.paid, 0), holder.currency)


def check_dues(
    member: Member, federation_id: str, *, day: date, amount: str = "", account: str = "Bank", now: datetime
) -> TransactionDraft:
    """Pay dues: move money from ``account`` into the assembly's own fund holding; by default what it owes.

    Raises:
        Refused: not a keeper, not a member, nothing owed and no amount given, or what the books refuse.
    """
    fed, state = _member_fund(member.assembly, federation_id, now.date())
    if not clean(amount):
        owed = dues_outstanding(member.assembly, state)
        if owed is None or owed.minor <= 0:
            raise Refused("nothing_owed", _("By the fund's tally this assembly owes nothing now: give an amount."))
        amount = owed.format()
    name = fed.state.charter.name
    return check_transaction(
        member,
        day=day,
        direction="transfer",
        amount=amount,
        description=_("Mutual-aid dues to %(federation)s") % {"federation": name},
        account=account,
        category=fund_account(name),
        category_kind="bank",
        now=now,
        aid=AidLink(fed.id, "dues"),
    )


def check_give(member: Member, federation_id: str, ref: str, *, day: date, now: datetime) -> TransactionDraft:
    """Pay this assembly's share of a granted request out of its fund holding, to the assembly that asked.

    The grant is the approval: the federation's members decided it, so the books' own spending threshold does
    not hold it back (``asking=True`` skips only that check).

    Raises:
        Refused: not a keeper, the request is not granted, or this assembly's share is paid already.
    """
    found = grant_request(member.assembly, federation_id, ref, now.date())
    origin = member.assembly.ledger.origin
    if not found.granted:
        raise Refused("not_granted", _("This request has not been granted: a majority of members must vote for it."))
    left = found.shares.get(origin, 0) - found.given.get(origin, 0)
    if left <= 0:
        raise Refused("share_paid", _("This assembly owes nothing more toward this grant."), 409)
    fed = selectors.federation(federation_id)
    assert fed is not None
    assert found.request.amount is not None
    return check_transaction(
        member,
        day=day,
        direction="out",
        amount=Amount(left, found.request.amount.currency).format(),
        description=_("Mutual aid to %(assembly)s: %(purpose)s")
        % {"assembly": fed.title(found.origin)[:100], "purpose": found.request.purpose[:300]},
        account=fund_account(fed.state.charter.name),
        category=_("Mutual aid given"),
        category_kind="expense",
        now=now,
        asking=True,
        aid=AidLink(fed.id, "grant", ref, found.origin),
    )


def check_receive(
    member: Member, federation_id: str, ref: str, giver: str, *, day: date, account: str = "Bank", now: datetime
) -> TransactionDraft:
    """Record receiving a share the giver's ledger says it paid: the same sum, naming the giver.

    Raises:
        Refused: not a keeper, not this assembly's request, or nothing from that giver waits to be recorded.
    """
    found = grant_request(member.assembly, federation_id, ref, now.date())
    if found.origin != member.assembly.ledger.origin:
        raise Refused("not_requester", _("Only the assembly that asked records receiving its grant."), 403)
    left = found.given.get(giver, 0) - found.received.get(giver, 0)
    if left <= 0:
        raise Refused(
            "nothing_given", _("Nothing from that assembly waits to be recorded: its payment is not in its ledger yet.")
        )
    fed = selectors.federation(federation_id)
    assert fed is not None
    assert found.request.amount is not None
    return check_transaction(
        member,
        day=day,
        direction="in",
        amount=Amount(left, found.request.amount.currency).format(),
        description=_("Mutual aid from %(assembly)s: %(purpose)s")
        % {"assembly": fed.title(giver)[:100], "purpose": found.request.purpose[:300]},
        account=account,
        category=_("Mutual aid received"),
        category_kind="income",
        now=now,
        asking=True,
        aid=AidLink(fed.id, "grant", ref, giver),
    )
