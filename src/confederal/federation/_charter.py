"""The federation charter, the council charter and the delegate's mandate, as data.

A federation charter is the short protocol assemblies agree to: principles,
transparency, the recall rule, how long a council may last, the mutual-aid
contribution and the sunset clause. It is meant to be memorised, so it must fit
on one screen. A council charter convenes one council for one objective, with a
start, an end no later than the federation allows and the questions on its agenda.
A mandate is what a home assembly tells its delegate: free text, an instruction per
agenda question, and red lines.

Every ``*_from_json`` here reads a record body from a ledger, which may come from
another node: anything malformed raises :class:`FederationError` and nothing else.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal, cast

from confederal.ledger import JSONObject, format_time

from ._errors import FederationError

__all__ = [
    "AID_PERIODS",
    "BREACH_MODES",
    "INSTRUCTIONS",
    "SCREEN_LIMIT",
    "AidRule",
    "CouncilCharter",
    "FederationCharter",
    "Mandate",
    "Question",
    "breach",
    "parse_time",
]

#: A charter people can hold in their heads: about what fits on one screen.
SCREEN_LIMIT = 1500
INSTRUCTIONS = ("for", "against", "abstain", "judgement")
CHOICES = ("for", "against", "abstain")
BREACH_MODES = ("refuse", "flag")
Instruction = Literal["for", "against", "abstain", "judgement"]
BreachMode = Literal["refuse", "flag"]
AID_PERIODS = ("month", "quarter", "year")
AidPeriod = Literal["month", "quarter", "year"]
_QUESTION_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,31}\Z")
_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z\Z")


def parse_time(value: object, what: str) -> datetime:
    """A ledger time (``2026-12-01T18:00:00Z``) as an aware datetime."""
    if not isinstance(value, str) or not _TIME.match(value):
        raise FederationError("bad_time", "{what} must be a time like 2026-12-01T18:00:00Z.", what=what)
    try:
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        raise FederationError("bad_time", "{what} is not a real date and time.", what=what) from None


def _object(body: object, what: str, code: str = "bad_field") -> Mapping[str, object]:
    """``body`` if it is a JSON object; anything else (a string, a list, a number) is refused."""
    if not isinstance(body, dict):
        raise FederationError(code, "{what} must be an object of named fields.", what=what)
    return body


def _text(body: Mapping[str, object], key: str, limit: int, *, required: bool = True) -> str:
    value = body.get(key, "")
    if not isinstance(value, str):
        raise FederationError("bad_field", "{key} must be text.", key=key)
    value = value.strip()
    if required and not value:
        raise FederationError("missing_field", "{key} must not be empty.", key=key)
    if len(value) > limit:
        raise FederationError("too_long", "{key} may have at most {limit} characters.", key=key, limit=limit)
    return value


def _int(body: Mapping[str, object], key: str, low: int, high: int) -> int:
    value = body.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise FederationError(
            "bad_field", "{key} must be a whole number from {low} to {high}.", key=key, low=low, high=high
        )
    return value


@dataclass(frozen=True)
class AidRule:
    """The mutual-aid commitment as data: what each member pays into the fund per period, and how grants pass.

    Dues are ``share`` basis points of the income an assembly's own books credit in the period (500 is 5 %),
    or ``fixed`` minor units of the assembly's own currency each period; exactly one of the two. A grant
    passes when a majority of the member assemblies vote for it, each by a decision of its own (the only
    grant rule so far, named so a later charter can choose another).
    """

    period: AidPeriod
    share: int | None = None
    fixed: int | None = None
    grants: Literal["majority"] = "majority"

    def __post_init__(self) -> None:
        if self.period not in AID_PERIODS:
            raise FederationError("bad_aid", "Dues are paid per month, quarter or year.")
        if (self.share is None) == (self.fixed is None):
            raise FederationError("bad_aid", "Dues are a share of income or a fixed amount, one of the two.")
        for value, high in ((self.share, 10_000), (self.fixed, 10**12)):
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= high):
                raise FederationError("bad_aid", "Dues must be a whole number from 1 to {high}.", high=high)
        if self.grants != "majority":
            raise FederationError("bad_aid", "A grant passes by a majority of the member assemblies.")

    def to_json(self) -> JSONObject:
        dues: JSONObject = {"share": self.share} if self.share is not None else {"fixed": self.fixed}
        return {"period": self.period, **dues, "grants": self.grants}

    @classmethod
    def from_json(cls, body: object) -> AidRule:
        body = _object(body, "The mutual-aid rule", "bad_aid")
        unknown = sorted(set(body) - {"period", "share", "fixed", "grants"})
        if unknown:
            raise FederationError("bad_aid", "The mutual-aid rule has no field {key}.", key=unknown[0])
        share, fixed = body.get("share"), body.get("fixed")
        return cls(
            period=cast(AidPeriod, body.get("period")),
            share=_int(body, "share", 1, 10_000) if share is not None else None,
            fixed=_int(body, "fixed", 1, 10**12) if fixed is not None else None,
            grants=cast(Literal["majority"], body.get("grants", "majority")),
        )


@dataclass(frozen=True)
class FederationCharter:
    """The protocol a federation's assemblies agree to."""

    name: str
    principles: tuple[str, ...]
    transparency: str
    recall: str
    #: The longest any council may sit, in days: no permanent body.
    max_council_days: int
    mutual_aid: str
    sunset: str
    #: What happens to a delegate's vote against the mandate: refused, or counted and flagged.
    mandate_breach: BreachMode = "refuse"
    #: How many other members' nodes must cosign a checkpoint before what it holds has happened.
    witnesses: int = 1
    #: The mutual-aid commitment as data; charters written before it had only ``mutual_aid``'s text.
    aid: AidRule | None = None

    def __post_init__(self) -> None:
        if not self.principles or len(self.principles) > 7:
            raise FederationError("bad_principles", "A federation charter lists one to seven principles.")
        for principle in self.principles:
            if not principle or len(principle) > 160:
                raise FederationError("bad_principles", "Each principle is one line of at most 160 characters.")
        if self.mandate_breach not in BREACH_MODES:
            raise FederationError("bad_field", "mandate_breach must be 'refuse' or 'flag'.")
        if len(self.screen_text()) > SCREEN_LIMIT:
            raise FederationError(
                "too_long",
                "A federation charter must fit on one screen ({limit} characters); this one has {size}.",
                limit=SCREEN_LIMIT,
                size=len(self.screen_text()),
            )

    def screen_text(self) -> str:
        """The charter as people read it, all of it."""
        lines = [self.name, *(f"- {p}" for p in self.principles), self.transparency, self.recall]
        lines += [f"Councils last at most {self.max_council_days} days.", self.mutual_aid, self.sunset]
        return "\n".join(lines)

    def to_json(self) -> JSONObject:
        return {
            "name": self.name,
            "principles": list(self.principles),
            "transparency": self.transparency,
            "recall": self.recall,
            "max_council_days": self.max_council_days,
            "mutual_aid": self.mutual_aid,
            "sunset": self.sunset,
            "mandate_breach": self.mandate_breach,
            "witnesses": self.witnesses,
            **({} if self.aid is None else {"aid": self.aid.to_json()}),
        }

    @classmethod
    def from_json(cls, body: object) -> FederationCharter:
        body = _object(body, "A federation charter")
        principles = body.get("principles")
        if not isinstance(principles, list) or not all(isinstance(p, str) for p in principles):
            raise FederationError("bad_principles", "principles must be a list of lines.")
        breach_mode = body.get("mandate_breach", "refuse")
        if breach_mode not in BREACH_MODES:
            raise FederationError("bad_field", "mandate_breach must be 'refuse' or 'flag'.")
        return cls(
            name=_text(body, "name", 80),
            principles=tuple(p.strip() for p in principles),
            transparency=_text(body, "transparency", 280),
            recall=_text(body, "recall", 280),
            max_council_days=_int(body, "max_council_days", 1, 366),
            mutual_aid=_text(body, "mutual_aid", 280),
            sunset=_text(body, "sunset", 280),
            mandate_breach=cast(BreachMode, breach_mode),
            witnesses=_int(body, "witnesses", 1, 16) if "witnesses" in body else 1,
            aid=AidRule.from_json(body["aid"]) if "aid" in body else None,
        )


@dataclass(frozen=True)
class Question:
    """One question on a council's agenda; mandates give an instruction per question."""

    id: str
    text: str


@dataclass(frozen=True)
class CouncilCharter:
    """One council, for one objective, from ``starts_at`` until ``ends_at`` — and no longer."""

    federation: str
    objective: str
    starts_at: datetime
    ends_at: datetime
    agenda: tuple[Question, ...] = ()

    def check_within(self, federation: FederationCharter) -> None:
        """Raise unless the council keeps to the federation's limits."""
        if self.ends_at <= self.starts_at:
            raise FederationError("bad_term", "A council must end after it starts.")
        if self.ends_at - self.starts_at > timedelta(days=federation.max_council_days):
            raise FederationError(
                "term_too_long",
                "{name} lets a council sit for at most {days} days.",
                name=federation.name,
                days=federation.max_council_days,
            )

    def question(self, question_id: str | None) -> Question | None:
        return next((q for q in self.agenda if q.id == question_id), None)

    def to_json(self) -> JSONObject:
        return {
            "federation": self.federation,
            "objective": self.objective,
            "starts_at": format_time(self.starts_at),
            "ends_at": format_time(self.ends_at),
            "agenda": [{"id": q.id, "text": q.text} for q in self.agenda],
        }

    @classmethod
    def from_json(cls, body: object) -> CouncilCharter:
        body = _object(body, "A council's charter")
        federation = body.get("federation")
        if not isinstance(federation, str) or not re.fullmatch(r"[0-9a-f]{64}", federation):
            raise FederationError("bad_field", "federation must name a federation by its 64-digit id.")
        agenda = body.get("agenda", [])
        if not isinstance(agenda, list) or len(agenda) > 20:
            raise FederationError("bad_agenda", "A council's agenda is a list of at most 20 questions.")
        questions = []
        for item in agenda:
            if not isinstance(item, dict) or not isinstance(item.get("id"), str) or not _QUESTION_ID.match(item["id"]):
                raise FederationError("bad_agenda", "Each agenda question needs a short id such as 'q1'.")
            questions.append(Question(item["id"], _text(item, "text", 280)))
        if len({q.id for q in questions}) != len(questions):
            raise FederationError("bad_agenda", "Two agenda questions have the same id.")
        return cls(
            federation=federation,
            objective=_text(body, "objective", 500),
            starts_at=parse_time(body.get("starts_at"), "starts_at"),
            ends_at=parse_time(body.get("ends_at"), "ends_at"),
            agenda=tuple(questions),
        )


@dataclass(frozen=True)
class Mandate:
    """A delegate's written instructions: they carry these, not personal authority."""

    text: str
    instructions: Mapping[str, Instruction] = field(default_factory=dict)
    red_lines: tuple[str, ...] = ()

    def to_json(self) -> JSONObject:
        return {"text": self.text, "instructions": dict(self.instructions), "red_lines": list(self.red_lines)}

    @classmethod
    def from_json(cls, body: object) -> Mandate:
        body = _object(body, "A mandate", "bad_mandate")
        instructions = body.get("instructions", {})
        if not isinstance(instructions, dict) or len(instructions) > 20:
            raise FederationError("bad_mandate", "A mandate gives at most 20 instructions, one per question.")
        for question, instruction in instructions.items():
            if not _QUESTION_ID.match(question) or instruction not in INSTRUCTIONS:
                raise FederationError(
                    "bad_mandate", "Each instruction is for, against, abstain or judgement, for a question id."
                )
        red_lines = body.get("red_lines", [])
        if not isinstance(red_lines, list) or len(red_lines) > 10 or not all(isinstance(r, str) for r in red_lines):
            raise FederationError("bad_mandate", "Red lines are a list of at most ten lines of text.")
        if any(not r.strip() or len(r) > 200 for r in red_lines):
            raise FederationError("bad_mandate", "Each red line is one line of at most 200 characters.")
        return cls(
            text=_text(body, "text", 2000),
            instructions={q: cast(Instruction, i) for q, i in instructions.items()},
            red_lines=tuple(r.strip() for r in red_lines),
        )


def breach(mandate: Mandate, question: str | None, choice: str) -> str | None:
    """Why a vote goes against the mandate, or None when the mandate allows it."""
    if choice not in CHOICES:
        return f"{choice!r} is not a vote: for, against or abstain"
    instruction = mandate.instructions.get(question or "")
    if instruction is None or instruction == "judgement" or instruction == choice:
        return None
    return f"the mandate says {instruction} on {question}"
