"""Reads of ledgers: tiles, proofs and entries, straight from storage.

Proofs are built from the hashes the tiles are cut from (leaf hashes and
subtrees at levels 8, 16, …): any other subtree is the root of at most 128 of
them, so a proof at a million entries reads about one tile per tile level.
"""

from __future__ import annotations

import base64
from collections import defaultdict
from collections.abc import Sequence

from django.conf import settings
from django.db import connection
from django.shortcuts import get_object_or_404
from django.urls import reverse

from confederal.ledger import (
    TILE_HEIGHT,
    TILE_WIDTH,
    Entry,
    JSONValue,
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
from .display import operator_did

__all__ = [
    "blob",
    "entry_bytes",
    "latest_checkpoint",
    "ledger_consistency_proof",
    "ledger_inclusion_proof",
    "ledger_or_404",
    "ledger_prefix",
    "ledger_root",
    "ledger_summary",
    "ledgers",
    "read_subtrees",
    "recent_entries",
    "tile_bytes",
]


def latest_checkpoint(ledger: models.Ledger) -> models.Checkpoint:
    """Return the ledger's newest signed checkpoint (every ledger has one from creation)."""
    return ledger.checkpoints.latest()


# Proofs read a tile per level on every request; plain SQL costs a tenth of
# building the same query through the ORM. Double quotes work on both backends.
_ENTRY_RANGE = "SELECT seq, leaf_hash FROM ledgers_ledgerentry WHERE ledger_id = %s AND seq >= %s AND seq < %s"
_SUBTREE_RANGE = " ".join(
    [
        'SELECT "index", hash FROM ledgers_subtreehash',
        'WHERE ledger_id = %s AND level = %s AND "index" >= %s AND "index" < %s',
    ]
)


def _stored_hashes(ledger: models.Ledger, level: int, first: int, end: int) -> dict[int, bytes]:
    with connection.cursor() as cursor:
        if level == 0:
            cursor.execute(_ENTRY_RANGE, [ledger.pk, first, end])
        else:
            cursor.execute(_SUBTREE_RANGE, [ledger.pk, level, first, end])
        return {index: bytes(value) for index, value in cursor.fetchall()}


def read_subtrees(ledger: models.Ledger, subtrees: Sequence[Subtree]) -> list[bytes]:
    """Return the hashes of complete subtrees of the ledger (a core ``SubtreeReader``).

    Reads whole tiles, one indexed range per run of adjacent tiles: the
    siblings a proof needs below a tile level all lie in one tile.
    """
    plans = [stored_range(s) for s in subtrees]
    tiles: dict[int, set[int]] = defaultdict(set)
    for level, first, count in plans:
        tiles[level].update(range(first // TILE_WIDTH, (first + count - 1) // TILE_WIDTH + 1))
    stored: dict[int, dict[int, bytes]] = defaultdict(dict)
    for level, numbers in tiles.items():
        ordered = sorted(numbers)
        run_start = previous = ordered[0]
        for number in [*ordered[1:], None]:
            if number is not None and number == previous + 1:
                previous = number
                continue
            stored[level].update(_stored_hashes(ledger, level, run_start * TILE_WIDTH, (previous + 1) * TILE_WIDTH))
            if number is not None:
                run_start = previous = number
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
    if not 0 <= seq < ledger.size:
        return None
    row = models.LedgerEntry.objects.filter(ledger=ledger, seq=seq).values_list("body", flat=True).first()
    return bytes(row) if row is not None else None


def recent_entries(ledger: models.Ledger, before: int | None = None, limit: int = 50) -> list[Entry]:
    """Return up to ``limit`` entries, newest first, older than ``before`` if given."""
    rows = models.LedgerEntry.objects.filter(ledger=ledger)
    if before is not None:
        rows = rows.filter(seq__lt=before)
    bodies = rows.order_by("-seq").values_list("body", flat=True)[:limit]
    return [decode_entry(bytes(body)) for body in bodies]


def ledgers() -> list[models.Ledger]:
    """Every ledger this node keeps."""
    return list(models.Ledger.objects.all())


def ledger_count() -> int:
    """How many ledgers this node keeps (a cheap read: the health check's proof that the database answers)."""
    return models.Ledger.objects.count()


def ledger_or_404(slug: str) -> models.Ledger:
    """The ledger with this short name, or 404."""
    return get_object_or_404(models.Ledger, slug=slug)


def blob(digest: str) -> models.Blob | None:
    """The document stored under this digest, if this node holds it."""
    return models.Blob.objects.filter(digest=digest).first()


def ledger_prefix(ledger: models.Ledger) -> str:
    """The ledger's public URL prefix (its tiles live below it)."""
    return settings.PUBLIC_URL + reverse("ledgers:page", args=[ledger.slug]).rstrip("/")


def ledger_summary(ledger: models.Ledger) -> dict[str, JSONValue]:
    """A ledger in brief: names, key, operator, and its latest signed checkpoint."""
    checkpoint = latest_checkpoint(ledger)
    return {
        "slug": ledger.slug,
        "title": ledger.title,
        "kind": ledger.kind,
        "origin": ledger.origin,
        "url": ledger_prefix(ledger),
        "verifier_key": ledger.verifier_key,
        "operator": operator_did(),
        "size": checkpoint.size,
        "root": base64.b64encode(bytes(checkpoint.root)).decode("ascii"),
        "checkpoint": checkpoint.note,
    }
