"""Who is in an assembly: each joining and each leaving is public (the public name only; contact details never)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Self

from confederal.ledger import N_, Fields, JSONObject, Phrase, RecordBody, RecordError, set_fields

__all__ = ["VIAS", "MemberJoined", "MemberLeft"]

VIAS = ("founding", "invitation", "request", "split")


@dataclass(frozen=True)
class MemberJoined(RecordBody):
    kind = "member.joined"

    member: int
    name: str
    via: str
    invited_by: str | None = None
    approved_by: str | None = None

    def __post_init__(self) -> None:
        if self.via not in VIAS:
            raise RecordError("bad_field", "A member joins by founding, invitation, request or split.")

    def to_json(self) -> JSONObject:
        return {
            "member": self.member,
            "name": self.name,
            "via": self.via,
            **set_fields(invited_by=self.invited_by, approved_by=self.approved_by),
        }

    @classmethod
    def read(cls, f: Fields) -> Self:
        return cls(
            member=f.integer("member"),
            name=f.text("name", 80),
            via=f.text("via", 16),
            invited_by=f.optional_text("invited_by", 80),
            approved_by=f.optional_text("approved_by", 80),
        )

    def describe(self) -> Phrase:
        if self.via == "founding":
            return Phrase(N_("%(name)s founded the assembly"), {"name": self.name})
        if self.invited_by:
            return Phrase(N_("%(name)s joined, invited by %(by)s"), {"name": self.name, "by": self.invited_by})
        if self.approved_by:
            return Phrase(N_("%(name)s joined, welcomed by %(by)s"), {"name": self.name, "by": self.approved_by})
        if self.via == "split":
            return Phrase(N_("%(name)s came with the split"), {"name": self.name})
        return Phrase(N_("%(name)s joined"), {"name": self.name})


@dataclass(frozen=True)
class MemberLeft(RecordBody):
    kind = "member.left"

    member: int
    name: str

    def to_json(self) -> JSONObject:
        return {"member": self.member, "name": self.name}

    @classmethod
    def read(cls, f: Fields) -> Self:
        return cls(f.integer("member"), f.text("name", 80))

    def describe(self) -> Phrase:
        return Phrase(N_("%(name)s left"), {"name": self.name})
