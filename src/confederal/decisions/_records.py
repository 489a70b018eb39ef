"""The records a decision leaves in its assembly's ledger: the decision itself, and each review that keeps it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Self

from confederal.ledger import N_, Fields, JSONObject, JSONValue, Phrase, RecordBody, RecordError, format_time

from ._errors import DecisionError
from ._methods import Method, Rules
from ._outcome import Outcome, Status
from ._resolution import MAX_REASON

__all__ = [
    "PROPOSAL_KINDS",
    "Decision",
    "DecisionReviewed",
    "ProposalAmended",
    "PublishedBallot",
    "StatedReason",
    "outcome_phrase",
]

#: What a proposal may do when adopted, beside deciding: amend the charter, elect, split, act in a federation.
PROPOSAL_KINDS = ("decision", "amendment", "election", "split", "federation", "budget", "spending")

_STATUS = {
    Status.ADOPTED: N_("adopted"),
    Status.REJECTED: N_("not adopted"),
    Status.BLOCKED: N_("blocked by an objection"),
    Status.NO_CONSENSUS: N_("no consensus"),
    Status.NO_QUORUM: N_("too few took part"),
    Status.TIE: N_("a tie"),
    Status.NO_VOTES: N_("nobody voted"),
}


def outcome_phrase(outcome: Outcome, labels: Mapping[str, str]) -> Phrase:
    """What a decision came to, in a few words: "adopted", "Market square chosen", "Tools and Seeds funded"…"""
    if outcome.method is Method.PARTICIPATORY_BUDGET and outcome.status is Status.CHOSEN:
        funded = tuple(labels.get(option, option) for option in outcome.winners)
        return Phrase(N_("%(options)s funded"), {"options": funded})
    if outcome.status is Status.CHOSEN and outcome.winners:
        return Phrase(N_("%(winner)s chosen"), {"winner": labels.get(outcome.winners[0], outcome.winners[0])})
    return Phrase(_STATUS.get(outcome.status, N_("closed")))


@dataclass(frozen=True)
class PublishedBallot:
    """One member's published choice (only when the charter says ballots are open)."""

    member: int
    name: str
    choice: JSONValue


@dataclass(frozen=True)
class StatedReason:
    """Why a member voted as they did: with their name when ballots are open, without it when they are secret."""

    #: The answer it was given with (``object``, ``stand_aside``…); ``None`` where a ballot is a list or scores.
    choice: str | None
    reason: str
    member: int | None = None
    name: str | None = None

    def to_json(self) -> JSONObject:
        body: JSONObject = {"reason": self.reason}
        if self.choice is not None:
            body["choice"] = self.choice
        if self.name is not None:
            body["member"], body["name"] = self.member, self.name
        return body

    @classmethod
    def read(cls, f: Fields) -> StatedReason:
        named = f.has("name")
        reason = cls(
            choice=f.text("choice", 128) if f.has("choice") else None,
            reason=f.text("reason", MAX_REASON),
            member=f.integer("member") if named else None,
            name=f.text("name", 80) if named else None,
        )
        f.done()
        return reason


@dataclass(frozen=True)
class Decision(RecordBody):
    """A closed vote: what was proposed, under which rules, what each member chose (if open) and the outcome."""

    kind = "decision"

    number: int
    proposal_kind: str
    title: str
    proposed_by: str
    method: Method
    options: tuple[tuple[str, str], ...]
    rules: Rules
    opened: datetime
    closed: datetime
    outcome: Outcome
    secret: bool
    review_on: date | None = None
    #: The proposal's text, inline when short; a long one is a blob named by ``text_digest``.
    text: str | None = None
    text_digest: str | None = None
    text_bytes: int | None = None
    ballots: tuple[PublishedBallot, ...] | None = None
    payload: JSONObject = field(default_factory=dict)
    effects: JSONObject = field(default_factory=dict)
    #: The reasons members gave with their votes (always for an objection, a block or a stand-aside).
    reasons: tuple[StatedReason, ...] = ()
    #: The version of the text decided on, when it was amended while open (``proposal.amended``).
    version: int | None = None

    def __post_init__(self) -> None:
        if self.proposal_kind not in PROPOSAL_KINDS:
            raise RecordError("bad_field", "A decision's kind is one of {kinds}.", kinds=", ".join(PROPOSAL_KINDS))
        if (self.text is None) == (self.text_digest is None):
            raise RecordError("bad_field", "A decision carries its text or the digest of its text, not both.")
        if self.secret and self.ballots is not None:
            raise RecordError("bad_field", "A secret ballot's decision publishes no ballots.")
        if self.secret and any(r.name is not None for r in self.reasons):
            raise RecordError("bad_field", "A secret ballot's decision publishes reasons without names.")
        if self.closed < self.opened:
            raise RecordError("bad_field", "A decision closes after it opens.")

    def label(self, option: str) -> str:
        return dict(self.options).get(option, option)

    def to_json(self) -> JSONObject:
        body: JSONObject = {
            "number": self.number,
            "kind": self.proposal_kind,
            "title": self.title,
            "proposed_by": self.proposed_by,
            "method": self.method.value,
            "options": [{"id": i, "label": label} for i, label in self.options],
            "rules": self.rules.to_json(),
            "opened": format_time(self.opened),
            "closed": format_time(self.closed),
            "outcome": self.outcome.to_json(),
            "secret": self.secret,
            "review_on": self.review_on.isoformat() if self.review_on else None,
        }
        if self.text is not None:
            body["text"] = self.text
        else:
            body["text_digest"] = self.text_digest
            body["text_bytes"] = self.text_bytes
        if self.ballots is not None:
            body["ballots"] = [{"member": b.member, "name": b.name, "choice": b.choice} for b in self.ballots]
        if self.payload:
            body["payload"] = self.payload
        if self.effects:
            body["effects"] = self.effects
        if self.reasons:
            body["reasons"] = [r.to_json() for r in self.reasons]
        if self.version is not None:
            body["version"] = self.version
        return body

    @classmethod
    def read(cls, f: Fields) -> Self:
        options = []
        for o in f.each("options", 100):
            options.append((o.text("id", 128), o.text("label", 200)))
            o.done()
        ballots = None
        if f.has("ballots"):
            ballots = []
            for b in f.each("ballots"):
                ballots.append(PublishedBallot(b.integer("member"), b.text("name", 80), b.raw("choice")))
                b.done()
        try:
            method, rules, outcome = Method(f.text("method", 32)), Rules.from_json(f.obj("rules")), None
            outcome = Outcome.from_json(f.obj("outcome"))
        except (ValueError, DecisionError) as exc:
            raise RecordError(
                "bad_field", "A decision's method, rules or outcome are malformed: {why}", why=exc
            ) from exc
        return cls(
            number=f.integer("number", 1),
            proposal_kind=f.text("kind", 16),
            title=f.text("title", 200),
            proposed_by=f.text("proposed_by", 80),
            method=method,
            options=tuple(options),
            rules=rules,
            opened=f.moment("opened"),
            closed=f.moment("closed"),
            outcome=outcome,
            secret=f.boolean("secret"),
            review_on=f.optional_day("review_on"),
            text=f.text("text", 20_000, empty=True) if f.has("text") else None,
            text_digest=f.text("text_digest", 71) if f.has("text_digest") else None,
            text_bytes=f.integer("text_bytes", 0) if f.has("text_bytes") else None,
            ballots=tuple(ballots) if ballots is not None else None,
            payload=f.obj("payload") if f.has("payload") else {},
            effects=f.obj("effects") if f.has("effects") else {},
            reasons=tuple(StatedReason.read(r) for r in f.each("reasons", 1000)) if f.has("reasons") else (),
            version=f.integer("version", 2) if f.has("version") else None,
        )

    def describe(self) -> Phrase:
        return Phrase(
            N_("Decision #%(number)s, %(title)s: %(outcome)s"),
            {
                "number": self.number,
                "title": self.title,
                "outcome": outcome_phrase(self.outcome, dict(self.options)),
            },
        )


@dataclass(frozen=True)
class DecisionReviewed(RecordBody):
    """The assembly looked at an adopted decision again when its review came, and kept it."""

    kind = "decision.reviewed"

    number: int
    by: str
    next_review_on: date
    kept: bool = True

    def to_json(self) -> JSONObject:
        return {
            "number": self.number,
            "kept": self.kept,
            "by": self.by,
            "next_review_on": self.next_review_on.isoformat(),
        }

    @classmethod
    def read(cls, f: Fields) -> Self:
        return cls(
            number=f.integer("number", 1),
            kept=f.boolean("kept"),
            by=f.text("by", 80),
            next_review_on=f.day("next_review_on"),
        )

    def describe(self) -> Phrase:
        return Phrase(
            N_("Decision #%(number)s reviewed and kept by %(by)s; it comes back on %(day)s"),
            {"number": self.number, "by": self.by, "day": self.next_review_on},
        )


@dataclass(frozen=True)
class ProposalAmended(RecordBody):
    """The proposer amended an open proposal to answer an objection: a new version of its text, and what changed.

    The votes it reset and the window it extended are the node's; the ledger keeps each version's text
    (inline when short, else by the digest of a blob), so the decision can name the version it adopted.
    """

    kind = "proposal.amended"

    number: int
    version: int
    title: str
    by: str
    note: str
    closes: datetime
    text: str | None = None
    text_digest: str | None = None
    text_bytes: int | None = None

    def __post_init__(self) -> None:
        if (self.text is None) == (self.text_digest is None):
            raise RecordError("bad_field", "An amended proposal carries its text or the digest of its text, not both.")

    def to_json(self) -> JSONObject:
        body: JSONObject = {
            "number": self.number,
            "version": self.version,
            "title": self.title,
            "by": self.by,
            "note": self.note,
            "closes": format_time(self.closes),
        }
        if self.text is not None:
            body["text"] = self.text
        else:
            body["text_digest"] = self.text_digest
            body["text_bytes"] = self.text_bytes
        return body

    @classmethod
    def read(cls, f: Fields) -> Self:
        return cls(
            number=f.integer("number", 1),
            version=f.integer("version", 2),
            title=f.text("title", 200),
            by=f.text("by", 80),
            note=f.text("note", MAX_REASON),
            closes=f.moment("closes"),
            text=f.text("text", 20_000, empty=True) if f.has("text") else None,
            text_digest=f.text("text_digest", 71) if f.has("text_digest") else None,
            text_bytes=f.integer("text_bytes", 0) if f.has("text_bytes") else None,
        )

    def describe(self) -> Phrase:
        return Phrase(
            N_("Proposal #%(number)s, %(title)s, amended by %(by)s (version %(version)s): %(note)s"),
            {"number": self.number, "title": self.title, "by": self.by, "version": self.version, "note": self.note},
        )
