"""Mutual aid in a federation: dues from each member's own books, requests and offers, grants the members decide.

Pure values and functions only — no Django, no I/O, no clock: ``today`` is passed in. The commitment is the
federation charter's :class:`~confederal.federation.AidRule`; the records are ``aid.request``, ``aid.offer``
and ``aid.vote``; money moves as ``books.transaction`` entries with an ``aid`` link. :func:`fund_state` folds
all of it from the member ledgers into the same figures on every node.
"""

from ._fund import (
    FundState,
    Holder,
    Mismatch,
    PeriodDues,
    RequestState,
    due,
    fund_account,
    fund_state,
    period_of,
    shares,
)
from ._records import CHOICES, AidOffer, AidRequest, AidVote, request_ref

__all__ = [
    "CHOICES",
    "AidOffer",
    "AidRequest",
    "AidVote",
    "FundState",
    "Holder",
    "Mismatch",
    "PeriodDues",
    "RequestState",
    "due",
    "fund_account",
    "fund_state",
    "period_of",
    "request_ref",
    "shares",
]
