"""A shuffled rota for roles without quotas: everyone gets ⌊T/n⌋ or ⌈T/n⌉ of T turns.

The order is a permutation drawn from a seed, used up one turn at a time and drawn
afresh when a cycle ends, so every turn is equally likely to be anyone's ahead of
time and nobody serves twice before everyone has served once. Someone away when
their turn comes keeps their place at the front and serves at the next turn they
are present, even if that turn falls in the next cycle.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection, Sequence

from ._pool import SortitionError

__all__ = ["shuffled_order", "shuffled_rota"]


def shuffled_order(members: Sequence[str], seed_hex: str, cycle: int) -> list[str]:
    """The members in the order SHA-256(seed ‖ cycle ‖ id) gives: a fresh permutation per cycle."""
    seed = bytes.fromhex(seed_hex)
    return sorted(members, key=lambda m: (hashlib.sha256(seed + cycle.to_bytes(8, "big") + m.encode()).digest(), m))


def shuffled_rota(
    members: Sequence[str],
    turns: int,
    seed_hex: str,
    absent: Callable[[int], Collection[str]] = lambda turn: (),
) -> list[str | None]:
    """Who serves each of ``turns`` turns; None where everyone is away.

    Raises:
        SortitionError: no members, a duplicate member, a negative number of turns or a malformed seed.
    """
    if not members:
        raise SortitionError("empty_pool", "Nobody is on the rota.")
    if len(set(members)) != len(members):
        raise SortitionError("duplicate_person", "Someone is on the rota twice.")
    if turns < 0:
        raise SortitionError("bad_size", "The number of turns cannot be negative.")
    try:
        if len(bytes.fromhex(seed_hex)) < 16:
            raise ValueError
    except ValueError:
        raise SortitionError("bad_seed", "The rota's seed must be at least 16 bytes in hex.") from None
    queue: list[str] = []
    cycle = 0
    served: list[str | None] = []
    for turn in range(turns):
        away = set(absent(turn))
        if not queue:
            queue = shuffled_order(members, seed_hex, cycle)
            cycle += 1
        present = [i for i, m in enumerate(queue) if m not in away]
        if not present and not set(members) - away:
            served.append(None)
            continue
        if not present:
            # Everyone left in this cycle is away: start the next cycle behind them, so they keep their turn.
            queue += [m for m in shuffled_order(members, seed_hex, cycle) if m not in queue]
            cycle += 1
            present = [i for i, m in enumerate(queue) if m not in away]
        served.append(queue.pop(present[0]))
    return served
