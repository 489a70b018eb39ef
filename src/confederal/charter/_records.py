"""The record of a charter: each version an assembly adopts is in its ledger, whole."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Self

from confederal.ledger import N_, Fields, JSONObject, Phrase, RecordBody, RecordError

from ._charter import Charter
from ._errors import CharterError

__all__ = ["CharterAdopted"]


@dataclass(frozen=True)
class CharterAdopted(RecordBody):
    """A version of the charter: the founding one, an amendment's result, or the one a new cell inherits."""

    kind = "assembly.charter"

    charter: Charter
    note: str | None = None

    def to_json(self) -> JSONObject:
        body: JSONObject = {"charter": self.charter.to_json()}
        if self.note:
            body["note"] = self.note
        return body

    @classmethod
    def read(cls, f: Fields) -> Self:
        try:
            charter = Charter.from_json(f.obj("charter"))
        except CharterError as exc:
            raise RecordError("bad_field", "The charter in this record is malformed: {why}", why=exc.message) from exc
        return cls(charter, f.optional_text("note", 500))

    def describe(self) -> Phrase:
        if self.charter.version == 1:
            return Phrase(N_("The charter of %(name)s"), {"name": self.charter.name})
        return Phrase(
            N_("The charter of %(name)s, version %(version)s"),
            {"name": self.charter.name, "version": self.charter.version},
        )
