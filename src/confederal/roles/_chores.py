"""Sharing the unpleasant work: assigning chores for the coming period."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from ._errors import RotationError
from ._rules import Term, absent_set, check_history, check_members

__all__ = ["chore_rota"]


def chore_rota(
    members: Sequence[str],
    chores: Sequence[str],
    history: Mapping[str, Sequence[Term]],
    absent: Collection[str] = (),
) -> dict[str, str | None]:
    """Assign each chore for the coming period so that the work is shared evenly.

    ``history`` maps a chore to its past terms, oldest first; it may name
    chores no longer in ``chores``, and those terms still count as work done.
    Chores are assigned in the order given. Each goes to the present member
    with, in turn: the fewest chores already given out this period (so nobody
    gets a second chore while a present member has none, and with more chores
    than members the extra ones wrap round the same way); the fewest chore
    terms in total, across every chore in ``history`` plus this period; the
    fewest terms of this chore; the longest since holding this chore (never
    counts as longest ago); the earliest place in ``members``.

    Returns ``{chore: member}`` for every chore, in chore order, with None when
    no member is present. Over many periods, the total chore counts of members
    present every period never differ by more than one.

    Raises:
        RotationError: ``duplicate_member`` or ``bad_members``; ``duplicate_chore``;
            or a chore's history out of order.
    """
    check_members(members)
    away = absent_set(absent)
    seen: set[str] = set()
    for chore in chores:
        if chore in seen:
            raise RotationError("duplicate_chore", "The chore {chore} is listed twice.", chore=chore)
        seen.add(chore)
    order = {member: i for i, member in enumerate(members)}
    total = dict.fromkeys(members, 0)
    this_chore: dict[str, dict[str, int]] = {}
    last_held: dict[str, dict[str, int]] = {}
    for chore, terms in history.items():
        check_history(terms)
        counts = this_chore.setdefault(chore, {})
        positions = last_held.setdefault(chore, {})
        for position, term in enumerate(terms):
            # Terms held by people who have since left count for no one present.
            if term.holder in total:
                total[term.holder] += 1
                counts[term.holder] = counts.get(term.holder, 0) + 1
                positions[term.holder] = position

    present = [member for member in members if member not in away]
    given = dict.fromkeys(present, 0)
    assignment: dict[str, str | None] = {}
    for chore in chores:
        counts = this_chore.get(chore, {})
        positions = last_held.get(chore, {})
        holder = min(
            present,
            key=lambda m: (given[m], total[m], counts.get(m, 0), positions.get(m, -1), order[m]),
            default=None,
        )
        assignment[chore] = holder
        if holder is not None:
            given[holder] += 1
            total[holder] += 1
    return assignment
