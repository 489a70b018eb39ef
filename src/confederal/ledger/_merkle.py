"""Merkle tree hashing and proofs, RFC 9162 §2.1.

``leaf = SHA-256(0x00 ‖ entry)``, ``node = SHA-256(0x01 ‖ left ‖ right)``, the
empty tree hashes to ``SHA-256("")`` and a tree of n leaves splits at the
largest power of two below n.

Proof generation works on *perfect subtrees*: ``(level, index)`` names the
complete subtree over leaves ``[index·2^level, (index+1)·2^level)``. Every
hash a proof needs is a fold of such subtrees, so a store only has to answer
"give me these perfect subtree hashes" (:data:`SubtreeReader`) — in memory
from all levels, or in a database from the tile levels.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from ._errors import ProofError

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "Frontier",
    "Subtree",
    "SubtreeReader",
    "TreeLevels",
    "consistency_proof",
    "inclusion_proof",
    "leaf_hash",
    "leaf_hashes",
    "node_hash",
    "perfect_root",
    "range_subtrees",
    "root_from_leaf_hashes",
    "tree_root",
    "verify_consistency",
    "verify_inclusion",
]

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

_sha256 = hashlib.sha256
# Copying a hasher that has already absorbed the domain-separation byte is
# cheaper than concatenating bytes objects on every call.
_LEAF_PREFIX = _sha256(b"\x00")
_NODE_PREFIX = _sha256(b"\x01")

Subtree = tuple[int, int]
SubtreeReader = Callable[[Sequence[Subtree]], Sequence[bytes]]


def leaf_hash(entry: bytes) -> bytes:
    """Return the RFC 9162 leaf hash of one entry."""
    h = _LEAF_PREFIX.copy()
    h.update(entry)
    return h.digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Return the RFC 9162 interior node hash of two children."""
    h = _NODE_PREFIX.copy()
    h.update(left)
    h.update(right)
    return h.digest()


def leaf_hashes(entries: Iterable[bytes]) -> list[bytes]:
    """Return the leaf hash of each entry, in order."""
    out: list[bytes] = []
    append = out.append
    prefix = _LEAF_PREFIX
    for entry in entries:
        h = prefix.copy()
        h.update(entry)
        append(h.digest())
    return out


def _next_level(hashes: Sequence[bytes]) -> list[bytes]:
    out: list[bytes] = []
    append = out.append
    prefix = _NODE_PREFIX
    it = iter(hashes)
    for left, right in zip(it, it, strict=False):
        h = prefix.copy()
        h.update(left)
        h.update(right)
        append(h.digest())
    if len(hashes) & 1:
        # Promoting the odd node unchanged gives the same root as RFC 9162's
        # split at the largest power of two.
        append(hashes[-1])
    return out


def root_from_leaf_hashes(hashes: Sequence[bytes]) -> bytes:
    """Return the root of the tree whose leaves have these hashes."""
    if not hashes:
        return EMPTY_ROOT
    level = list(hashes) if len(hashes) == 1 else _next_level(hashes)
    while len(level) > 1:
        level = _next_level(level)
    return level[0]


def perfect_root(hashes: Sequence[bytes]) -> bytes:
    """Return the root of a perfect subtree given its bottom row (a power of two long)."""
    n = len(hashes)
    if n == 0 or n & (n - 1):
        raise ProofError("not_perfect", "A perfect subtree needs a power-of-two number of hashes, not {n}.", n=n)
    return root_from_leaf_hashes(hashes)


def _largest_power_of_two_below(n: int) -> int:
    return 1 << ((n - 1).bit_length() - 1)


def range_subtrees(lo: int, hi: int) -> list[Subtree]:
    """Return the perfect subtrees that make up leaves ``[lo, hi)``, left to right.

    For the ranges RFC 9162 recursion produces (``lo`` a multiple of a power
    of two at least ``hi - lo``) they shrink from left to right, and the range's
    hash is their right-to-left fold (:func:`_fold`).
    """
    out: list[Subtree] = []
    while lo < hi:
        level = (lo & -lo).bit_length() - 1 if lo else 63
        while (1 << level) > hi - lo:
            level -= 1
        out.append((level, lo >> level))
        lo += 1 << level
    return out


def _fold(hashes: Sequence[bytes]) -> bytes:
    acc = hashes[-1]
    for h in reversed(hashes[:-1]):
        acc = node_hash(h, acc)
    return acc


def tree_root(size: int, read: SubtreeReader) -> bytes:
    """Return the root of the first ``size`` leaves of a tree, from its perfect subtrees."""
    if size < 0:
        raise ProofError("bad_size", "A tree size cannot be negative.")
    if size == 0:
        return EMPTY_ROOT
    return _fold(list(read(range_subtrees(0, size))))


def _inclusion_ranges(index: int, lo: int, hi: int, out: list[tuple[int, int]]) -> None:
    n = hi - lo
    if n == 1:
        return
    k = _largest_power_of_two_below(n)
    if index - lo < k:
        _inclusion_ranges(index, lo, lo + k, out)
        out.append((lo + k, hi))
    else:
        _inclusion_ranges(index, lo + k, hi, out)
        out.append((lo, lo + k))


def _consistency_ranges(old: int, lo: int, hi: int, whole: bool, out: list[tuple[int, int]]) -> None:
    # RFC 9162 §2.1.4.1 SUBPROOF, with absolute leaf positions.
    if old == hi:
        if not whole:
            out.append((lo, hi))
        return
    k = _largest_power_of_two_below(hi - lo)
    if old - lo <= k:
        _consistency_ranges(old, lo, lo + k, whole, out)
        out.append((lo + k, hi))
    else:
        _consistency_ranges(old, lo + k, hi, False, out)
        out.append((lo, lo + k))


def _resolve(ranges: Sequence[tuple[int, int]], read: SubtreeReader) -> list[bytes]:
    plans = [range_subtrees(lo, hi) for lo, hi in ranges]
    needed = list(dict.fromkeys(s for plan in plans for s in plan))
    found = read(needed)
    if len(found) != len(needed):
        raise ProofError(
            "store_incomplete", "The hash store returned {got} of {want} hashes.", got=len(found), want=len(needed)
        )
    by_subtree = dict(zip(needed, found, strict=True))
    return [_fold([by_subtree[s] for s in plan]) for plan in plans]


def inclusion_proof(index: int, size: int, read: SubtreeReader) -> list[bytes]:
    """Return the RFC 9162 inclusion proof (audit path) of leaf ``index`` in a tree of ``size``.

    Raises:
        ProofError: ``index`` is not a leaf of that tree.
    """
    if not 0 <= index < size:
        raise ProofError(
            "index_out_of_range", "Entry {index} is not in a ledger of size {size}.", index=index, size=size
        )
    ranges: list[tuple[int, int]] = []
    _inclusion_ranges(index, 0, size, ranges)
    return _resolve(ranges, read)


def _check_sizes(old_size: int, new_size: int) -> None:
    if not 0 <= old_size <= new_size:
        raise ProofError(
            "sizes_out_of_order",
            "No consistency proof exists from size {old} to size {new}.",
            old=old_size,
            new=new_size,
        )


def consistency_proof(old_size: int, new_size: int, read: SubtreeReader) -> list[bytes]:
    """Return the RFC 9162 consistency proof from a tree of ``old_size`` to one of ``new_size``.

    The proof is empty when ``old_size`` is 0 or equal to ``new_size``.

    Raises:
        ProofError: the sizes are negative or ``old_size > new_size``.
    """
    _check_sizes(old_size, new_size)
    if old_size in (0, new_size):
        return []
    ranges: list[tuple[int, int]] = []
    _consistency_ranges(old_size, 0, new_size, True, ranges)
    return _resolve(ranges, read)


def verify_inclusion(leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes) -> None:
    """Check that ``leaf`` sits at ``index`` in the tree of ``size`` with ``root`` (RFC 9162 §2.1.3.2).

    Raises:
        ProofError: the proof does not hold.
    """
    if not 0 <= index < size:
        raise ProofError(
            "index_out_of_range", "Entry {index} is not in a ledger of size {size}.", index=index, size=size
        )
    _, r = _climb("inclusion", index, size - 1, leaf, proof)
    if r != root:
        raise ProofError("inclusion_mismatch", "The inclusion proof does not lead to the expected root.")


def verify_consistency(old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]) -> None:
    """Check that the tree of ``new_size`` extends the tree of ``old_size`` (RFC 9162 §2.1.4.2).

    Raises:
        ProofError: the proof does not hold: the histories have diverged.
    """
    _check_sizes(old_size, new_size)
    if old_size == new_size:
        if proof:
            raise ProofError("proof_too_long", "A tree is consistent with itself only by an empty proof.")
        if old_root != new_root:
            raise ProofError("consistency_mismatch", "Two different roots for the same size: the history has forked.")
        return
    if old_size == 0:
        if proof:
            raise ProofError("proof_too_long", "Every tree extends the empty tree; the proof must be empty.")
        return
    if not proof:
        raise ProofError("proof_too_short", "The consistency proof is empty.")
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr, sr = _climb("consistency", fn, sn, path[0], path[1:])
    if fr != old_root or sr != new_root:
        raise ProofError(
            "consistency_mismatch", "The consistency proof does not connect the two roots: the history has forked."
        )


def _climb(what: str, fn: int, sn: int, start: bytes, path: Sequence[bytes]) -> tuple[bytes, bytes]:
    """Fold a proof's ``path`` up from node ``fn`` of a tree whose last node is ``sn`` (RFC 9162 §2.1.3.2, §2.1.4.2).

    Returns the two roots it reaches: from the hashes to the node's left only (a consistency proof's old
    root) and from all of them (the tree's root). ``what`` names the proof in a refusal.
    """
    fr = sr = start
    for p in path:
        if sn == 0:
            raise ProofError("proof_too_long", f"The {what} proof has more hashes than the tree has levels.")
        if fn & 1 or fn == sn:
            fr = node_hash(p, fr)
            sr = node_hash(p, sr)
            while not fn & 1 and fn:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("proof_too_short", f"The {what} proof has fewer hashes than the tree has levels.")
    return fr, sr


@dataclass
class Frontier:
    """The right edge of a tree of ``size`` leaves: one perfect subtree per set bit of size.

    It is all an append-only log must keep to compute its next root
    (a *compact range* over ``[0, size)``).
    """

    size: int = 0
    hashes: list[bytes] = field(default_factory=list)

    def append(self, leaf: bytes) -> list[tuple[int, int, bytes]]:
        """Add one leaf hash; return ``(level, index, hash)`` of every subtree it completed (level ≥ 1)."""
        completed: list[tuple[int, int, bytes]] = []
        h, level, index = leaf, 0, self.size
        while (self.size >> level) & 1:
            h = node_hash(self.hashes.pop(), h)
            level += 1
            index >>= 1
            completed.append((level, index, h))
        self.hashes.append(h)
        self.size += 1
        return completed

    def root(self) -> bytes:
        """Return the root hash of the tree so far."""
        if not self.hashes:
            return EMPTY_ROOT
        return _fold(self.hashes)

    def to_bytes(self) -> bytes:
        """Return the hashes concatenated; the size says how to split them."""
        return b"".join(self.hashes)

    @classmethod
    def from_bytes(cls, size: int, data: bytes) -> Frontier:
        """Rebuild a frontier saved with :meth:`to_bytes`."""
        count = bin(size).count("1")
        if size < 0 or len(data) != count * HASH_SIZE:
            raise ProofError(
                "bad_frontier", "A saved frontier for size {size} must hold {count} hashes.", size=size, count=count
            )
        return cls(size, [data[i : i + HASH_SIZE] for i in range(0, len(data), HASH_SIZE)])


class TreeLevels:
    """Every level of a tree held in memory, for proofs over a tree one already has."""

    def __init__(self, leaves: Sequence[bytes]) -> None:
        self.levels: list[list[bytes]] = [list(leaves)]
        while len(self.levels[-1]) > 1:
            row = self.levels[-1]
            self.levels.append(_next_level(row[: len(row) & ~1]))

    @property
    def size(self) -> int:
        return len(self.levels[0])

    def read(self, subtrees: Sequence[Subtree]) -> list[bytes]:
        """Return the hashes of the given perfect subtrees (a :data:`SubtreeReader`)."""
        try:
            return [self.levels[level][index] for level, index in subtrees]
        except IndexError:
            raise ProofError("not_in_tree", "A requested subtree lies outside the tree.") from None

    def root(self, size: int | None = None) -> bytes:
        """Return the root of the first ``size`` leaves (all of them by default)."""
        size = self.size if size is None else size
        if not 0 <= size <= self.size:
            raise ProofError("not_in_tree", "The tree has {have} leaves, not {size}.", have=self.size, size=size)
        return tree_root(size, self.read)
