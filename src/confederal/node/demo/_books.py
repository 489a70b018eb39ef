"""What the demo stories keep their money with: budgets put to the vote, payments with receipts, approvals.

Every act goes through the books' services, as a member would take it on the page.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django_otp.oath import totp

from ..accounts.services import do_confirm_two_factor, do_start_two_factor
from ..assemblies.models import Member
from ..books import services as books
from ..books.models import BookTransaction, SpendRequest
from ..decisions.models import Proposal
from ..decisions.services import do_close, do_propose
from ..roles.services import current_terms
from . import _story as st

__all__ = ["adopt_budget", "keeper", "pay", "receipt", "reverse", "spend", "spend_by_decision", "turn_on_two_factor"]


def keeper(s: st.Story, t: datetime, role: str = "treasurer") -> Member:
    """Whoever holds ``role`` on the day: the one who records the money then."""
    assert s.assembly is not None
    return current_terms(s.assembly, t.date())[role].member


def turn_on_two_factor(member: Member) -> None:
    """Set up the member's authenticator as they would on their account page (the charter asks it of treasurers)."""
    device = do_start_two_factor(member.user)
    do_confirm_two_factor(member.user, f"{totp(device.bin_key):06d}")


def receipt(issuer: str, what: str, amount: str, t: datetime) -> books.ReceiptFile:
    text = f"{issuer}\nReceipt, {t.date().isoformat()}\n{what}\nTotal: {amount} EUR\nPaid. Thank you.\n"
    return books.ReceiptFile(text.encode(), "text/plain", f"receipt-{t.date().isoformat()}.txt")


def adopt_budget(
    s: st.Story,
    author: str,
    title: str,
    t: datetime,
    days: int,
    lines: Sequence[tuple[str, str, str, str, str]],
    choices: dict[str, Any],
    text: str = "",
) -> Proposal:
    draft = books.check_budget_proposal(
        s.members[author], title=title, start=t.date(), end=t.date() + timedelta(days=days), lines=lines, text=text
    )
    proposal = do_propose(draft, t)
    st.vote(s, proposal, choices, t + timedelta(hours=2))
    return do_close(proposal, proposal.closes_at)


def pay(s: st.Story, t: datetime, who: Member, **fields: Any) -> BookTransaction:
    values: dict[str, Any] = {"day": t.date(), "direction": "out", "account": "Bank"} | fields
    return books.do_record(books.check_transaction(who, now=t, **values), t)


def spend(s: st.Story, t: datetime, who: Member, approvers: Sequence[str], **fields: Any) -> SpendRequest:
    """Ask for approval of a spend, have it approved by ``approvers`` the next day, and pay it the day after."""
    values: dict[str, Any] = {"day": t.date(), "direction": "out", "account": "Bank"} | fields
    request = books.do_request_spend(books.check_request_spend(who, now=t, **values), t)
    for name in approvers:
        request = books.do_approve(s.members[name], request, t + timedelta(days=1))
    if request.status == SpendRequest.Status.APPROVED:
        paid = t + timedelta(days=2)
        books.do_record(books.check_pay(who, request, paid.date(), paid), paid)
    return request


def reverse(row: BookTransaction, who: Member, reason: str, t: datetime) -> BookTransaction:
    return books.do_record(books.check_reverse(who, row, reason, t), t)


def spend_by_decision(s: st.Story, t: datetime, who: Member, choices: dict[str, Any], **fields: Any) -> SpendRequest:
    """Ask for a spend the charter has the assembly decide, vote it through, and pay it once adopted."""
    values: dict[str, Any] = {"day": t.date(), "direction": "out", "account": "Bank"} | fields
    request = books.do_request_spend(books.check_request_spend(who, now=t, **values), t)
    assert s.assembly is not None
    assert request.proposal_number is not None
    proposal = Proposal.objects.get(assembly=s.assembly, number=request.proposal_number)
    st.vote(s, proposal, choices, t + timedelta(hours=2))
    do_close(proposal, proposal.closes_at)
    request.refresh_from_db()
    if request.status == SpendRequest.Status.APPROVED:
        paid = proposal.closes_at + timedelta(hours=1)
        books.do_record(books.check_pay(who, request, paid.date(), paid), paid)
    return request
