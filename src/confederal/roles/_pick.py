"""Choosing a role's next holder by rota or by lot, with a record anyone can check.

Both pickers return a ``Pick``: who takes the role, who could have, who sat
out and why, how many terms each member has served, and a plain-English
explanation. A lottery pick also carries everything needed to re-run the draw
(``rerun_draw``) from the recorded seed and candidates alone.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from confederal.ledger import JSONObject, JSONValue

from ._eligibility import Exclusion, Standing, standing
from ._errors import RotationError
from ._rules import RoleRules, Rotation, Term

__all__ = [
    "LOTTERY_ALGORITHM",
    "MAX_SEED_BYTES",
    "MIN_SEED_BYTES",
    "Pick",
    "draw_by_lot",
    "next_by_rota",
    "rerun_draw",
]

LOTTERY_ALGORITHM = "sha256-counter-rejection/v1"
# A seed shorter than this is almost certainly a mistake (a counter, a date);
# the upper bound keeps the recorded draw small.
MIN_SEED_BYTES = 16
MAX_SEED_BYTES = 256

_HASH_SPACE = 1 << 256
_HEX = re.compile(r"(?:[0-9a-f]{2})+\Z")
_REASON_WORDS = {
    "term_limit": "term limit",
    "cooldown": "cool-down",
    "holds_another_role": "holds another role",
    "absent": "absent",
    "not_member": "no longer a member",
}


@dataclass(frozen=True)
class Pick:
    """The outcome of choosing a role's next holder, ready for the public record.

    ``holder`` is None when nobody is eligible. ``service`` maps every member
    (in the members order given) to the terms they have served in this role.
    ``seed_hex`` and ``draw`` are set by ``draw_by_lot`` only; ``draw`` is None
    when there was nobody to draw from. ``method`` names the picker used, not
    the role's configured rotation.
    """

    holder: str | None
    method: Rotation
    eligible: tuple[str, ...]
    excluded: tuple[Exclusion, ...]
    service: Mapping[str, int]
    seed_hex: str | None
    draw: JSONObject | None
    explanation: str
    #: The explanation as the public may read it: who sat out, never why (a member's absence is not public).
    public_explanation: str

    def __post_init__(self) -> None:
        # A read-only copy, so the record cannot change after the pick is made.
        object.__setattr__(self, "service", MappingProxyType(dict(self.service)))

    def to_json(self) -> JSONObject:
        """Return the pick as JSON within the ledger's canonical profile, with why each member sat out.

        ``service`` becomes a list of ``{"member", "terms"}`` objects in members
        order, because member ids need not be valid ledger keys. This form says
        who was away, which only members may know: the ledger takes :meth:`public_json`.
        """
        return {
            "holder": self.holder,
            "method": self.method.value,
            "eligible": list(self.eligible),
            "excluded": [{"member": e.member, "reason": e.reason} for e in self.excluded],
            "service": [{"member": member, "terms": terms} for member, terms in self.service.items()],
            "seed_hex": self.seed_hex,
            "draw": copy.deepcopy(self.draw),
            "explanation": self.explanation,
        }

    def public_json(self) -> JSONObject:
        """The pick as the public ledger holds it: :meth:`to_json` with ``excluded`` naming who sat out, not why.

        Every reason but absence can be read from the ledger's own history (terms served, roles held,
        members who left), so giving the others would tell by elimination who was away; no reason is given.
        """
        return {
            **self.to_json(),
            "excluded": [e.member for e in self.excluded],
            "explanation": self.public_explanation,
        }


def next_by_rota(
    members: Sequence[str],
    history: Sequence[Term],
    rules: RoleRules,
    absent: Collection[str] = (),
    busy: Collection[str] = (),
) -> Pick:
    """Pick the next holder by fair round-robin among the eligible members.

    The eligible member with the fewest terms served in this role wins; a tie
    goes to the one who held it longest ago (never having held it counts as
    longest ago), then to the one listed first in ``members``. With nobody
    absent and no limit binding this is plain round-robin in members order, so
    service counts never differ by more than one.

    Raises:
        RotationError: as ``eligibility`` does.
    """
    record = standing(members, history, rules, absent, busy)
    order = {member: i for i, member in enumerate(members)}
    ranked = sorted(
        record.eligibility.eligible,
        key=lambda m: (record.service[m], record.last_served.get(m, -1), order[m]),
    )
    holder = ranked[0] if ranked else None
    return _pick(record, holder, Rotation.ROTA, _rota_explanation(ranked, record))


def draw_by_lot(
    members: Sequence[str],
    history: Sequence[Term],
    rules: RoleRules,
    seed: bytes,
    absent: Collection[str] = (),
    busy: Collection[str] = (),
) -> Pick:
    """Draw the next holder uniformly at random from the eligible members, reproducibly from ``seed``.

    The seed must be unpredictable to everyone before the draw (for example a
    public randomness beacon's output for an announced round) and is recorded
    with the result. Algorithm ``sha256-counter-rejection/v1``, exactly:

    1. ``candidates`` = the eligible member ids sorted by Unicode code point
       (the same order as their UTF-8 bytes); ``n = len(candidates)``. With
       ``n = 0`` nobody is drawn.
    2. ``limit = 2**256 - (2**256 mod n)``, the largest multiple of ``n`` that
       fits in 256 bits.
    3. For ``counter = 0, 1, 2, …``: ``x`` = SHA-256(``seed`` ‖ ``counter`` as
       8-byte unsigned big-endian) read as an unsigned big-endian 256-bit
       integer. If ``x < limit``, stop with ``index = x mod n``; otherwise try
       the next counter. Rejecting ``x ≥ limit`` makes every index equally
       likely (no modulo bias); a rejection happens with probability below
       ``n / 2**256``.
    4. The holder is ``candidates[index]``.

    The pick's ``draw`` records ``algorithm``, ``seed`` (lowercase hex),
    ``candidates``, ``index`` and ``holder``.

    Raises:
        RotationError: ``bad_seed`` (not bytes, or not 16–256 bytes long), or as
            ``eligibility`` does.
    """
    if not isinstance(seed, bytes) or not MIN_SEED_BYTES <= len(seed) <= MAX_SEED_BYTES:
        raise RotationError(
            "bad_seed",
            "A lottery seed is {low} to {high} bytes of unpredictable data.",
            low=MIN_SEED_BYTES,
            high=MAX_SEED_BYTES,
        )
    record = standing(members, history, rules, absent, busy)
    candidates = sorted(record.eligibility.eligible)
    holder: str | None = None
    draw: JSONObject | None = None
    if candidates:
        index = _uniform_index(seed, len(candidates))
        holder = candidates[index]
        listed: list[JSONValue] = list(candidates)
        draw = {
            "algorithm": LOTTERY_ALGORITHM,
            "seed": seed.hex(),
            "candidates": listed,
            "index": index,
            "holder": holder,
        }
        explanation = (
            f"{holder} takes the role by lot: drawn uniformly from {_count(len(candidates), 'eligible member')} "
            f"with seed {seed.hex()} ({LOTTERY_ALGORITHM}); anyone can re-run the draw"
        )
    else:
        explanation = "Nobody takes the role: " + _nobody(record)
    return _pick(record, holder, Rotation.LOTTERY, explanation, seed.hex(), draw)


def rerun_draw(draw: Mapping[str, object]) -> str:
    """Re-run a recorded draw and return the holder it yields.

    ``draw`` is a ``Pick.draw`` as recorded: ``algorithm``, ``seed`` (hex),
    ``candidates`` (sorted, distinct) and ``index`` are required; ``holder`` is
    checked when present. Anyone holding the record can call this to confirm
    the draw was not steered.

    Raises:
        RotationError: ``unknown_algorithm``; ``bad_draw`` (a field missing or
            malformed, or candidates not sorted and distinct); ``draw_mismatch``
            (the recorded index or holder is not what the seed yields).
    """
    algorithm = draw.get("algorithm")
    if algorithm != LOTTERY_ALGORITHM:
        raise RotationError(
            "unknown_algorithm",
            "This software re-runs {known} draws only; the record names {algorithm!r}.",
            known=LOTTERY_ALGORITHM,
            algorithm=algorithm,
        )
    seed_hex = draw.get("seed")
    if not isinstance(seed_hex, str) or not _HEX.match(seed_hex):
        raise RotationError("bad_draw", "The recorded draw's {field} is malformed.", field="seed")
    seed = bytes.fromhex(seed_hex)
    if not MIN_SEED_BYTES <= len(seed) <= MAX_SEED_BYTES:
        raise RotationError("bad_draw", "The recorded draw's {field} is malformed.", field="seed")
    candidates = draw.get("candidates")
    if (
        not isinstance(candidates, list)
        or not candidates
        or not all(isinstance(c, str) and c for c in candidates)
        or any(a >= b for a, b in itertools.pairwise(candidates))
    ):
        raise RotationError(
            "bad_draw",
            "The recorded draw's {field} must be distinct member ids in sorted order.",
            field="candidates",
        )
    recorded_index = draw.get("index")
    if not isinstance(recorded_index, int) or isinstance(recorded_index, bool):
        raise RotationError("bad_draw", "The recorded draw's {field} is malformed.", field="index")
    index = _uniform_index(seed, len(candidates))
    holder: str = candidates[index]
    if recorded_index != index:
        raise RotationError(
            "draw_mismatch",
            "The seed selects candidate {index} ({holder}), but the record says {recorded}.",
            index=index,
            holder=holder,
            recorded=recorded_index,
        )
    if "holder" in draw and draw["holder"] != holder:
        raise RotationError(
            "draw_mismatch",
            "The seed selects {holder}, but the record names {recorded!r}.",
            holder=holder,
            recorded=draw["holder"],
        )
    return holder


def _uniform_index(seed: bytes, n: int) -> int:
    """Return an index in ``range(n)`` by the ``sha256-counter-rejection/v1`` steps in ``draw_by_lot``."""
    limit = _HASH_SPACE - _HASH_SPACE % n
    counter = 0
    while True:
        block = hashlib.sha256(seed + counter.to_bytes(8, "big")).digest()
        value = int.from_bytes(block, "big")
        if value < limit:
            return value % n
        counter += 1


def _pick(
    record: Standing,
    holder: str | None,
    method: Rotation,
    explanation: str,
    seed_hex: str | None = None,
    draw: JSONObject | None = None,
) -> Pick:
    """The pick made on ``record``; its explanation ends by naming who sat out."""
    return Pick(
        holder=holder,
        method=method,
        eligible=record.eligibility.eligible,
        excluded=record.eligibility.excluded,
        service=record.service,
        seed_hex=seed_hex,
        draw=draw,
        explanation=explanation + _sitting_out(record.eligibility.excluded) + ".",
        public_explanation=explanation + _sitting_out(record.eligibility.excluded, reasons=False) + ".",
    )


def _rota_explanation(ranked: list[str], record: Standing) -> str:
    if not ranked:
        return "Nobody takes the role: " + _nobody(record)
    holder = ranked[0]
    served = record.service[holder]
    text = f"{holder} takes the role: fewest terms served ({served}) among {_count(len(ranked), 'eligible member')}"
    tied = [m for m in ranked[1:] if record.service[m] == served]
    if not tied:
        return text
    if holder in record.last_served:
        why = "held it longest ago"
    elif any(m not in record.last_served for m in tied):
        why = "comes first in the members list among those who never held it"
    else:
        why = "has never held it"
    return f"{text}, tied with {_names(tied)}, and {why}"


def _nobody(record: Standing) -> str:
    return "no member is eligible" if record.service else "there are no members"


def _sitting_out(excluded: tuple[Exclusion, ...], reasons: bool = True) -> str:
    if not excluded:
        return ""
    verb = "sits" if len(excluded) == 1 else "sit"
    why = " (" + ", ".join(_REASON_WORDS.get(e.reason, e.reason) for e in excluded) + ")" if reasons else ""
    return f"; {_names([e.member for e in excluded])} {verb} out{why}"


def _names(names: list[str]) -> str:
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " and " + names[-1]


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
