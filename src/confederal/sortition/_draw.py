"""Drawing one panel from a lottery with randomness nobody controls alone, and checking a draw.

The seed is SHA-256 over a domain tag, the hash of the announcement (which fixes
the pool, the quotas and the size before anyone can know the outcome) and a
beacon: the root of the ledger at a size reached only after the announcement.
Reveals from a commit-reveal round among members can be mixed in as well.
From the seed the draw is deterministic, so anyone holding the record can redo it.

Within the lottery, weights are integers summing to WEIGHT_TOTAL and the seed picks
a panel (counts per type) in proportion to them; within each type, members are
ordered by SHA-256 of the seed and their id and the first ones are taken.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from confederal.ledger import JSONObject

from ._lottery import WEIGHT_TOTAL, Lottery
from ._pool import PersonType, SortitionError

__all__ = [
    "DRAW_ALGORITHM",
    "Draw",
    "check_commitment",
    "commitment",
    "draw_panel",
    "draw_seed",
    "lottery_from_json",
    "lottery_to_json",
    "ppb",
]

DRAW_ALGORITHM = "confederal-draw/v1"
_DOMAIN = b"confederal/draw/v1\n"
_COMMIT_DOMAIN = b"confederal/draw-commitment/v1\n"
_HEX32 = re.compile(r"[0-9a-f]{64}\Z")


def ppb(value: float) -> int:
    """A probability as whole parts per billion, the form the ledger records."""
    return round(value * WEIGHT_TOTAL)


def _hex32(value: object, what: str) -> bytes:
    if not isinstance(value, str) or not _HEX32.match(value):
        raise SortitionError("bad_draw", f"The {what} must be 32 bytes in lowercase hex.", {"field": what})
    return bytes.fromhex(value)


def commitment(secret_hex: str) -> str:
    """What a member publishes before the draw to bind themself to a secret they reveal after."""
    return hashlib.sha256(_COMMIT_DOMAIN + _hex32(secret_hex, "secret")).hexdigest()


def check_commitment(commitment_hex: str, secret_hex: str) -> bool:
    return commitment(secret_hex) == commitment_hex


def draw_seed(announcement_hex: str, beacon_hex: str, reveals: Sequence[str] = ()) -> str:
    """The draw's seed: SHA-256(domain ‖ announcement ‖ beacon ‖ reveals in sorted order)."""
    h = hashlib.sha256(_DOMAIN)
    h.update(_hex32(announcement_hex, "announcement hash"))
    h.update(_hex32(beacon_hex, "beacon"))
    for reveal in sorted(reveals):
        h.update(_hex32(reveal, "reveal"))
    return h.hexdigest()


@dataclass(frozen=True)
class Draw:
    """The panel drawn: which of the lottery's panels, and the people chosen, in id order."""

    panel_index: int
    chosen: tuple[str, ...]


def draw_panel(lottery: Lottery, seed_hex: str) -> Draw:
    seed = _hex32(seed_hex, "seed")
    # 2^256 is so much larger than WEIGHT_TOTAL that the modulo bias is below 10^-67.
    ticket = int.from_bytes(hashlib.sha256(seed + b"panel").digest(), "big") % WEIGHT_TOTAL
    running = 0
    index = len(lottery.weights) - 1
    for i, weight in enumerate(lottery.weights):
        running += weight
        if ticket < running:
            index = i
            break
    chosen: list[str] = []
    for kind, count in zip(lottery.types, lottery.panels[index], strict=True):
        if count:
            ordered = sorted(kind.members, key=lambda m: hashlib.sha256(seed + b"member" + m.encode()).digest())
            chosen.extend(ordered[:count])
    return Draw(index, tuple(sorted(chosen)))


def lottery_to_json(lottery: Lottery, features: Sequence[str]) -> JSONObject:
    """The lottery in the ledger's canonical profile: integers and strings only."""
    return {
        "algorithm": DRAW_ALGORITHM,
        "method": lottery.method,
        "size": lottery.size,
        "features": list(features),
        "types": [{"profile": list(t.profile), "served": t.served, "members": list(t.members)} for t in lottery.types],
        "panels": [list(p) for p in lottery.panels],
        "weights": list(lottery.weights),
        "weight_total": WEIGHT_TOTAL,
        "minimum_ppb": ppb(lottery.minimum),
        "certificate_ppb": ppb(lottery.certificate),
        "complete": lottery.complete,
        "never": list(lottery.never),
    }


def _list(body: Mapping[str, object], key: str) -> list[object]:
    value = body.get(key)
    if not isinstance(value, list):
        raise SortitionError("bad_draw", f"The recorded lottery's {key} must be a list.", {"field": key})
    return value


def _int(value: object, key: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise SortitionError("bad_draw", f"The recorded lottery's {key} must be whole numbers.", {"field": key})
    return value


def lottery_from_json(body: Mapping[str, object]) -> Lottery:
    """Read a recorded lottery back, checking its shape (not yet its fairness or its quotas).

    Raises:
        SortitionError: ``bad_draw`` naming the first malformed field.
    """
    if body.get("algorithm") != DRAW_ALGORITHM:
        raise SortitionError(
            "bad_draw", f"Only {DRAW_ALGORITHM} lotteries can be read; this one names {body.get('algorithm')!r}."
        )
    method = body.get("method")
    if method not in ("leximin", "maximin"):
        raise SortitionError("bad_draw", "The recorded lottery's method must be leximin or maximin.")
    types = []
    for raw in _list(body, "types"):
        if not isinstance(raw, dict):
            raise SortitionError("bad_draw", "Each recorded type must be an object.", {"field": "types"})
        profile = raw.get("profile")
        members = raw.get("members")
        if not isinstance(profile, list) or not all(isinstance(v, str) for v in profile):
            raise SortitionError("bad_draw", "A recorded type's profile must be a list of values.", {"field": "types"})
        if not isinstance(members, list) or not members or not all(isinstance(m, str) and m for m in members):
            raise SortitionError("bad_draw", "A recorded type's members must be a list of ids.", {"field": "types"})
        types.append(PersonType(tuple(profile), _int(raw.get("served"), "served"), tuple(members)))
    panels = []
    for raw in _list(body, "panels"):
        if not isinstance(raw, list) or len(raw) != len(types):
            raise SortitionError(
                "bad_draw", "Each recorded panel must give a count for every type.", {"field": "panels"}
            )
        panels.append(tuple(_int(c, "panels") for c in raw))
    weights = tuple(_int(w, "weights") for w in _list(body, "weights"))
    if len(weights) != len(panels) or not panels:
        raise SortitionError("bad_draw", "The recorded lottery needs one weight per panel.", {"field": "weights"})
    if body.get("weight_total") != WEIGHT_TOTAL or sum(weights) != WEIGHT_TOTAL:
        raise SortitionError("bad_draw", f"The recorded weights must add up to {WEIGHT_TOTAL:,}.", {"field": "weights"})
    never = _list(body, "never")
    complete = body.get("complete")
    if not isinstance(complete, bool) or not all(isinstance(m, str) for m in never):
        raise SortitionError("bad_draw", "The recorded lottery's complete and never fields are malformed.")
    return Lottery(
        method=method,
        size=_int(body.get("size"), "size"),
        types=tuple(types),
        panels=tuple(panels),
        weights=weights,
        minimum=_int(body.get("minimum_ppb"), "minimum_ppb") / WEIGHT_TOTAL,
        certificate=_int(body.get("certificate_ppb"), "certificate_ppb") / WEIGHT_TOTAL,
        complete=complete,
        never=tuple(str(m) for m in never),
    )
