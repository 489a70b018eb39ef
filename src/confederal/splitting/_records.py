"""The record of a split, in each of the two ledgers: the cell that stays and the cell that forms."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Self

from confederal.ledger import N_, Fields, JSONObject, Phrase, RecordBody, RecordError

__all__ = ["AssemblySplit"]


@dataclass(frozen=True)
class AssemblySplit(RecordBody):
    """An adopted split. In the assembly that stays it names the new cell (``other``), who stays and who
    leaves; in the new cell it names where it came from (``source``) and its members."""

    kind = "assembly.split"

    proposal: int
    other: str | None = None
    stay: tuple[str, ...] = ()
    leave: tuple[str, ...] = ()
    source: str | None = None
    members: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if (self.other is None) == (self.source is None):
            raise RecordError("bad_field", "A split names either the new cell or the assembly it came from.")

    def to_json(self) -> JSONObject:
        if self.other is not None:
            return {"proposal": self.proposal, "other": self.other, "stay": list(self.stay), "leave": list(self.leave)}
        return {"proposal": self.proposal, "from": self.source, "members": list(self.members)}

    @classmethod
    def read(cls, f: Fields) -> Self:
        if f.has("other"):
            body = cls(
                f.integer("proposal", 1), other=f.text("other", 300), stay=f.texts("stay", 60, 80),
                leave=f.texts("leave", 60, 80),
            )  # fmt: skip
        else:
            body = cls(f.integer("proposal", 1), source=f.text("from", 300), members=f.texts("members", 60, 80))
        return body

    def describe(self) -> Phrase:
        if self.other is not None:
            return Phrase(
                N_("Split in two by decision #%(number)s: %(names)s form a new cell"),
                {"number": self.proposal, "names": self.leave},
            )
        return Phrase(
            N_("This cell formed when its assembly split by decision #%(number)s: %(names)s"),
            {"number": self.proposal, "names": self.members},
        )
