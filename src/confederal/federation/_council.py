"""What a federation and its councils are, folded from the member assemblies' own ledgers.

There is no council server. Every record that makes a council — its charter, each
assembly's joining, the mandates granted and recalled, the delegates' motions and
votes — sits in the ledger of the assembly that acted, and every node computes the
council from those records with :func:`council_state`. The same records give the
same council everywhere.

Order and time come from the ledgers themselves. Within one ledger, its order
decides: a vote after the recall of its delegate does not count. Across ledgers,
each record's *witnessed time* decides — the time by which enough other members'
nodes had cosigned a checkpoint holding it — so no node can backdate an act, and a
council dissolves by itself: whatever was witnessed after its end does not count.
Records nobody has witnessed yet wait.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from confederal.ledger import JSONObject, RecordBody, RecordError, format_time

from . import _records
from ._charter import CouncilCharter, FederationCharter, Mandate, breach
from ._errors import FederationError

__all__ = [
    "Act",
    "CouncilState",
    "FederationState",
    "Grant",
    "Ignored",
    "Motion",
    "Seat",
    "Vote",
    "council_state",
    "federation_state",
]


@dataclass(frozen=True)
class Act:
    """One record of a member ledger, as a fold needs it."""

    origin: str
    seq: int
    kind: str
    body: Mapping[str, object]
    #: The leaf hash, hex: what names a federation or a council by its charter record.
    hash: str = ""
    #: When a quorum of other members' nodes had cosigned it; None while nobody has.
    witnessed_at: datetime | None = None

    @property
    def key(self) -> tuple[datetime, str, int]:
        assert self.witnessed_at is not None
        return (self.witnessed_at, self.origin, self.seq)


@dataclass(frozen=True)
class FederationState:
    id: str
    charter: FederationCharter
    founded_by: str
    #: Member origins, in the order they joined, with the entry that made each a member.
    members: tuple[tuple[str, int], ...]
    left: tuple[tuple[str, int], ...] = ()

    def is_member(self, origin: str) -> bool:
        return any(o == origin for o, _ in self.members)


def _membership(acts: Sequence[Act], federation_id: str, founder: Act) -> dict[str, list[tuple[int, bool]]]:
    """Per ledger, the positions where it joined (True) or left (False) the federation, in log order."""
    changes: dict[str, list[tuple[int, bool]]] = {founder.origin: [(founder.seq, True)]}
    for act in sorted(acts, key=lambda a: (a.origin, a.seq)):
        if (
            act.kind not in {_records.FederationJoined.kind, _records.FederationLeft.kind}
            or act.body.get("federation") != federation_id
        ):
            continue
        try:
            _parse(act)
        except RecordError:
            continue  # a malformed join or leave changes nothing
        changes.setdefault(act.origin, []).append((act.seq, act.kind == _records.FederationJoined.kind))
    return changes


_BODIES: dict[str, type[RecordBody]] = {
    cls.kind: cls
    for cls in (
        _records.FederationJoined,
        _records.FederationLeft,
        _records.CouncilJoined,
        _records.CouncilLeft,
        _records.MandateGranted,
        _records.MandateRecalled,
        _records.DelegateAct,
    )
}


def _parse(act: Act) -> RecordBody:
    return _BODIES[act.kind].from_json(dict(act.body))  # type: ignore[arg-type]


def _charter_of(
    act: Act, body: type[_records.FederationFounded] | type[_records.CouncilConvened]
) -> _records.FederationFounded | _records.CouncilConvened:
    try:
        return body.from_json(dict(act.body))  # type: ignore[arg-type]
    except RecordError as exc:
        raise FederationError(exc.code, exc.message) from exc


def _member_at(changes: dict[str, list[tuple[int, bool]]], origin: str, seq: int) -> bool:
    state = False
    for position, joined in changes.get(origin, []):
        if position < seq or (position == seq and joined):
            state = joined
    return state


def federation_state(charter_act: Act, acts: Sequence[Act]) -> FederationState:
    """The federation a ``federation.charter`` record founded, and who is in it now.

    Each assembly's membership is decided by its own ledger alone: its last join or
    leave. Nothing at federation level can add or remove an assembly.

    Raises:
        FederationError: the charter record is malformed.
    """
    founded = _charter_of(charter_act, _records.FederationFounded)
    assert isinstance(founded, _records.FederationFounded)
    charter = founded.charter
    changes = _membership(acts, charter_act.hash, charter_act)
    members: list[tuple[str, int]] = []
    left: list[tuple[str, int]] = []
    for origin, history in sorted(changes.items()):
        position, joined = history[-1]
        (members if joined else left).append((origin, position))
    founder_first = sorted(members, key=lambda m: (m[0] != charter_act.origin, m[0]))
    return FederationState(charter_act.hash, charter, charter_act.origin, tuple(founder_first), tuple(left))


@dataclass
class Grant:
    """A mandate granted by a home assembly to one of its members."""

    origin: str
    seq: int
    delegate: str
    mandate: Mandate
    granted_at: datetime
    expires_at: datetime
    ended_at: datetime | None = None
    #: "recalled", "replaced", "left", "expired" or "dissolved".
    end_reason: str | None = None

    def live(self, at: datetime) -> bool:
        return self.ended_at is None and at <= self.expires_at


@dataclass
class Seat:
    origin: str
    joined_at: datetime
    left_at: datetime | None = None
    grants: list[Grant] = field(default_factory=list)

    @property
    def current(self) -> Grant | None:
        return self.grants[-1] if self.grants and self.grants[-1].ended_at is None else None


@dataclass
class Vote:
    origin: str
    seq: int
    delegate: str
    choice: str
    at: datetime
    #: Why this vote went against the mandate, when the federation counts such votes but flags them.
    flag: str | None = None


@dataclass
class Motion:
    origin: str
    seq: int
    delegate: str
    title: str
    text: str
    question: str | None
    opened_at: datetime
    votes: dict[str, Vote] = field(default_factory=dict)
    decided_at: datetime | None = None
    adopted: bool | None = None
    #: How many member assemblies there were when it was decided.
    members: int = 0

    @property
    def id(self) -> str:
        return f"{self.origin}#{self.seq}"

    def count(self, choice: str) -> int:
        return sum(1 for v in self.votes.values() if v.choice == choice)


@dataclass(frozen=True)
class Ignored:
    """A record that does not count, and why (shown to people, so the fold hides nothing)."""

    origin: str
    seq: int
    kind: str
    reason: str


@dataclass
class CouncilState:
    id: str
    charter: CouncilCharter
    convener: str
    status: str  # "upcoming", "sitting" or "dissolved"
    seats: dict[str, Seat] = field(default_factory=dict)
    motions: list[Motion] = field(default_factory=list)
    ignored: list[Ignored] = field(default_factory=list)
    pending: list[Act] = field(default_factory=list)

    def served(self) -> list[tuple[str, str]]:
        """Every (home origin, delegate) who held a mandate, in the order they were granted."""
        found: list[tuple[str, str]] = []
        for seat in self.seats.values():
            for grant in seat.grants:
                if (seat.origin, grant.delegate) not in found:
                    found.append((seat.origin, grant.delegate))
        return found

    def members(self) -> list[str]:
        return [o for o, s in self.seats.items() if s.left_at is None]

    def archive(self) -> JSONObject:
        """The council's public record: the same JSON on every node that folded the same ledgers."""

        def when(moment: datetime | None) -> str | None:
            return None if moment is None else format_time(moment)

        return {
            "council": self.id,
            "charter": self.charter.to_json(),
            "convener": self.convener,
            "status": self.status,
            "seats": [
                {
                    "assembly": s.origin,
                    "joined_at": when(s.joined_at),
                    "left_at": when(s.left_at),
                    "mandates": [
                        {
                            "grant": g.seq,
                            "delegate": g.delegate,
                            "mandate": g.mandate.to_json(),
                            "granted_at": when(g.granted_at),
                            "ended_at": when(g.ended_at),
                            "end": g.end_reason,
                        }
                        for g in s.grants
                    ],
                }
                for s in sorted(self.seats.values(), key=lambda s: s.origin)
            ],
            "motions": [
                {
                    "motion": m.id,
                    "delegate": m.delegate,
                    "title": m.title,
                    "text": m.text,
                    "question": m.question,
                    "opened_at": when(m.opened_at),
                    "votes": [
                        {"assembly": v.origin, "delegate": v.delegate, "choice": v.choice, "seq": v.seq, "flag": v.flag}
                        for v in sorted(m.votes.values(), key=lambda v: v.origin)
                    ],
                    "for": m.count("for"),
                    "against": m.count("against"),
                    "abstain": m.count("abstain"),
                    "members": m.members,
                    "adopted": m.adopted,
                    "decided_at": when(m.decided_at),
                }
                for m in self.motions
            ],
            "ignored": [{"assembly": i.origin, "seq": i.seq, "kind": i.kind, "why": i.reason} for i in self.ignored],
        }


_COUNCIL_KINDS = {
    _records.CouncilJoined.kind,
    _records.CouncilLeft.kind,
    _records.MandateGranted.kind,
    _records.MandateRecalled.kind,
    _records.DelegateAct.kind,
}


def council_state(charter_act: Act, federation: FederationState, acts: Sequence[Act], now: datetime) -> CouncilState:
    """Fold a council from its charter record and the member ledgers' records.

    ``acts`` may hold any records of any ledgers; the fold takes those about this
    council and the federation's joins and leaves. ``now`` only says whether the
    council is upcoming, sitting or dissolved, and settles its open motions once it
    has dissolved; what counts is decided by witnessed time alone.

    Raises:
        FederationError: the charter record is malformed or breaks the federation's limits.
    """
    convened = _charter_of(charter_act, _records.CouncilConvened)
    assert isinstance(convened, _records.CouncilConvened)
    charter = convened.charter
    if charter.federation != federation.id:
        raise FederationError("wrong_federation", "This council was convened in another federation.")
    charter.check_within(federation.charter)
    start, end = charter.starts_at, charter.ends_at
    status = "upcoming" if now < start else "sitting" if now < end else "dissolved"
    state = CouncilState(charter_act.hash, charter, charter_act.origin, status)
    founder = Act(federation.founded_by, -1, "federation.charter", {}, federation.id)
    changes = _membership(acts, federation.id, founder)
    if federation.founded_by == charter_act.origin:
        changes[charter_act.origin] = sorted({*changes.get(charter_act.origin, []), (-1, True)})

    relevant = [a for a in acts if a.kind in _COUNCIL_KINDS and a.body.get("council") == state.id]
    if charter_act.witnessed_at is None:
        state.pending = [charter_act, *relevant]
        return state
    events = [charter_act, *(a for a in relevant if a.witnessed_at is not None)]
    state.pending = [a for a in relevant if a.witnessed_at is None]
    events.sort(key=lambda a: a.key)
    motions: dict[str, Motion] = {}

    def ignore(act: Act, reason: str) -> None:
        state.ignored.append(Ignored(act.origin, act.seq, act.kind, reason))

    def decide(motion: Motion, at: datetime) -> None:
        motion.decided_at = at
        motion.members = len(state.members())
        motion.adopted = motion.count("for") * 2 > motion.members

    def vote(act: Act, body: _records.DelegateAct, at: datetime, motion: Motion, grant: Grant) -> None:
        if motion.decided_at is not None:
            return ignore(act, "the motion was already decided")
        choice = str(body.choice)
        why = breach(grant.mandate, motion.question, choice)
        if why is not None and federation.charter.mandate_breach == "refuse":
            return ignore(act, f"refused: {why}")
        motion.votes[act.origin] = Vote(act.origin, act.seq, grant.delegate, choice, at, why)
        if set(state.members()) <= set(motion.votes):
            decide(motion, at)
        return None

    waiting_votes: dict[str, list[tuple[Act, _records.DelegateAct]]] = {}
    for act in events:
        at = act.witnessed_at
        assert at is not None
        if at > end:
            ignore(act, "witnessed after the council ended")
            continue
        seat = state.seats.get(act.origin)
        if act is charter_act or act.kind == _records.CouncilJoined.kind:
            if act is not charter_act and not _readable(act, ignore):
                continue
            if not _member_at(changes, act.origin, act.seq):
                ignore(act, "the assembly is not in the federation")
            elif seat is None or seat.left_at is not None:
                state.seats[act.origin] = Seat(act.origin, at)
            continue
        if seat is None or seat.left_at is not None:
            ignore(act, "the assembly is not on the council")
            continue
        body = _readable(act, ignore)
        if body is None:
            continue
        if isinstance(body, _records.CouncilLeft):
            seat.left_at = at
            _end(seat, at, "left")
            continue
        if isinstance(body, _records.MandateGranted):
            expires = body.expires_at or end
            _end(seat, at, "replaced")
            seat.grants.append(Grant(act.origin, act.seq, body.delegate, body.mandate, at, min(expires, end)))
            continue
        current = seat.current
        if isinstance(body, _records.MandateRecalled):
            if current is None or current.seq != body.grant:
                ignore(act, "no such mandate is held")
            else:
                current.ended_at, current.end_reason = at, "recalled"
            continue
        assert isinstance(body, _records.DelegateAct)
        if current is None or current.seq != body.grant or not current.live(at):
            ignore(act, "the delegate holds no live mandate from this assembly")
            continue
        if at < start:
            ignore(act, "witnessed before the council started")
            continue
        if body.act == "motion":
            if body.question is not None and charter.question(body.question) is None:
                ignore(act, "the motion names a question not on the agenda")
                continue
            motion = Motion(
                act.origin, act.seq, current.delegate, str(body.title).strip(), body.text or "", body.question, at
            )
            motions[motion.id] = motion
            state.motions.append(motion)
            for later, later_body in waiting_votes.pop(motion.id, []):
                vote(later, later_body, at, motion, _grant_of(state, later, later_body))
        elif body.motion in motions:
            vote(act, body, at, motions[body.motion], current)
        else:
            waiting_votes.setdefault(body.motion, []).append((act, body))
    for acts_waiting in waiting_votes.values():
        for act, _body in acts_waiting:
            ignore(act, "the vote names a motion that does not count")
    if status == "dissolved":
        for motion in state.motions:
            if motion.decided_at is None:
                decide(motion, end)
        for seat in state.seats.values():
            _end(seat, end, "dissolved")
    else:
        for seat in state.seats.values():
            if seat.current is not None and not seat.current.live(now):
                _end(seat, seat.current.expires_at, "expired")
    state.ignored.sort(key=lambda i: (i.origin, i.seq))
    return state


def _end(seat: Seat, at: datetime, reason: str) -> None:
    grant = seat.current
    if grant is not None:
        grant.ended_at, grant.end_reason = at, reason


def _grant_of(state: CouncilState, act: Act, body: _records.DelegateAct) -> Grant:
    seat = state.seats[act.origin]
    return next(g for g in seat.grants if g.seq == body.grant)


def _readable(act: Act, ignore: Callable[[Act, str], None]) -> RecordBody | None:
    """The act's body, or None once it is ignored as malformed (with the reason)."""
    try:
        return _parse(act)
    except RecordError as exc:
        ignore(act, f"malformed: {exc.message}")
        return None
