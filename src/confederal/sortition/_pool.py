"""The pool of people, the quotas a panel must meet, and the types that make the problem small.

Two people with the same feature values (and, in a rotation, the same service so
far) are interchangeable for every quota, so a fair lottery gives them the same
chance. The selection therefore works on *types* — groups of interchangeable
people — and a panel is a count per type. A pool of 2,000 people described by two
features of two values each is four types, not 2,000 people.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

__all__ = ["Person", "PersonType", "Pool", "Quota", "SortitionError", "build_pool"]

MAX_POOL = 100_000


class SortitionError(ValueError):
    """A selection that cannot be made as asked; ``code`` is stable, ``message`` is for people."""

    def __init__(self, code: str, message: str, details: Mapping[str, object] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = dict(details or {})


@dataclass(frozen=True)
class Quota:
    """How many people with ``feature`` = ``value`` a panel must have: from ``min`` to ``max``."""

    feature: str
    value: str
    min: int
    max: int


@dataclass(frozen=True)
class Person:
    id: str
    features: Mapping[str, str] = field(default_factory=dict)
    #: Times this person already served (rotation); the lottery favours those who served less.
    served: int = 0


@dataclass(frozen=True)
class PersonType:
    """Interchangeable people: the same value for every feature and the same service so far."""

    profile: tuple[str, ...]
    served: int
    members: tuple[str, ...]

    @property
    def size(self) -> int:
        return len(self.members)


@dataclass(frozen=True)
class Pool:
    """Who can be selected, grouped into types, with the quotas and the panel size."""

    size: int
    features: tuple[str, ...]
    quotas: tuple[Quota, ...]
    types: tuple[PersonType, ...]

    @property
    def people(self) -> int:
        return sum(t.size for t in self.types)

    def quota_rows(self) -> list[tuple[Quota, list[int]]]:
        """Each quota with the indices of the types it counts."""
        return [(quota, list(members)) for quota, members in self._rows]

    @cached_property
    def _rows(self) -> tuple[tuple[Quota, tuple[int, ...]], ...]:
        position = {f: i for i, f in enumerate(self.features)}
        rows = []
        for quota in self.quotas:
            at = position[quota.feature]
            rows.append((quota, tuple(i for i, t in enumerate(self.types) if t.profile[at] == quota.value)))
        return tuple(rows)

    def type_of(self) -> dict[str, int]:
        return {person: i for i, t in enumerate(self.types) for person in t.members}

    def meets_quotas(self, counts: Sequence[int]) -> bool:
        """Whether a panel given as counts per type has the right size and meets every quota."""
        if len(counts) != len(self.types) or sum(counts) != self.size:
            return False
        if any(not 0 <= c <= t.size for c, t in zip(counts, self.types, strict=True)):
            return False
        return all(q.min <= sum(counts[i] for i in members) <= q.max for q, members in self._rows)


def build_pool(people: Sequence[Person], quotas: Sequence[Quota], size: int) -> Pool:
    """Check the people and quotas and group the people into types.

    Raises:
        SortitionError: an empty or oversized pool, a panel size out of range, a
            duplicate person, a malformed quota, or a person without a value (or with
            a value no quota lists) for a feature the quotas use.
    """
    if not people:
        raise SortitionError("empty_pool", "Nobody is in the pool.")
    if len(people) > MAX_POOL:
        raise SortitionError("pool_too_large", f"A pool can hold at most {MAX_POOL:,} people.")
    if not 1 <= size <= len(people):
        raise SortitionError(
            "bad_size",
            f"The panel must have between 1 and {len(people)} people (everyone in the pool); {size} was asked.",
            {"size": size, "pool": len(people)},
        )
    features: list[str] = []
    values: dict[str, set[str]] = {}
    seen_quotas: set[tuple[str, str]] = set()
    for q in quotas:
        if not q.feature or not q.value:
            raise SortitionError("bad_quota", "Every quota needs a feature and a value.")
        if (q.feature, q.value) in seen_quotas:
            raise SortitionError(
                "duplicate_quota",
                f"The quota for {q.feature} = {q.value} is given twice.",
                {"feature": q.feature, "value": q.value},
            )
        seen_quotas.add((q.feature, q.value))
        if not 0 <= q.min <= q.max:
            raise SortitionError(
                "bad_quota",
                f"The quota for {q.feature} = {q.value} must have 0 ≤ min ≤ max; it has min {q.min}, max {q.max}.",
                {"feature": q.feature, "value": q.value},
            )
        if q.feature not in values:
            features.append(q.feature)
            values[q.feature] = set()
        values[q.feature].add(q.value)
    groups: dict[tuple[tuple[str, ...], int], list[str]] = {}
    ids: set[str] = set()
    for person in people:
        if not person.id:
            raise SortitionError("bad_person", "Every person in the pool needs an id.")
        if person.id in ids:
            raise SortitionError("duplicate_person", f"{person.id} is in the pool twice.", {"person": person.id})
        ids.add(person.id)
        if person.served < 0:
            raise SortitionError("bad_person", f"{person.id} cannot have served a negative number of times.")
        profile = []
        for feature in features:
            value = person.features.get(feature)
            if value is None or value == "":
                raise SortitionError(
                    "missing_value",
                    f"{person.id} has no value for {feature}.",
                    {"person": person.id, "feature": feature},
                )
            if value not in values[feature]:
                raise SortitionError(
                    "unknown_value",
                    f"{person.id} has {feature} = {value}, which no quota mentions.",
                    {"person": person.id, "feature": feature, "value": value},
                )
            profile.append(value)
        groups.setdefault((tuple(profile), person.served), []).append(person.id)
    types = tuple(
        PersonType(profile, served, tuple(sorted(members))) for (profile, served), members in sorted(groups.items())
    )
    ordered = tuple(sorted(quotas, key=lambda q: (features.index(q.feature), q.value)))
    return Pool(size, tuple(features), ordered, types)
