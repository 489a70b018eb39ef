"""Pieces every counting method shares: its partial result, ballot parsing, final ties and wording."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from confederal.ledger import JSONObject

from ._errors import DecisionError
from ._methods import Ballot
from ._outcome import Status, break_tie

__all__ = ["MethodResult", "join_ids", "parse_all", "plural", "resolve_top", "top_headline"]

T = TypeVar("T")


@dataclass(frozen=True)
class MethodResult:
    """What one method decided from the ballots alone, before quorum is applied.

    ``headline`` is the explanation without the closing participation clause.
    """

    status: Status
    winners: tuple[str, ...]
    counts: JSONObject
    headline: str


def parse_all(ballots: Sequence[Ballot], parse: Callable[[object], T]) -> list[T]:
    """Parse every ballot's choice, naming the voter in any error."""
    parsed: list[T] = []
    for ballot in ballots:
        try:
            parsed.append(parse(ballot.choice))
        except DecisionError as exc:
            raise DecisionError(
                exc.code, "The ballot of voter {voter} is invalid: {reason}", voter=ballot.voter, reason=exc.message
            ) from exc
    return parsed


def resolve_top(top: Sequence[str], tiebreak: bytes | None) -> tuple[Status, tuple[str, ...], JSONObject | None]:
    """Settle a final result among the best options ``top``: a winner, a tie, or a winner drawn by lot.

    Returns the status, the winners and, when lots were drawn, the record of the draw.
    """
    tied = sorted(top)
    if len(tied) == 1:
        return Status.CHOSEN, (tied[0],), None
    if tiebreak is None:
        return Status.TIE, tuple(tied), None
    chosen = break_tie(tiebreak, 0, tied)
    return Status.CHOSEN, (chosen,), {"among": list(tied), "chose": chosen, "by": "lots"}


def top_headline(
    top: Sequence[str],
    status: Status,
    winners: tuple[str, ...],
    draw: JSONObject | None,
    *,
    tied: str,
    tie: str,
    chosen: str,
) -> str:
    """The headline of a result :func:`resolve_top` settled, each case ending with the method's own words.

    ``tied`` follows the options a lot was drawn among, ``tie`` the options left tied, ``chosen`` the
    winner's id directly (so it brings its own separator).
    """
    if draw is not None:
        others = [option for option in sorted(top) if option != winners[0]]
        return f"Chosen by lot: {winners[0]}, tied with {join_ids(others)} {tied}"
    if status is Status.TIE:
        return f"Tie: {join_ids(winners)} {tie}"
    return f"Chosen: {winners[0]}{chosen}"


def join_ids(ids: Iterable[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    items = list(ids)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """``1 objection``, ``2 objections``."""
    word = singular if count == 1 else (plural_form or singular + "s")
    return f"{count} {word}"
