"""Reasons on votes, and how consent and consensus resolve an objection before the window ends.

An objection (consent's ``object``), a block (consensus) and a stand-aside must say why: the
reason is what the proposer answers, and it is published with the decision. Any other answer
may carry a reason. While an objection stands the proposer may amend the proposal (a new
version of its text); the objector may withdraw it (consent, agree) or stand aside instead.

An amendment changes what people consented to, so their consents and stand-asides no longer
hold and every one of them is asked again; an objection holds until its author says the new
version resolves it (``survives_amendment``). So that people can read the new version, an
amendment leaves at least ``READING_TIME`` before the window ends (``window_after_amendment``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Final

from ._errors import DecisionError
from ._methods import Ballot, Method

__all__ = [
    "MAX_REASON",
    "READING_TIME",
    "check_reason",
    "needs_reason",
    "objection_of",
    "standing_objections",
    "survives_amendment",
    "window_after_amendment",
]

#: The longest reason a ballot may carry, in characters.
MAX_REASON: Final = 2000
#: The least time an amended proposal stays open after the amendment, so people can read it.
READING_TIME: Final = timedelta(hours=24)

_OBJECTION: Final = {Method.CONSENT: "object", Method.CONSENSUS: "block"}
_STAND_ASIDE: Final = "stand_aside"


def objection_of(method: Method) -> str | None:
    """The answer that objects under ``method`` ("object", "block"), or ``None`` if it has no resolution step."""
    return _OBJECTION.get(method)


def needs_reason(method: Method, choice: object) -> bool:
    """Whether this answer must say why: an objection, a block or a stand-aside."""
    return objection_of(method) is not None and choice in (_OBJECTION[method], _STAND_ASIDE)


def check_reason(method: Method, choice: object, reason: str) -> str:
    """The reason as kept (blank space around it trimmed), if it fits this answer.

    Raises:
        DecisionError: ``reason_required`` for an objection, block or stand-aside without a reason;
            ``reason_too_long`` past ``MAX_REASON`` characters.
    """
    reason = reason.strip()
    if not reason and needs_reason(method, choice):
        if choice == _STAND_ASIDE:
            raise DecisionError("reason_required", "Say why you stand aside; your reason is published with the vote.")
        raise DecisionError(
            "reason_required",
            "Say how the proposal would cause harm: an objection needs a reason the proposer can answer.",
        )
    if len(reason) > MAX_REASON:
        raise DecisionError(
            "reason_too_long",
            "Keep the reason under {limit} characters; it has {length}.",
            limit=MAX_REASON,
            length=len(reason),
        )
    return reason


def standing_objections(method: Method, ballots: Iterable[Ballot]) -> tuple[Ballot, ...]:
    """The ballots that object (or block) now: while any stands, the proposal is not adoptable."""
    objection = objection_of(method)
    return tuple(b for b in ballots if objection is not None and b.choice == objection)


def survives_amendment(method: Method, choice: object) -> bool:
    """Whether a ballot still holds once the proposal's text is amended.

    Under consent and consensus an objection holds until its author withdraws it or stands aside;
    every other answer was given to the old text and is asked again. Other methods have no
    resolution step, and every ballot would be asked again.
    """
    objection = objection_of(method)
    return objection is not None and choice == objection


def window_after_amendment(closes: datetime, now: datetime) -> datetime:
    """When an amended proposal's window ends: as before, or ``READING_TIME`` from now if that is later."""
    return max(closes, now + READING_TIME)
