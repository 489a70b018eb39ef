"""The outcome of a tally, and the deterministic draw that may break its ties."""

from __future__ import annotations

import copy
import enum
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from confederal.ledger import JSONObject

from ._errors import DecisionError
from ._methods import Method

__all__ = ["Outcome", "Status", "break_tie"]


class Status(enum.StrEnum):
    """What a tally decided. A ``StrEnum``, so it compares equal to its string value."""

    #: A yes/no-style proposal passed.
    ADOPTED = "adopted"
    #: A yes/no-style proposal failed, or no option got any support.
    REJECTED = "rejected"
    #: Consent or consensus: at least one objection or block.
    BLOCKED = "blocked"
    #: Consent or consensus: too many stood aside, or nobody said yes.
    NO_CONSENSUS = "no_consensus"
    #: Some took part, but fewer than the quorum.
    NO_QUORUM = "no_quorum"
    #: Several options are tied for the win and no tiebreak value was given.
    TIE = "tie"
    #: One option won (or, in a participatory budget, at least one was funded).
    CHOSEN = "chosen"
    #: Nobody took part.
    NO_VOTES = "no_votes"


@dataclass(frozen=True)
class Outcome:
    """The result of ``tally``: what was decided, the counts behind it and one sentence saying so.

    ``winners`` holds one option id when ``status`` is ``chosen`` (for a
    participatory budget, every funded option, in funding order), the tied
    options (sorted) when it is ``tie``, and nothing otherwise. ``counts`` is a
    method-specific JSON object inside the ledger's canonical profile (see the
    ``confederal.decisions`` package documentation); treat it as read-only.
    """

    method: Method
    status: Status
    winners: tuple[str, ...]
    eligible: int
    participants: int
    quorum_needed: int
    counts: JSONObject
    explanation: str

    def to_json(self) -> JSONObject:
        """Return every field as a fresh JSON object inside the ledger's canonical profile."""
        return {
            "method": self.method.value,
            "status": self.status.value,
            "winners": list(self.winners),
            "eligible": self.eligible,
            "participants": self.participants,
            "quorum_needed": self.quorum_needed,
            # A copy, so that a caller editing the JSON cannot change a recorded outcome.
            "counts": copy.deepcopy(self.counts),
            "explanation": self.explanation,
        }

    @classmethod
    def from_json(cls, data: object) -> Outcome:
        """Read an outcome written by :meth:`to_json` (from any ledger).

        Raises:
            DecisionError: ``bad_outcome`` when a field is missing or of the wrong type.
        """
        fields = {"method", "status", "winners", "eligible", "participants", "quorum_needed", "counts", "explanation"}
        if not isinstance(data, dict) or set(data) != fields:
            raise DecisionError("bad_outcome", "An outcome names its method, status, winners, counts and explanation.")
        numbers = [data[k] for k in ("eligible", "participants", "quorum_needed")]
        winners = data["winners"]
        if (
            not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in numbers)
            or not isinstance(winners, list)
            or not all(isinstance(w, str) for w in winners)
            or not isinstance(data["counts"], dict)
            or not isinstance(data["explanation"], str)
        ):
            raise DecisionError("bad_outcome", "An outcome's counts, winners or explanation are malformed.")
        try:
            method, status = Method(data["method"]), Status(data["status"])
        except ValueError:
            raise DecisionError("bad_outcome", "An outcome names an unknown method or status.") from None
        return cls(
            method=method,
            status=status,
            winners=tuple(winners),
            eligible=numbers[0],
            participants=numbers[1],
            quorum_needed=numbers[2],
            counts=copy.deepcopy(data["counts"]),
            explanation=data["explanation"],
        )


def break_tie(tiebreak: bytes, round_number: int, among: Iterable[str]) -> str:
    """Pick one of the tied option ids ``among``, reproducibly from ``tiebreak``.

    The ids are sorted (by code point) and the one at index
    ``int(SHA-256(tiebreak || round || ids)) mod len(ids)`` is returned, where
    ``round`` is ``round_number`` as 4 big-endian bytes (the instant-runoff
    round, or 0 for a final tie), ``ids`` is the sorted ids encoded as UTF-8
    and joined by ``\\n``, and the digest is read as a big-endian integer.
    Anyone holding the same tiebreak bytes can redo the draw.

    The tiebreak value should be fixed only after voting closes and be public
    (for example, a ledger checkpoint's root hash signed after the close), so
    that nobody can steer the draw by choosing when or how to vote.

    Raises:
        DecisionError: ``bad_tiebreak`` for no candidates or a round outside 0..2**32 − 1.
    """
    candidates = sorted(set(among))
    if not candidates:
        raise DecisionError("bad_tiebreak", "A tie can only be broken among at least one option.")
    if not 0 <= round_number < 2**32:
        raise DecisionError("bad_tiebreak", "The round number {round} is out of range.", round=round_number)
    message = bytes(tiebreak) + round_number.to_bytes(4, "big") + "\n".join(candidates).encode("utf-8")
    index = int.from_bytes(hashlib.sha256(message).digest(), "big") % len(candidates)
    return candidates[index]
