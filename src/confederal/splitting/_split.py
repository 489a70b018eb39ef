"""Dividing a grown assembly into two cells without stranding anyone's experience.

``propose_split`` looks for the division that keeps every shared skill on both
sides, then spreads experience as evenly as it can; ``check_split`` refuses a
(possibly hand-edited) division that is not a proper partition.

How the proposal is found, and what is guaranteed:

* Cells differ in size by at most one (the larger is ``cell_a``).
* Coverage: every role held by at least two members gets an experienced member
  in each cell whenever any such division exists. For up to 16 members every
  balanced division is tried. Above that, local search runs from a few fixed
  starts; if it leaves a shared role on one side, an exact dynamic programme
  over the members decides whether any balanced division covers them all and,
  if so, supplies one, from which local search continues. Local search only
  ever moves to strictly better divisions and coverage comes first in the
  order below, so coverage once reached is never lost.
* Balance, in order: (1) fewest roles left uncovered; (2) the smallest sum over
  roles of the difference between the cells' experienced members; (3) the
  smallest difference between the cells' total experience (roles held, summed
  over members). Up to 16 members the result is the exact optimum. Above that
  it is a local optimum under swaps: no exchange of one member of ``cell_a``
  with one of ``cell_b`` improves it (best of several fixed starts).
* Ties are broken by SHA-256 of the seed and the division, so the seed changes
  only which of equally good divisions is proposed (above 16 members, which of
  the equally good divisions the search reached). The result does not depend
  on the order of ``members`` except for which equal-sized cell is ``cell_a``
  and the order within each cell, which follow ``members``.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from confederal.ledger import JSONObject, JSONValue
from confederal.roles import check_members

from ._errors import SplitError

__all__ = ["MAX_SPLIT_MEMBERS", "Split", "check_split", "propose_split"]

MAX_SPLIT_MEMBERS = 30
# C(16, 8) / 2 = 6,435 divisions: exhaustive search is instant up to here.
_EXHAUSTIVE_MAX = 16
_STARTS = 4

_Score = tuple[int, int, int]
# (members placed in the larger cell, open roles seen in it, open roles seen in the other)
_State = tuple[int, int, int]


@dataclass(frozen=True)
class Split:
    """A division of an assembly's members into two cells."""

    cell_a: tuple[str, ...]
    cell_b: tuple[str, ...]

    def __post_init__(self) -> None:
        for name in ("cell_a", "cell_b"):
            cell = getattr(self, name)
            if isinstance(cell, str):
                raise SplitError("bad_split", "A cell is a list of member ids, not one string.")
            # Accept any sequence from a hand edit, but store an immutable one.
            object.__setattr__(self, name, tuple(cell))

    def to_json(self) -> JSONObject:
        """Return the division as JSON within the ledger's canonical profile."""
        cell_a: list[JSONValue] = list(self.cell_a)
        cell_b: list[JSONValue] = list(self.cell_b)
        return {"cell_a": cell_a, "cell_b": cell_b}


def propose_split(members: Sequence[str], experience: Mapping[str, Collection[str]], seed: bytes) -> Split:
    """Propose a division of ``members`` into two cells (see the module docstring for the guarantees).

    ``experience`` maps a member to the roles they have held; members missing
    from it have held none, and entries for non-members are ignored. ``seed``
    (any bytes) only breaks ties between equally good divisions.

    Raises:
        SplitError: ``bad_members``, ``duplicate_member``,
            ``too_few_members`` (fewer than 2), ``too_many_members`` (more than
            30), ``bad_experience`` or ``bad_seed``.
    """
    check_members(members, SplitError)
    if len(members) < 2:
        raise SplitError("too_few_members", "Splitting needs at least two members; there are {n}.", n=len(members))
    if len(members) > MAX_SPLIT_MEMBERS:
        raise SplitError(
            "too_many_members",
            "Splitting handles at most {limit} members; there are {n}.",
            limit=MAX_SPLIT_MEMBERS,
            n=len(members),
        )
    if not isinstance(seed, bytes):
        raise SplitError("bad_seed", "The tie-breaking seed is bytes.")
    # Work in sorted-id order so the proposal does not depend on how members were listed.
    ids = sorted(members)
    position = {member: i for i, member in enumerate(ids)}
    by_role: dict[str, int] = {}
    for member, roles in experience.items():
        if member not in position:
            continue
        if isinstance(roles, str):
            raise SplitError(
                "bad_experience", "{member}'s experience is a collection of roles, not one string.", member=member
            )
        for role in roles:
            by_role[role] = by_role.get(role, 0) | (1 << position[member])
    problem = _Problem(ids, [by_role[role] for role in sorted(by_role)], seed)
    best = _exhaustive(problem) if len(ids) <= _EXHAUSTIVE_MAX else _local_search(problem)

    chosen = {ids[i] for i in range(len(ids)) if best >> i & 1}
    cell_a = [m for m in members if m in chosen]
    cell_b = [m for m in members if m not in chosen]
    if len(cell_a) == len(cell_b) and members[0] not in chosen:
        cell_a, cell_b = cell_b, cell_a
    return Split(tuple(cell_a), tuple(cell_b))


def check_split(members: Sequence[str], split: Split, min_size: int = 2) -> None:
    """Refuse a division that is not a valid partition of ``members``.

    Valid means: no id outside ``members``, no member listed twice (within a
    cell or across both), every member in a cell, and both cells holding at
    least ``min_size`` members (at least 1). Size balance and coverage of
    experience are not required: a hand-edited division may trade them away.

    Raises:
        SplitError: ``unknown_member``, ``duplicate_member``,
            ``not_a_partition`` or ``cell_too_small`` (checked in that order),
            or ``bad_min_size``.
    """
    check_members(members, SplitError)
    if not isinstance(min_size, int) or isinstance(min_size, bool) or min_size < 1:
        raise SplitError("bad_min_size", "A cell's minimum size is a whole number of at least 1.")
    known = set(members)
    seen: set[str] = set()
    for cell in (split.cell_a, split.cell_b):
        for member in cell:
            if member not in known:
                raise SplitError(
                    "unknown_member", "{member} is in a cell but is not a member of the assembly.", member=member
                )
            if member in seen:
                raise SplitError("duplicate_member", "{member} is placed more than once.", member=member)
            seen.add(member)
    missing = [member for member in members if member not in seen]
    if missing:
        raise SplitError(
            "not_a_partition",
            "Every member must be in one of the cells; missing: {missing}.",
            missing=", ".join(missing),
        )
    for name, cell in (("cell_a", split.cell_a), ("cell_b", split.cell_b)):
        if len(cell) < min_size:
            raise SplitError(
                "cell_too_small",
                "{cell} has {size} members; each cell needs at least {min_size}.",
                cell=name,
                size=len(cell),
                min_size=min_size,
            )


class _Problem:
    """The search space: members as bit positions (sorted ids), roles as bitmasks of who held them.

    A division is the bitmask of the larger cell (``big`` members; either cell
    when the sizes are equal).
    """

    def __init__(self, ids: list[str], roles: list[int], seed: bytes) -> None:
        self.ids = ids
        self.n = len(ids)
        self.big = (self.n + 1) // 2
        self.full = (1 << self.n) - 1
        self.roles = [(mask, mask.bit_count()) for mask in roles]
        self.experience = sum(size for _, size in self.roles)
        self.seed = seed
        # Length-prefixed, so no two lists of ids encode alike.
        self.encoded = [len(b).to_bytes(4, "big") + b for b in (i.encode("utf-8") for i in ids)]

    def score(self, cell: int) -> _Score:
        uncovered = imbalance = in_cell = 0
        for mask, size in self.roles:
            inside = (mask & cell).bit_count()
            if size >= 2 and (inside == 0 or inside == size):
                uncovered += 1
            imbalance += abs(2 * inside - size)
            in_cell += inside
        return uncovered, imbalance, abs(2 * in_cell - self.experience)

    def tie(self, cell: int) -> bytes:
        # Name the division by the cell holding the first id, so both labellings of an even split agree.
        side = cell if cell & 1 else self.full ^ cell
        encoded = b"".join(self.encoded[i] for i in range(self.n) if side >> i & 1)
        return hashlib.sha256(self.seed + encoded).digest()

    def rank(self, cell: int) -> tuple[_Score, bytes]:
        return self.score(cell), self.tie(cell)


def _exhaustive(problem: _Problem) -> int:
    n, big = problem.n, problem.big
    if n % 2:
        cells = (sum(1 << i for i in combo) for combo in itertools.combinations(range(n), big))
    else:
        # Equal halves: fixing member 0 in the cell visits each division once.
        cells = (1 | sum(1 << i for i in combo) for combo in itertools.combinations(range(1, n), big - 1))
    best: _Score | None = None
    tied: list[int] = []
    for cell in cells:
        score = problem.score(cell)
        if best is None or score < best:
            best, tied = score, [cell]
        elif score == best:
            tied.append(cell)
    return min(tied, key=problem.tie)


def _local_search(problem: _Problem) -> int:
    # The starts and the search do not use the seed, so the seed can only choose among
    # equally good results, never make the proposal worse.
    starts = []
    for attempt in range(_STARTS):
        salt = b"start" + attempt.to_bytes(4, "big")
        shuffled = sorted(range(problem.n), key=lambda i: hashlib.sha256(salt + problem.encoded[i]).digest())
        starts.append(sum(1 << i for i in shuffled[: problem.big]))
    best = min((_descend(problem, start) for start in starts), key=problem.rank)
    if problem.score(best)[0]:
        # Some shared role is left on one side. Either no division covers them all, or the
        # search missed one: settle it exactly, and if one exists improve on it instead.
        covering = _covering_division(problem)
        if covering is not None:
            best = _descend(problem, covering)
    return best


def _descend(problem: _Problem, cell: int) -> int:
    """Steepest descent over one-for-one swaps; every step strictly improves the score."""
    current = problem.score(cell)
    while True:
        inside = [i for i in range(problem.n) if cell >> i & 1]
        outside = [i for i in range(problem.n) if not cell >> i & 1]
        best = current
        moves: list[int] = []
        for i in inside:
            for j in outside:
                candidate = cell ^ (1 << i) ^ (1 << j)
                score = problem.score(candidate)
                if score < best:
                    best, moves = score, [candidate]
                elif score == best and score < current:
                    moves.append(candidate)
        if not moves:
            return cell
        # The smallest bitmask: a fixed choice that does not depend on the seed.
        cell, current = min(moves), best


def _covering_division(problem: _Problem) -> int | None:
    """Return a balanced division covering every role held by two or more members, or None if none exists.

    Exact dynamic programme over the members in a fixed order. A state is
    (members placed in the larger cell, open roles seen in it, open roles seen
    in the other), where a role is open while some but not all of its holders
    are placed; it is checked and forgotten once its last holder is placed.
    Only the roles that can fail are tracked: a role with more holders than the
    larger cell holds is always covered, and a role whose holders include all
    of another tracked role's is covered whenever that one is. Holders of the
    smallest roles are placed first, so a contradiction among them (say three
    roles shared pairwise by three members) ends the search within a few steps.
    """
    n, big = problem.n, problem.big
    candidates = sorted({mask for mask, size in problem.roles if 2 <= size <= big}, key=lambda m: (m.bit_count(), m))
    shared = [m for m in candidates if not any(o != m and o & m == o for o in candidates)]
    if not shared:
        return problem.full >> (n - big)
    held = [sum(1 << r for r, mask in enumerate(shared) if mask >> i & 1) for i in range(n)]
    order: list[int] = []
    for mask in shared:
        order.extend(i for i in range(n) if mask >> i & 1 and i not in order)
    order.extend(i for i in range(n) if i not in order)
    closing = [0] * n
    for r, mask in enumerate(shared):
        closing[max(step for step, i in enumerate(order) if mask >> i & 1)] |= 1 << r

    layers: list[dict[_State, tuple[_State, int]]] = []
    states: dict[_State, tuple[_State, int]] = {(0, 0, 0): ((0, 0, 0), 0)}
    for step, i in enumerate(order):
        left = n - step - 1
        done = closing[step]
        following: dict[_State, tuple[_State, int]] = {}
        for earlier in states:
            count, seen_in, seen_out = earlier
            for side in (1, 0):
                placed = count + side
                # With equal cells, swapping them changes nothing: put the first member in the first cell.
                if placed > big or placed + left < big or (step == 0 and n % 2 == 0 and not side):
                    continue
                now_in = seen_in | held[i] if side else seen_in
                now_out = seen_out if side else seen_out | held[i]
                if now_in & done != done or now_out & done != done:
                    continue
                following.setdefault((placed, now_in & ~done, now_out & ~done), (earlier, side))
        if not following:
            return None
        layers.append(following)
        states = following
    # Every role is closed by the last step, so the only final state is (big, 0, 0).
    state: _State = (big, 0, 0)
    cell = 0
    for step in range(n - 1, -1, -1):
        state, side = layers[step][state]
        if side:
            cell |= 1 << order[step]
    return cell
