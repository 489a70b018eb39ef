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
from typing import Self

from confederal.ledger import N_, Fields, JSONObject, Phrase, RecordBody, RecordError

from ._draw import draw_panel, draw_seed, lottery_from_json, lottery_to_json, ppb
from ._lottery import Lottery
from ._pool import Person, Pool, Quota, SortitionError, build_pool

__all__ = [
    "DrawAnnounced",
    "DrawAudit",
    "DrawContribution",
    "DrawResult",
    "announcement_body",
    "audit_draw",
    "pool_from_announcement",
    "result_body",
]

#: How far a re-solved minimum may differ from the recorded one (the benchmark's goal).
RESOLVE_TOLERANCE = 5e-4


@dataclass(frozen=True)
class DrawAnnounced(RecordBody):
    """A draw fixed before its randomness exists: who can be drawn, their service, the quotas and the beacon size.

    ``excluded`` names the members left out of the pool, never why: whether a member was away is for the
    members only, and the other reasons can be read from the ledger, so giving them would tell who was away
    (a role's draw records it; a panel's need not).
    """

    kind = "draw.announced"

    draw: str
    purpose: str
    size: int
    method: str
    features: tuple[str, ...]
    quotas: tuple[Quota, ...]
    pool: tuple[Person, ...]
    beacon_size: int
    excluded: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if any(not set(self.features) <= set(p.features) for p in self.pool):
            raise RecordError("bad_field", "Everyone in a draw's pool has a value for each of its features.")

    def to_json(self) -> JSONObject:
        body: JSONObject = {
            "draw": self.draw,
            "purpose": self.purpose,
            "size": self.size,
            "method": self.method,
            "features": list(self.features),
            "quotas": [{"feature": q.feature, "value": q.value, "min": q.min, "max": q.max} for q in self.quotas],
            "pool": [
                {"id": p.id, "served": p.served, "features": {f: p.features[f] for f in self.features}}
                for p in self.pool
            ],
            "beacon_size": self.beacon_size,
        }
        if self.excluded is not None:
            body["excluded"] = list(self.excluded)
        return body

    @classmethod
    def read(cls, f: Fields) -> Self:
        features = f.texts("features", 50, 200)
        quotas, pool = [], []
        for q in f.each("quotas", 1000):
            quotas.append(Quota(q.text("feature", 200), q.text("value", 200), q.integer("min"), q.integer("max")))
            q.done()
        for p in f.each("pool", 100_000):
            values = p.obj("features")
            if not all(isinstance(v, str) for v in values.values()):
                raise RecordError("bad_field", "A person's features in a draw's pool are texts.")
            pool.append(Person(p.text("id", 200), {k: str(v) for k, v in values.items()}, p.integer("served")))
            p.done()
        excluded = None
        if f.has("excluded"):
            # Entries written before the reasons were taken out list {"member": name, "reason": code}; they still
            # read, as names, so a draw announced then can be drawn and audited.
            names = [e.get("member") if isinstance(e, dict) else e for e in f.items("excluded", 1000)]
            excluded = tuple(name for name in names if isinstance(name, str) and len(name) <= 200)
            if len(excluded) != len(names):
                raise RecordError(
                    "bad_field", "A draw's announcement names who sat out as texts of at most 200 characters."
                )
        return cls(
            draw=f.text("draw", 100),
            purpose=f.text("purpose", 200),
            size=f.integer("size", 1, 100_000),
            method=f.text("method", 16),
            features=features,
            quotas=tuple(quotas),
            pool=tuple(pool),
            beacon_size=f.integer("beacon_size"),
            excluded=excluded,
        )

    def describe(self) -> Phrase:
        return Phrase(
            N_("A fair lottery for %(purpose)s is announced: one person can be drawn"),
            {"purpose": self.purpose, "count": len(self.pool)},
            plural=N_("A fair lottery for %(purpose)s is announced: %(count)s people can be drawn"),
            count=len(self.pool),
        )


@dataclass(frozen=True)
class DrawContribution(RecordBody):
    """A member's random value, after the announcement: it makes the beacon unknowable in advance."""

    kind = "draw.contribution"

    draw: str
    member: str
    value: str

    def to_json(self) -> JSONObject:
        return {"draw": self.draw, "member": self.member, "value": self.value}

    @classmethod
    def read(cls, f: Fields) -> Self:
        return cls(f.text("draw", 100), f.text("member", 80), f.hexdigest("value"))

    def describe(self) -> Phrase:
        return Phrase(
            N_("%(member)s added randomness to the draw %(draw)s"), {"member": self.member, "draw": self.draw}
        )


@dataclass(frozen=True)
class DrawResult(RecordBody):
    """The draw made: the beacon, the seed, the lottery and who was chosen; everything the audit re-derives."""

    kind = "draw.result"

    draw: str
    announcement: str
    beacon_size: int
    beacon_root: str
    seed: str
    lottery: JSONObject
    panel: int
    chosen: tuple[str, ...]

    def to_json(self) -> JSONObject:
        return {
            "draw": self.draw,
            "announcement": self.announcement,
            "beacon": {"size": self.beacon_size, "root": self.beacon_root},
            "seed": self.seed,
            "lottery": self.lottery,
            "panel": self.panel,
            "chosen": list(self.chosen),
        }

    @classmethod
    def read(cls, f: Fields) -> Self:
        beacon = Fields("draw.result beacon", f.obj("beacon"))
        body = cls(
            draw=f.text("draw", 100),
            announcement=f.hexdigest("announcement"),
            beacon_size=beacon.integer("size"),
            beacon_root=beacon.hexdigest("root"),
            seed=f.hexdigest("seed"),
            lottery=f.obj("lottery"),
            panel=f.integer("panel"),
            chosen=f.texts("chosen", 100_000, 200),
        )
        beacon.done()
        return body

    def describe(self) -> Phrase:
        return Phrase(N_("Drawn by lot in the draw %(draw)s: %(chosen)s"), {"draw": self.draw, "chosen": self.chosen})


def announcement_body(
    draw: str, purpose: str, people: list[Person], quotas: list[Quota], size: int, method: str, beacon_size: int
) -> JSONObject:
    """The body of a ``draw.announced`` record; checks the inputs as the draw itself will."""
    pool = build_pool(people, quotas, size)
    entrants = tuple(Person(p.id, {f: p.features[f] for f in pool.features}, p.served) for p in people)
    return DrawAnnounced(
        draw, purpose, size, method, pool.features, tuple(quotas), tuple(sorted(entrants, key=lambda p: p.id)),
        beacon_size,
    ).to_json()  # fmt: skip


def pool_from_announcement(body: Mapping[str, object]) -> Pool:
    """Rebuild the pool an announcement fixed.

    Raises:
        SortitionError: a malformed announcement, or inputs no draw accepts.
    """
    try:
        announced = DrawAnnounced.from_json(body)  # type: ignore[arg-type]
    except RecordError as exc:
        raise SortitionError("bad_draw", f"The announcement is malformed: {exc.message}") from exc
    return build_pool(list(announced.pool), list(announced.quotas), announced.size)


def result_body(
    draw: str, announcement_hash: str, beacon_size: int, beacon_root: str, lottery: Lottery, features: tuple[str, ...]
) -> JSONObject:
    """The body of a ``draw.result`` record: everything the audit re-derives."""
    seed = draw_seed(announcement_hash, beacon_root)
    drawn = draw_panel(lottery, seed)
    return DrawResult(
        draw, announcement_hash, beacon_size, beacon_root, seed, lottery_to_json(lottery, features),
        drawn.panel_index, tuple(drawn.chosen),
    ).to_json()  # fmt: skip


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
        "The one panel in the lottery meets every quota."
        if len(lottery.panels) == 1
        else f"All {len(lottery.panels)} panels in the lottery meet every quota.",
        f"Panel {bad_panels[0] if bad_panels else 0} in the lottery breaks a quota."
        if len(bad_panels) == 1
        else f"{len(bad_panels)} panels in the lottery break a quota (the first is panel {(bad_panels or [0])[0]}).",
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
