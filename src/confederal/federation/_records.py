"""The records that make a federation and its councils, each in the ledger of the assembly that acted.

Federations and councils are named by the leaf hash of their charter record (64 hex
digits). Every record but a delegate's own act and a sunset is written by an adopted
decision of its assembly, whose number it carries.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar, Generic, Self, TypeVar

from confederal.ledger import (
    N_,
    Fields,
    JSONObject,
    JSONValue,
    Phrase,
    RecordBody,
    RecordError,
    format_time,
    set_fields,
)

from ._charter import CHOICES, CouncilCharter, FederationCharter, Mandate
from ._errors import FederationError

__all__ = [
    "FEDERATION_BODIES",
    "FEDERATION_KINDS",
    "CouncilConvened",
    "CouncilJoined",
    "CouncilLeft",
    "CouncilSunset",
    "DelegateAct",
    "FederationFounded",
    "FederationJoined",
    "FederationLeft",
    "MandateGranted",
    "MandateRecalled",
    "subject_of",
]

_FEDERATION_FIELDS = frozenset(
    {"name", "principles", "transparency", "recall", "max_council_days", "mutual_aid", "sunset", "mandate_breach",
     "witnesses", "aid"}
)  # fmt: skip
_COUNCIL_FIELDS = frozenset({"federation", "objective", "starts_at", "ends_at", "agenda"})
_C = TypeVar("_C", FederationCharter, CouncilCharter)


def _decision(f: Fields) -> int | None:
    return f.optional_integer("decision", 1)


@dataclass(frozen=True)
class _Chartered(RecordBody, Generic[_C]):
    """A record whose body is a charter and the deciding decision; the federation or council is named by its hash."""

    subject_field: ClassVar[str | None] = None
    #: The charter's class, the fields it may hold, and whose charter it is, in a refusal.
    charter_type: ClassVar[type[FederationCharter] | type[CouncilCharter]]
    charter_fields: ClassVar[frozenset[str]]
    whose: ClassVar[str]

    charter: _C
    decision: int | None = None

    def to_json(self) -> JSONObject:
        return {**self.charter.to_json(), **set_fields(decision=self.decision)}

    @classmethod
    def read(cls, f: Fields) -> Self:
        # The charter's fields stand at the top of the body, beside the decision.
        fields = {key: f.raw(key) for key in cls.charter_fields if f.has(key)}
        try:
            charter = cls.charter_type.from_json(fields)
        except FederationError as exc:
            raise RecordError("bad_field", f"The {cls.whose} charter is malformed: {{why}}", why=exc.message) from exc
        return cls(charter, _decision(f))  # type: ignore[arg-type]  # charter_type makes a _C; a ClassVar cannot say so


@dataclass(frozen=True)
class FederationFounded(_Chartered[FederationCharter]):
    """An assembly founds a federation by its decision; the federation is named by this record's hash."""

    kind = "federation.charter"
    charter_type = FederationCharter
    charter_fields = _FEDERATION_FIELDS
    whose = "federation's"

    def describe(self) -> Phrase:
        return Phrase(N_("Founded the federation %(name)s"), {"name": self.charter.name})


class _Reference(RecordBody):
    """A record whose body is the hash of the federation or council it acts on, and the deciding decision."""

    subject_field: ClassVar[str | None]
    #: How the record reads, with the deciding decision's number.
    said: ClassVar[str]
    decision: int | None

    def describe(self) -> Phrase:
        return Phrase(self.said, {"number": self.decision or 0})

    def to_json(self) -> JSONObject:
        assert self.subject_field is not None
        return {self.subject_field: getattr(self, self.subject_field), **set_fields(decision=self.decision)}

    @classmethod
    def read(cls, f: Fields) -> Self:
        assert cls.subject_field is not None
        return cls(f.hexdigest(cls.subject_field), _decision(f))  # type: ignore[call-arg]


@dataclass(frozen=True)
class _Membership(_Reference):
    subject_field: ClassVar[str | None] = "federation"

    federation: str
    decision: int | None = None


@dataclass(frozen=True)
class FederationJoined(_Membership):
    kind = "federation.join"
    said = N_("Joined a federation by decision #%(number)s")


@dataclass(frozen=True)
class FederationLeft(_Membership):
    kind = "federation.leave"
    said = N_("Withdrew from a federation by decision #%(number)s")


@dataclass(frozen=True)
class CouncilConvened(_Chartered[CouncilCharter]):
    """An assembly of the federation convenes a council for one objective and a fixed term."""

    kind = "council.charter"
    charter_type = CouncilCharter
    charter_fields = _COUNCIL_FIELDS
    whose = "council's"

    def describe(self) -> Phrase:
        return Phrase(
            N_("Convened a council until %(end)s: %(objective)s"),
            {"end": self.charter.ends_at, "objective": self.charter.objective},
        )


@dataclass(frozen=True)
class _Seat(_Reference):
    subject_field: ClassVar[str | None] = "council"

    council: str
    decision: int | None = None


@dataclass(frozen=True)
class CouncilJoined(_Seat):
    kind = "council.join"
    said = N_("Took a seat on a council by decision #%(number)s")


@dataclass(frozen=True)
class CouncilLeft(_Seat):
    kind = "council.leave"
    said = N_("Left a council by decision #%(number)s")


@dataclass(frozen=True)
class MandateGranted(RecordBody):
    """The assembly sends a delegate to a council with a written mandate (until ``expires_at`` if given)."""

    kind = "mandate.grant"
    subject_field: ClassVar[str | None] = "council"

    council: str
    delegate: str
    mandate: Mandate
    decision: int | None = None
    expires_at: datetime | None = None

    def to_json(self) -> JSONObject:
        body: JSONObject = {"council": self.council, "delegate": self.delegate, "mandate": self.mandate.to_json()}
        if self.decision is not None:
            body["by"] = {"decision": self.decision}
        if self.expires_at is not None:
            body["expires_at"] = format_time(self.expires_at)
        return body

    @classmethod
    def read(cls, f: Fields) -> Self:
        decision = None
        if f.has("by"):
            by = Fields("mandate.grant by", f.obj("by"))
            decision = by.integer("decision", 1)
            by.done()
        try:
            mandate = Mandate.from_json(f.raw("mandate"))
        except FederationError as exc:
            raise RecordError("bad_field", "The mandate is malformed: {why}", why=exc.message) from exc
        return cls(
            council=f.hexdigest("council"),
            delegate=f.text("delegate", 80).strip(),
            mandate=mandate,
            decision=decision,
            expires_at=f.moment("expires_at") if f.has("expires_at") else None,
        )

    def describe(self) -> Phrase:
        return Phrase(
            N_("Sent %(delegate)s to a council with a written mandate: %(mandate)s"),
            {"delegate": self.delegate, "mandate": self.mandate.text},
        )


@dataclass(frozen=True)
class MandateRecalled(RecordBody):
    """The assembly recalls its delegate: the mandate granted in entry ``grant`` ends now."""

    kind = "mandate.recall"
    subject_field: ClassVar[str | None] = "council"

    council: str
    grant: int
    decision: int | None = None

    def to_json(self) -> JSONObject:
        return {"council": self.council, "grant": self.grant, **set_fields(decision=self.decision)}

    @classmethod
    def read(cls, f: Fields) -> Self:
        return cls(f.hexdigest("council"), f.integer("grant"), _decision(f))

    def describe(self) -> Phrase:
        return Phrase(
            N_("Recalled its delegate (the mandate of entry %(grant)s) by decision #%(number)s"),
            {"grant": self.grant, "number": self.decision or 0},
        )


@dataclass(frozen=True)
class DelegateAct(RecordBody):
    """What a delegate does on a council under the mandate of entry ``grant``: move a motion, or vote on one."""

    kind = "delegate.act"
    subject_field: ClassVar[str | None] = "council"

    council: str
    grant: int
    act: str
    title: str | None = None
    text: str | None = None
    question: str | None = None
    #: A vote names its motion by the ledger and entry that moved it.
    motion_origin: str | None = None
    motion_seq: int | None = None
    choice: str | None = None
    #: Why the vote goes against the mandate, when the federation counts such votes but flags them.
    breach: str | None = None

    def __post_init__(self) -> None:
        if self.act == "motion":
            if not self.title or not self.title.strip() or self.text is None:
                raise RecordError("bad_field", "A motion has a title.")
        elif self.act == "vote":
            if self.motion_origin is None or self.motion_seq is None:
                raise RecordError("bad_field", "A vote names its motion by origin and entry.")
            if self.choice not in CHOICES:
                raise RecordError("bad_field", "A vote is for, against or abstain.")
        else:
            raise RecordError("bad_field", "A delegate's act is a motion or a vote.")

    @property
    def motion(self) -> str:
        """The motion's id: ``origin#seq`` of the entry that moved it."""
        return f"{self.motion_origin}#{self.motion_seq}"

    def to_json(self) -> JSONObject:
        body: JSONObject = {"council": self.council, "grant": self.grant, "act": self.act}
        if self.act == "motion":
            body.update({"title": self.title, "text": self.text, "question": self.question})
        else:
            body.update(
                {
                    "motion": {"origin": self.motion_origin, "seq": self.motion_seq},
                    "choice": self.choice,
                    **set_fields(breach=self.breach),
                }
            )
        return body

    @classmethod
    def read(cls, f: Fields) -> Self:
        act = f.choice("act", ("motion", "vote"))
        if act == "motion":
            body = cls(
                council=f.hexdigest("council"),
                grant=f.integer("grant"),
                act=act,
                title=f.text("title", 200),
                text=f.text("text", 4000, empty=True) if f.has("text") else "",
                question=f.optional_text("question", 32),
            )
        else:
            motion = Fields("delegate.act motion", f.obj("motion"))
            body = cls(
                council=f.hexdigest("council"),
                grant=f.integer("grant"),
                act=act,
                motion_origin=motion.text("origin", 300),
                motion_seq=motion.integer("seq"),
                choice=f.choice("choice", CHOICES),
                breach=f.optional_text("breach", 300),
            )
            motion.done()
        return body

    def describe(self) -> Phrase:
        if self.act == "motion":
            return Phrase(N_("The delegate moved a motion: %(title)s"), {"title": self.title or ""})
        choice = {"for": N_("for"), "against": N_("against"), "abstain": N_("abstaining")}[self.choice or "abstain"]
        return Phrase(N_("The delegate voted %(choice)s a motion"), {"choice": Phrase(choice)})


@dataclass(frozen=True)
class CouncilSunset(RecordBody):
    """After a council dissolves, the assembly thanks those it sent and keeps the council's archive by digest."""

    kind = "council.sunset"
    subject_field: ClassVar[str | None] = "council"

    council: str
    thanks: tuple[str, ...]
    archive: str
    note: str | None = None

    def to_json(self) -> JSONObject:
        return {
            "council": self.council,
            "thanks": list(self.thanks),
            "archive": self.archive,
            **set_fields(note=self.note),
        }

    @classmethod
    def read(cls, f: Fields) -> Self:
        return cls(f.hexdigest("council"), f.texts("thanks", 100, 80), f.text("archive", 71), f.optional_text("note"))

    def describe(self) -> Phrase:
        return Phrase(
            N_("A council dissolved; the assembly thanks %(names)s for serving and stepping back"),
            {"names": self.thanks},
        )


#: Every record a federation or council is made of, in the order a federation lives them.
FEDERATION_BODIES: tuple[type[RecordBody], ...] = (
    FederationFounded,
    FederationJoined,
    FederationLeft,
    CouncilConvened,
    CouncilJoined,
    CouncilLeft,
    MandateGranted,
    MandateRecalled,
    DelegateAct,
    CouncilSunset,
)
#: The kinds every node folds into federations and councils.
FEDERATION_KINDS = frozenset(cls.kind for cls in FEDERATION_BODIES)
_SUBJECT = {cls.kind: getattr(cls, "subject_field", None) for cls in FEDERATION_BODIES}
_HASH = re.compile(r"[0-9a-f]{64}\Z")


def subject_of(kind: str, body: Mapping[str, JSONValue], leaf_hash: str) -> str | None:
    """The federation or council a record is about (a charter record is about itself); None if it names none.

    The record is not checked here: a malformed one is still indexed, so the fold can say why it does not count.
    """
    if kind not in _SUBJECT:
        return None
    field = _SUBJECT[kind]
    if field is None:
        return leaf_hash
    subject = body.get(field)
    return subject if isinstance(subject, str) and _HASH.match(subject) else None
