"""A draw's public record — announcement and result — and the audit that re-derives it.

``draw.announced`` fixes what the draw is about before its randomness exists: the
pool (ids, service so far, and the features the quotas use), the quotas, the size,
the method, and the ledger size whose root will be the beacon. ``draw.result``
holds the beacon, the seed, the lottery and the people chosen. The audit needs
only these two bodies, the announcement's leaf hash and the ledger's root at the
beacon size, all of which anyone can take from a verified copy of the ledger.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from confederal.ledger import JSONObject

from ._draw import draw_panel, draw_seed, lottery_from_json, lottery_to_json, ppb
from ._lottery import Lottery
from ._pool import Person, Pool, Quota, SortitionError, build_pool

__all__ = ["DrawAudit", "announcement_body", "audit_draw", "pool_from_announcement", "result_body"]

#: How far a re-solved minimum may differ from the recorded one (the benchmark's goal).
RESOLVE_TOLERANCE = 5e-4


def announcement_body(
    draw: str, purpose: str, people: list[Person], quotas: list[Quota], size: int, method: str, beacon_size: int
) -> JSONObject:
    """The body of a ``draw.announced`` record; checks the inputs as the draw itself will."""
    pool = build_pool(people, quotas, size)
    return {
        "draw": draw,
        "purpose": purpose,
        "size": size,
        "method": method,
        "features": list(pool.features),
        "quotas": [{"feature": q.feature, "value": q.value, "min": q.min, "max": q.max} for q in quotas],
        "pool": [
            {"id": p.id, "served": p.served, "features": {f: p.features[f] for f in pool.features}}
            for p in sorted(people, key=lambda p: p.id)
        ],
        "beacon_size": beacon_size,
    }


def pool_from_announcement(body: Mapping[str, object]) -> Pool:
    """Rebuild the pool an announcement fixed.

    Raises:
        SortitionError: a malformed announcement, or inputs no draw accepts.
    """
    raw_pool, raw_quotas, size = body.get("pool"), body.get("quotas"), body.get("size")
    if not isinstance(raw_pool, list) or not isinstance(raw_quotas, list) or not isinstance(size, int):
        raise SortitionError("bad_draw", "The announcement needs a pool, quotas and a size.")
    try:
        people = [Person(str(p["id"]), dict(p.get("features") or {}), int(p.get("served", 0))) for p in raw_pool]
        quotas = [Quota(str(q["feature"]), str(q["value"]), int(q["min"]), int(q["max"])) for q in raw_quotas]
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise SortitionError("bad_draw", f"The announcement's pool or quotas are malformed ({exc}).") from exc
    return build_pool(people, quotas, size)


def result_body(
    draw: str, announcement_hash: str, beacon_size: int, beacon_root: str, lottery: Lottery, features: tuple[str, ...]
) -> JSONObject:
    """The body of a ``draw.result`` record: everything the audit re-derives."""
    seed = draw_seed(announcement_hash, beacon_root)
    drawn = draw_panel(lottery, seed)
    return {
        "draw": draw,
        "announcement": announcement_hash,
        "beacon": {"size": beacon_size, "root": beacon_root},
        "seed": seed,
        "lottery": lottery_to_json(lottery, features),
        "panel": drawn.panel_index,
        "chosen": list(drawn.chosen),
    }


@dataclass
class DrawAudit:
    """What the audit checked: each passed check and each failure, in plain words."""

    passed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed


def audit_draw(
    announcement: Mapping[str, object],
    announcement_hash: str,
    beacon_root: str | None,
    result: Mapping[str, object],
    resolve: Callable[[Pool], Lottery] | None = None,
) -> DrawAudit:
    """Re-derive a recorded draw and say, check by check, whether it matches.

    ``beacon_root`` is the ledger's root at the announced beacon size, as computed
    from the ledger by the caller (None if the ledger is not that long). With
    ``resolve`` (for example ``lambda pool: select(pool)``), the lottery is solved
    again and its fairness compared with the record.
    """
    audit = DrawAudit()

    def check(ok: bool, good: str, bad: str) -> bool:
        (audit.passed if ok else audit.failed).append(good if ok else bad)
        return ok

    check(
        result.get("draw") == announcement.get("draw"),
        "The result answers this announcement.",
        "The result names another draw than the announcement.",
    )
    check(
        result.get("announcement") == announcement_hash,
        "The result points to the announcement's entry hash.",
        "The result points to another announcement than the one in the ledger.",
    )
    beacon = result.get("beacon")
    beacon_size = announcement.get("beacon_size")
    if not isinstance(beacon, dict) or beacon.get("size") != beacon_size:
        audit.failed.append(f"The beacon must be the ledger root at size {beacon_size}, as announced.")
    elif beacon_size == 0:
        check(
            beacon.get("root") == beacon_root,
            "The beacon was supplied with the draw, not taken from a ledger: trust it as far as you trust its source.",
            "The recorded beacon is not the one given.",
        )
    elif beacon_root is None:
        audit.failed.append(f"The ledger is shorter than the announced beacon size {beacon_size}.")
    else:
        check(
            beacon.get("root") == beacon_root,
            f"The beacon is the ledger's root at size {beacon_size}, which did not exist when the draw was announced.",
            f"The recorded beacon is not the ledger's root at size {beacon_size}.",
        )
    try:
        pool = pool_from_announcement(announcement)
        lottery = lottery_from_json(result.get("lottery") or {})  # type: ignore[arg-type]
        seed = draw_seed(announcement_hash, beacon_root or "0" * 64)
    except SortitionError as exc:
        audit.failed.append(exc.message)
        return audit
    check(
        result.get("seed") == seed,
        f"The seed {seed[:16]}… follows from the announcement and the beacon.",
        "The recorded seed does not follow from the announcement and the beacon.",
    )
    check(
        lottery.size == pool.size and lottery.method == announcement.get("method"),
        "The lottery is for the announced size and method.",
        "The lottery's size or method is not the announced one.",
    )
    check(
        lottery.types == pool.types,
        "The lottery covers exactly the announced pool, with its service history.",
        "The lottery's people or their service differ from the announced pool.",
    )
    bad_panels = [i for i, p in enumerate(lottery.panels) if not pool.meets_quotas(p)]
    check(
        not bad_panels,
        f"All {len(lottery.panels)} panels in the lottery meet every quota.",
        f"{len(bad_panels)} panels in the lottery break a quota (first: panel {bad_panels[:1]}).",
    )
    if lottery.types == pool.types:
        probabilities = lottery.type_probabilities()
        reach = [
            p + t.served for p, t in zip(probabilities, lottery.types, strict=True) if t.members[0] not in lottery.never
        ]
        minimum = min(reach) if reach else 0.0
        check(
            abs(ppb(minimum) - ppb(lottery.minimum)) <= 1,
            f"The recorded minimum, {lottery.minimum:.4%}, is what the weights give.",
            f"The recorded minimum {lottery.minimum:.4%} is not what the weights give ({minimum:.4%}).",
        )
        check(
            lottery.certificate >= lottery.minimum,
            f"The certificate says nobody's minimum could exceed {lottery.certificate:.4%}.",
            "The certificate claims less than the lottery achieves, which is impossible.",
        )
    drawn = draw_panel(lottery, seed)
    check(
        result.get("panel") == drawn.panel_index and result.get("chosen") == list(drawn.chosen),
        "The seed draws exactly the recorded panel: " + ", ".join(drawn.chosen) + ".",
        "The seed draws " + (", ".join(drawn.chosen) or "nobody") + ", not the recorded people.",
    )
    if resolve is not None and not audit.failed:
        again = resolve(pool)
        check(
            abs(again.minimum - lottery.minimum) <= RESOLVE_TOLERANCE,
            f"Solved again, the best minimum is {again.certificate:.4%}: the recorded lottery reaches it.",
            f"Solved again, the minimum is {again.minimum:.4%}, not the recorded {lottery.minimum:.4%}.",
        )
    return audit
