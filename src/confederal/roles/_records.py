"""The records rotation leaves in the ledger: who took which role, and how the chores were shared out."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Self

from confederal.ledger import N_, Fields, JSONObject, Phrase, RecordBody, RecordError

from ._rules import Rotation

__all__ = ["REASON_PHRASES", "ChoreAssignment", "RoleAssignment", "reason_phrase"]

#: Why a member may not take a role this time, in plain words (the codes are ``Exclusion.reason``).
REASON_PHRASES = {
    "term_limit": N_("has served as many terms in a row as the charter allows"),
    "cooldown": N_("is resting after a run of terms, as the charter asks"),
    "absent": N_("is away"),
    "holds_another_role": N_("holds another role"),
    "not_member": N_("is no longer a member"),
}

_HOW = {
    Rotation.ROTA.value: N_("by rota"),
    Rotation.LOTTERY.value: N_("by a fair lottery"),
    Rotation.ELECTION.value: N_("by election"),
}


def reason_phrase(reason: str) -> Phrase:
    return Phrase(REASON_PHRASES.get(reason, N_("may not take it this time")))


def _names_only(pick: JSONObject) -> JSONObject:
    """``pick`` as it is written now: entries written before the reasons were taken out listed each member
    who sat out as ``{"member": name, "reason": code}``; they still read, as names."""
    excluded = pick.get("excluded")
    if not isinstance(excluded, list):
        return pick
    names = [e["member"] if isinstance(e, dict) and isinstance(e.get("member"), str) else e for e in excluded]
    return {**pick, "excluded": names}


@dataclass(frozen=True)
class RoleAssignment(RecordBody):
    """A member takes a role for a term, from ``start`` up to (not including) ``end``."""

    kind = "role.assignment"

    role: str
    holder: str
    member: int
    start: date
    end: date
    method: str
    #: How the holder was picked, as the rotation recorded it (eligible, excluded, service, draw): ``excluded``
    #: names who sat out, never why, since whether a member was away is for the members only
    #: (:meth:`confederal.roles.Pick.public_json`).
    pick: JSONObject = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.method not in _HOW:
            raise RecordError("bad_field", "A role is taken by rota, lottery or election.")
        excluded = self.pick.get("excluded", [])
        if not isinstance(excluded, list) or not all(isinstance(name, str) for name in excluded):
            raise RecordError("bad_field", "A role's record names who sat out, never why.")
        if self.end <= self.start:
            raise RecordError("bad_field", "A term ends after it starts.")

    def to_json(self) -> JSONObject:
        return {
            "role": self.role,
            "holder": self.holder,
            "member": self.member,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "method": self.method,
            "pick": self.pick,
        }

    @classmethod
    def read(cls, f: Fields) -> Self:
        return cls(
            role=f.text("role", 32),
            holder=f.text("holder", 80),
            member=f.integer("member"),
            start=f.day("start"),
            end=f.day("end"),
            method=f.text("method", 16),
            pick=_names_only(f.obj("pick")),
        )

    def describe(self) -> Phrase:
        return Phrase(
            N_("%(holder)s takes the role of %(role)s from %(start)s until %(end)s, %(how)s"),
            {"holder": self.holder, "role": self.role, "start": self.start, "end": self.end,
             "how": Phrase(_HOW[self.method])},
        )  # fmt: skip


@dataclass(frozen=True)
class ChoreAssignment(RecordBody):
    """This period's chores, shared out by rota (a chore nobody could take stays empty)."""

    kind = "chore.assignment"

    start: date
    end: date
    chores: tuple[tuple[str, str | None], ...]

    def to_json(self) -> JSONObject:
        return {"start": self.start.isoformat(), "end": self.end.isoformat(), "chores": dict(self.chores)}

    @classmethod
    def read(cls, f: Fields) -> Self:
        chores = f.obj("chores")
        if not all(v is None or isinstance(v, str) for v in chores.values()):
            raise RecordError("bad_field", "Each chore names the member who does it, or nobody.")
        return cls(
            f.day("start"), f.day("end"), tuple((c, v if isinstance(v, str) else None) for c, v in chores.items())
        )

    def describe(self) -> Phrase:
        done = tuple(f"{who} ({chore})" for chore, who in self.chores if who)
        return Phrase(N_("Chores from %(start)s: %(chores)s"), {"start": self.start, "chores": done})
