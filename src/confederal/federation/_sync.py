"""Checking what a peer serves before anything of it is stored: the pull's trust path.

A node keeps, for each peer ledger it follows, the verified prefix: its size, its
frontier (the tree's right edge) and the last signed checkpoint. Pulling is then:
fetch the peer's checkpoint, check its signature with the pinned key, fetch the
entries from the stored size on, and check that they extend the stored tree to
exactly the signed root. :func:`verify_extension` does all of that without I/O.

A checkpoint that cannot extend what was verified before is either bad data (the
entries served do not add up to the peer's own signature) or a fork (the peer
signed two histories). :func:`conflicts` tells the second from the first: two
checkpoints signed by the same key that no single history can satisfy are the
proof, and they are kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from confederal.ledger import (
    Checkpoint,
    CheckpointError,
    Entry,
    EntryError,
    Frontier,
    NoteError,
    Verifier,
    decode_entry,
    leaf_hashes,
    open_checkpoint,
    root_from_leaf_hashes,
)

from ._errors import FederationError

__all__ = ["Extension", "SyncError", "conflicts", "read_checkpoint", "verify_extension"]


class SyncError(FederationError):
    """What a peer served does not verify; nothing of it may be stored.

    Codes: ``bad_checkpoint`` (unsigned, wrongly signed or malformed), ``behind``
    (older than what was verified: stale or rolled back), ``malformed_entry``,
    ``wrong_root`` (the entries do not add up to the signed root).
    """


@dataclass(frozen=True)
class Extension:
    checkpoint: Checkpoint
    note: str
    entries: tuple[bytes, ...]
    hashes: tuple[bytes, ...]
    records: tuple[Entry, ...]
    frontier: Frontier


def read_checkpoint(note: str | bytes, key: Verifier) -> tuple[Checkpoint, str]:
    """The checkpoint in a signed note, if the pinned key signed it."""
    try:
        opened = open_checkpoint(note, key)
    except (NoteError, CheckpointError) as exc:
        raise SyncError("bad_checkpoint", "The peer's checkpoint does not verify: {why}", why=exc.message) from exc
    return opened.checkpoint, opened.note


def verify_extension(
    key: Verifier, size: int, frontier: Frontier, last_hash: bytes | None, note: str, entries: Sequence[bytes]
) -> Extension:
    """Check that ``entries`` extend the verified prefix of ``size`` entries to the checkpoint in ``note``.

    ``last_hash`` is the leaf hash of entry ``size - 1`` (None for an empty prefix),
    which each entry's ``prev`` must chain from.

    Raises:
        SyncError: the checkpoint is badly signed or behind, an entry is malformed or out
            of place, or the entries do not add up to the signed root.
    """
    checkpoint, note = read_checkpoint(note, key)
    if checkpoint.size < size:
        raise SyncError(
            "behind",
            "The peer's checkpoint is at {n}, behind the {m} entries already verified.",
            n=checkpoint.size,
            m=size,
        )
    if len(entries) != checkpoint.size - size:
        raise SyncError(
            "malformed_entry",
            "The peer served {got} entries where {want} were expected.",
            got=len(entries),
            want=checkpoint.size - size,
        )
    hashes = leaf_hashes(entries)
    records = []
    prev = last_hash
    for offset, (data, hashed) in enumerate(zip(entries, hashes, strict=True)):
        try:
            record = decode_entry(data)
        except EntryError as exc:
            raise SyncError(
                "malformed_entry", "Entry {seq} is malformed: {why}", seq=size + offset, why=exc.message
            ) from exc
        if record.log != checkpoint.origin or record.seq != size + offset:
            raise SyncError("malformed_entry", "Entry {seq} is out of place in its ledger.", seq=size + offset)
        if record.prev != prev:
            # Not chained to what was verified: the history behind it changed, which may be a fork.
            raise SyncError(
                "broken_chain", "Entry {seq} does not follow the entries already verified.", seq=size + offset
            )
        records.append(record)
        prev = hashed
    extended = Frontier(frontier.size, list(frontier.hashes))
    for hashed in hashes:
        extended.append(hashed)
    if extended.root() != checkpoint.root:
        raise SyncError("wrong_root", "The entries served do not add up to the peer's signed root.")
    return Extension(checkpoint, note, tuple(entries), tuple(hashes), tuple(records), extended)


def conflicts(earlier: Checkpoint, later: Checkpoint, their_hashes: Sequence[bytes] | None) -> str | None:
    """Why two checkpoints signed by one key cannot both be true, or None if one history fits both.

    ``their_hashes`` are the leaf hashes of the history the peer serves now, as far as
    the larger checkpoint; with them the question is decided either way.
    """
    small, large = (earlier, later) if earlier.size <= later.size else (later, earlier)
    if small.size == large.size:
        return None if small.root == large.root else f"two different roots signed for size {small.size}"
    if their_hashes is None or len(their_hashes) < large.size:
        return None
    if root_from_leaf_hashes(their_hashes[: large.size]) != large.root:
        return None  # the entries served are not the signed history: bad data, not a proof
    if root_from_leaf_hashes(their_hashes[: small.size]) != small.root:
        return f"the history signed at size {large.size} does not begin with the one signed at size {small.size}"
    return None
