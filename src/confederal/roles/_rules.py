"""Role rules and terms: how long a term lasts and how often one member may hold it.

A role's history is the list of its terms, oldest first. Terms need not touch
(a role may stand empty between two terms); what counts as "in a row" is the
order of the history, not the calendar: two terms are consecutive when no one
else held the role between them.
"""

from __future__ import annotations

import datetime
import enum
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

from ._errors import RotationError

__all__ = [
    "RoleRules",
    "Rotation",
    "Term",
    "next_term",
    "term_is_over",
]

# (low, high) for each numeric rule, inclusive; the bounds keep a term within a
# year and stop a charter from writing a rule that rotates nothing.
_RANGES = {
    "term_days": (1, 366),
    "max_consecutive_terms": (1, 12),
    "cooldown_terms": (0, 12),
}


class Rotation(enum.StrEnum):
    """How a role's next holder is chosen."""

    ROTA = "rota"
    LOTTERY = "lottery"
    ELECTION = "election"


@dataclass(frozen=True)
class RoleRules:
    """The rules a charter sets for one role.

    ``max_consecutive_terms``: a member may hold the role for at most this many
    terms in a row. ``cooldown_terms``: after a member's run ends, that member
    sits out this many terms (a run that reached the term limit always pauses for
    at least one term, even with no cool-down). ``rotation`` may be given as its
    string value and is stored as a ``Rotation``.

    Raises:
        RotationError: ``bad_rule`` (a number outside its range, or not a whole
            number) or ``unknown_rotation``.
    """

    term_days: int = 30
    max_consecutive_terms: int = 2
    cooldown_terms: int = 1
    rotation: Rotation = Rotation.ROTA

    def __post_init__(self) -> None:
        for name, (low, high) in _RANGES.items():
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
                raise RotationError(
                    "bad_rule",
                    "{name} must be a whole number from {low} to {high}; got {value!r}.",
                    name=name,
                    low=low,
                    high=high,
                    value=value,
                )
        try:
            rotation = Rotation(self.rotation)
        except ValueError:
            raise RotationError(
                "unknown_rotation",
                "{rotation!r} is not a way to rotate a role: use one of {known}.",
                rotation=self.rotation,
                known=", ".join(r.value for r in Rotation),
            ) from None
        # A frozen dataclass can only normalise its own field this way.
        object.__setattr__(self, "rotation", rotation)


@dataclass(frozen=True)
class Term:
    """One member's term in a role: from ``start`` up to, not including, ``end``.

    Raises:
        RotationError: ``bad_term`` when the holder is not a non-empty string,
            the bounds are not dates (a ``datetime`` is refused too), or the term
            does not end after it starts.
    """

    holder: str
    start: datetime.date
    end: datetime.date

    def __post_init__(self) -> None:
        if not isinstance(self.holder, str) or not self.holder:
            raise RotationError("bad_term", "A term's holder is a member id (a non-empty string).")
        for bound in (self.start, self.end):
            # datetime is a subclass of date; mixing the two would make comparisons raise later.
            if not isinstance(bound, datetime.date) or isinstance(bound, datetime.datetime):
                raise RotationError("bad_term", "A term starts and ends on calendar dates.")
        if self.end <= self.start:
            raise RotationError(
                "bad_term",
                "A term must end after it starts; {holder}'s term runs from {start} to {end}.",
                holder=self.holder,
                start=self.start.isoformat(),
                end=self.end.isoformat(),
            )


def next_term(history: Sequence[Term], rules: RoleRules, today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """Return ``(start, end)`` of the role's next term, ``end`` exclusive and ``rules.term_days`` after ``start``.

    The next term starts when the last one ends, so terms follow each other
    without a gap or overlap; it starts ``today`` instead when there is no
    history or the last term ended before today (a role left empty does not
    get a backdated term).
    """
    check_history(history)
    start = today
    if history and history[-1].end >= today:
        start = history[-1].end
    return start, start + datetime.timedelta(days=rules.term_days)


def term_is_over(term: Term, today: datetime.date) -> bool:
    """Return whether ``term`` has ended by ``today``: true from its (exclusive) ``end`` date on."""
    return today >= term.end


def check_history(history: Sequence[Term]) -> None:
    """Refuse a history that is not a sequence of terms, oldest first (by start date)."""
    previous: Term | None = None
    for term in history:
        if not isinstance(term, Term):
            raise RotationError("bad_history", "A role's history is a list of terms.")
        if previous is not None and term.start < previous.start:
            raise RotationError(
                "history_out_of_order",
                "A role's history lists terms oldest first, but the term starting {later} comes after "
                "the one starting {earlier}.",
                later=previous.start.isoformat(),
                earlier=term.start.isoformat(),
            )
        previous = term


def check_members(members: Sequence[str], error: Callable[..., Exception] = RotationError) -> None:
    """Refuse members that are not distinct non-empty strings, with ``error`` (``splitting`` passes its own)."""
    if isinstance(members, str):
        # A lone string is a Sequence[str] too, of its characters: a likely slip.
        raise error("bad_members", "Members are a list of member ids, not one string.")
    seen: set[str] = set()
    for member in members:
        if not isinstance(member, str) or not member:
            raise error("bad_members", "A member id is a non-empty string; got {member!r}.", member=member)
        if member in seen:
            raise error("duplicate_member", "{member} is listed twice among the members.", member=member)
        seen.add(member)


def absent_set(absent: Collection[str]) -> frozenset[str]:
    """Return ``absent`` as a set, refusing a lone string (which would read as its characters)."""
    if isinstance(absent, str):
        raise RotationError("bad_absent", "Absent members are a collection of member ids, not one string.")
    return frozenset(absent)
