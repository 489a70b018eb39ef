"""Who may take a role next, and why the others may not.

The history is read as runs: a run is a stretch of consecutive terms (in
history order) held by one member. With ``N`` terms in the history, a member
whose latest run ended at position ``e`` has seen ``k = N - 1 - e`` terms
held by others since.

* ``term_limit``: the member holds the latest run and it is
  ``max_consecutive_terms`` long.
* ``cooldown``: the member's latest run has ended (someone else has held the
  role since, or it hit the term limit) and ``k < cooldown_terms``. The
  holder of the latest run, under the limit, may simply continue.
* ``absent``: named in ``absent``.
* ``not_member``: the holder of the latest term has left the members; listed
  so the public record says why the incumbent does not continue.

A member with several reasons is listed once, under the first that applies in
the order term limit, cool-down, absent.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from ._rules import RoleRules, Term, absent_set, check_history, check_members

__all__ = ["Eligibility", "Exclusion", "eligibility"]

REASONS = ("term_limit", "cooldown", "absent", "holds_another_role", "not_member")


@dataclass(frozen=True)
class Exclusion:
    """A member who may not take the role this time, and the reason code.

    ``reason`` is one of ``"term_limit"``, ``"cooldown"``, ``"absent"`` and
    ``"not_member"``.
    """

    member: str
    reason: str


@dataclass(frozen=True)
class Eligibility:
    """Who may take the role (in the members order given) and who may not."""

    eligible: tuple[str, ...]
    excluded: tuple[Exclusion, ...]


@dataclass(frozen=True)
class Standing:
    """What the history says about each member: terms served and where they last served."""

    service: dict[str, int]
    # Position in the history of the member's most recent term; absent if never served.
    last_served: dict[str, int]
    eligibility: Eligibility


def eligibility(
    members: Sequence[str],
    history: Sequence[Term],
    rules: RoleRules,
    absent: Collection[str] = (),
    busy: Collection[str] = (),
) -> Eligibility:
    """Split ``members`` into those who may take the role next and those excluded, with reasons.

    ``history`` is this role's past terms, oldest first, touching or not (see
    the module docstring for how runs, term limits and cool-downs are read).
    Ids in ``absent`` that are not members are ignored; past holders who are no
    longer members are ignored, except the latest one (``not_member``).

    Raises:
        RotationError: duplicate or empty member ids, or a history out of order.
    """
    return standing(members, history, rules, absent, busy).eligibility


def standing(
    members: Sequence[str],
    history: Sequence[Term],
    rules: RoleRules,
    absent: Collection[str],
    busy: Collection[str] = (),
) -> Standing:
    """Read ``history`` once: service counts, last positions served, and eligibility.

    Members in ``busy`` (holding another role now) step aside with reason
    ``holds_another_role`` — unless that would leave nobody eligible, so that
    roles spread over people rather than pile up on the same few.
    """
    check_members(members)
    check_history(history)
    away = absent_set(absent)
    service = dict.fromkeys(members, 0)
    last_served: dict[str, int] = {}
    # Where each holder's latest run ended, and the length of the final run.
    run_end: dict[str, int] = {}
    final_run = 0
    for position, term in enumerate(history):
        service[term.holder] = service.get(term.holder, 0) + 1
        last_served[term.holder] = position
        run_end[term.holder] = position
        if position and history[position - 1].holder == term.holder:
            final_run += 1
        else:
            final_run = 1
    incumbent = history[-1].holder if history else None
    total = len(history)

    eligible: list[str] = []
    excluded: list[Exclusion] = []
    for member in members:
        reason: str | None = None
        if member == incumbent:
            if final_run >= rules.max_consecutive_terms:
                reason = "term_limit"
        elif member in run_end and total - 1 - run_end[member] < rules.cooldown_terms:
            reason = "cooldown"
        if reason is None and member in away:
            reason = "absent"
        if reason is None:
            eligible.append(member)
        else:
            excluded.append(Exclusion(member, reason))
    busy_set = set(busy)
    free = [member for member in eligible if member not in busy_set]
    if free and len(free) < len(eligible):
        excluded.extend(Exclusion(member, "holds_another_role") for member in eligible if member in busy_set)
        eligible = free
    if incumbent is not None and incumbent not in set(members):
        excluded.append(Exclusion(incumbent, "not_member"))
    members_service = {member: service[member] for member in members}
    return Standing(members_service, last_served, Eligibility(tuple(eligible), tuple(excluded)))
