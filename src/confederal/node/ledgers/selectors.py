"""Reads of ledgers: tiles, proofs and entries, straight from storage.

Proofs are built from the hashes the tiles are cut from (leaf hashes and
subtrees at levels 8, 16, …): any other subtree is the root of at most 128 of
them, so a proof at a million entries costs three small range reads.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from functools import reduce
from operator import or_

from django.db.models import Q

from confederal.ledger import (
    TILE_HEIGHT,
    TILE_WIDTH,
    Entry,
    Subtree,
    TileRef,
    consistency_proof,
    decode_entry,
    encode_bundle,
    inclusion_proof,
    perfect_root,
    stored_range,
    tree_root,
)

from . import models

__all__ = [
    "entry_bytes",
    "latest_checkpoint",
    "ledger_consistency_proof",
    "ledger_inclusion_proof",
    "ledger_root",
    "read_subtrees",
    "recent_entries",
    "tile_bytes",
]


def latest_checkpoint(ledger: models.Ledger) -> models.Checkpoint:
    """Return the ledger's newest signed checkpoint (every ledger has one from creation)."""
    return ledger.checkpoints.latest()


def _stored_hashes(ledger: models.Ledger, level: int, ranges: Sequence[tuple[int, int]]) -> dict[int, bytes]:
    rows: Iterable[tuple[int, bytes | memoryview]]
    if level == 0:
        condition = reduce(or_, (Q(seq__gte=a, seq__lt=b) for a, b in ranges))
        rows = models.LedgerEntry.objects.filter(condition, ledger=ledger).values_list("seq", "leaf_hash")
    else:
        condition = reduce(or_, (Q(index__gte=a, index__lt=b) for a, b in ranges))
        rows = models.SubtreeHash.objects.filter(condition, ledger=ledger, level=level).values_list("index", "hash")
    return {index: bytes(value) for index, value in rows}


def read_subtrees(ledger: models.Ledger, subtrees: Sequence[Subtree]) -> list[bytes]:
    """Return the hashes of complete subtrees of the ledger (a core ``SubtreeReader``)."""
    plans = [stored_range(s) for s in subtrees]
    ranges: dict[int, set[tuple[int, int]]] = defaultdict(set)
    for level, first, count in plans:
        ranges[level].add((first, first + count))
    stored = {level: _stored_hashes(ledger, level, sorted(spans)) for level, spans in ranges.items()}
    return [perfect_root([stored[level][i] for i in range(first, first + count)]) for level, first, count in plans]


def ledger_inclusion_proof(ledger: models.Ledger, index: int, size: int) -> list[bytes]:
    """Return the inclusion proof of entry ``index`` in the ledger's tree at ``size``."""
    return inclusion_proof(index, size, lambda subtrees: read_subtrees(ledger, subtrees))


def ledger_consistency_proof(ledger: models.Ledger, old_size: int, new_size: int) -> list[bytes]:
    """Return the consistency proof between two sizes of the ledger's tree."""
    return consistency_proof(old_size, new_size, lambda subtrees: read_subtrees(ledger, subtrees))


def ledger_root(ledger: models.Ledger, size: int) -> bytes:
    """Return the root of the ledger's tree when it held ``size`` entries."""
    return tree_root(size, lambda subtrees: read_subtrees(ledger, subtrees))


def tile_bytes(ledger: models.Ledger, tile: TileRef, size: int) -> bytes | None:
    """Return a tile's contents, or ``None`` if a ledger of ``size`` entries does not have it yet."""
    if (tile.index * TILE_WIDTH + tile.width) << (TILE_HEIGHT * tile.level) > size:
        return None
    first, end = tile.index * TILE_WIDTH, tile.index * TILE_WIDTH + tile.width
    if tile.entries:
        bodies = models.LedgerEntry.objects.filter(ledger=ledger, seq__gte=first, seq__lt=end).order_by("seq")
        return encode_bundle(bytes(b) for b in bodies.values_list("body", flat=True))
    if tile.level == 0:
        rows = models.LedgerEntry.objects.filter(ledger=ledger, seq__gte=first, seq__lt=end).order_by("seq")
        return b"".join(bytes(h) for h in rows.values_list("leaf_hash", flat=True))
    hashes = models.SubtreeHash.objects.filter(
        ledger=ledger, level=tile.level * TILE_HEIGHT, index__gte=first, index__lt=end
    ).order_by("index")
    return b"".join(bytes(h) for h in hashes.values_list("hash", flat=True))


def entry_bytes(ledger: models.Ledger, seq: int) -> bytes | None:
    """Return the canonical bytes of one entry, or ``None`` if there is no such entry."""
    row = models.LedgerEntry.objects.filter(ledger=ledger, seq=seq).values_list("body", flat=True).first()
    return bytes(row) if row is not None else None


def recent_entries(ledger: models.Ledger, before: int | None = None, limit: int = 50) -> list[Entry]:
    """Return up to ``limit`` entries, newest first, older than ``before`` if given."""
    rows = models.LedgerEntry.objects.filter(ledger=ledger)
    if before is not None:
        rows = rows.filter(seq__lt=before)
    bodies = rows.order_by("-seq").values_list("body", flat=True)[:limit]
    return [decode_entry(bytes(body)) for body in bodies]
