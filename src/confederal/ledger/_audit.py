"""Full re-verification of a published ledger, as an outsider would do it.

:func:`audit_ledger` reads a ledger through a :data:`TileReader` (a function
from tile path to bytes, supplied by the caller: HTTP, a directory, a test),
and checks, in order: the checkpoint's signature, every entry's form and
place, the hash tiles against the entries, the root against the checkpoint,
and the history against the last checkpoint the caller saw. The first failure
raises :class:`AuditFailure` naming what kind of tampering it points to.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from . import _tiles
from ._checkpoint import Checkpoint, open_checkpoint, parse_checkpoint
from ._entry import decode_entry
from ._errors import CheckpointError, EntryError, NoteError, ProofError, TileError
from ._merkle import TreeLevels, consistency_proof, leaf_hashes, verify_consistency
from ._note import Verifier, parse_note

__all__ = [
    "DEFAULT_MAX_ENTRIES",
    "AuditFailure",
    "AuditReport",
    "Failure",
    "FetchError",
    "TileReader",
    "audit_ledger",
]


class FetchError(Exception):
    """A reader could not get a file; ``missing`` is true when it does not exist."""

    def __init__(self, path: str, reason: str, missing: bool = False) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason
        self.missing = missing


TileReader = Callable[[str], bytes]
Progress = Callable[[str, int, int], None]


class Failure(enum.Enum):
    """What a failed audit points to."""

    FETCH = "fetch"
    WRONG_KEY = "wrong_key"
    BAD_SIGNATURE = "bad_signature"
    MALFORMED_CHECKPOINT = "malformed_checkpoint"
    MALFORMED_ENTRY = "malformed_entry"
    ENTRY_ALTERED = "entry_altered"
    ENTRY_MISSING = "entry_missing"
    ENTRIES_REORDERED = "entries_reordered"
    WRONG_ROOT = "wrong_root"
    INCONSISTENT_HISTORY = "inconsistent_history"
    ORIGIN_CHANGED = "origin_changed"
    TOO_LARGE = "too_large"


class AuditFailure(Exception):
    """The ledger failed a check. ``evidence`` holds signed notes worth keeping."""

    def __init__(self, failure: Failure, message: str, evidence: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.failure = failure
        self.message = message
        self.evidence = evidence


@dataclass
class AuditReport:
    """What a passed audit checked, in plain words, and the checkpoint it reached."""

    checkpoint: Checkpoint
    note: str
    passed: list[str] = field(default_factory=list)
    #: The verified entries, as the ledger holds them (for checks that read records, such as draws).
    entries: list[bytes] = field(default_factory=list)


def _read(read: TileReader, path: str) -> bytes:
    try:
        return read(path)
    except FetchError as exc:
        raise AuditFailure(Failure.FETCH, f"Could not fetch {exc.path}: {exc.reason}.") from exc


def _read_tile(read: TileReader, tile: _tiles.TileRef) -> bytes:
    try:
        return read(tile.path)
    except FetchError as exc:
        if tile.full or not exc.missing:
            raise AuditFailure(Failure.FETCH, f"Could not fetch {exc.path}: {exc.reason}.") from exc
    # tlog-tiles lets a log drop a partial tile once the full one exists:
    # the partial tile is then the full tile's first `width` items.
    full = _tiles.TileRef(tile.level, tile.index, entries=tile.entries)
    data = _read(read, full.path)
    if not tile.entries:
        return data[: tile.width * 32]
    try:
        return _tiles.encode_bundle(_tiles.decode_bundle(data)[: tile.width])
    except TileError as exc:
        raise AuditFailure(Failure.MALFORMED_ENTRY, f"Entry bundle {full.path} is malformed: {exc.message}") from exc


def _open(note: bytes, key: Verifier) -> tuple[Checkpoint, str]:
    try:
        opened = open_checkpoint(note, key)
    except NoteError as exc:
        if exc.code == "no_known_signature":
            raise AuditFailure(
                Failure.WRONG_KEY,
                f"The checkpoint is not signed by the key you trust ({key.vkey}). "
                "Either the ledger's key changed or someone else signed it.",
            ) from exc
        if exc.code == "bad_signature":
            raise AuditFailure(
                Failure.BAD_SIGNATURE,
                "The checkpoint's signature does not verify: its text was changed after it was signed.",
            ) from exc
        raise AuditFailure(Failure.MALFORMED_CHECKPOINT, f"The checkpoint is malformed: {exc.message}") from exc
    except CheckpointError as exc:
        if exc.code == "origin_mismatch":
            raise AuditFailure(Failure.WRONG_KEY, exc.message) from exc
        raise AuditFailure(Failure.MALFORMED_CHECKPOINT, f"The checkpoint is malformed: {exc.message}") from exc
    return opened.checkpoint, opened.note


def _check_bundle(tile: _tiles.TileRef, data: bytes, origin: str) -> tuple[list[bytes], list[bytes | None]]:
    try:
        raw_entries = _tiles.decode_bundle(data)
    except TileError as exc:
        raise AuditFailure(Failure.MALFORMED_ENTRY, f"Entry bundle {tile.path} is malformed: {exc.message}") from exc
    first = tile.first_entry
    seqs, prevs = [], []
    for offset, raw in enumerate(raw_entries):
        try:
            entry = decode_entry(raw)
        except EntryError as exc:
            raise AuditFailure(Failure.MALFORMED_ENTRY, f"Entry {first + offset} is malformed: {exc.message}") from exc
        if entry.log != origin:
            raise AuditFailure(
                Failure.MALFORMED_ENTRY,
                f"Entry {first + offset} belongs to another ledger ({entry.log!r}).",
            )
        seqs.append(entry.seq)
        prevs.append(entry.prev)
    expected = list(range(first, first + tile.width))
    if seqs != expected:
        missing = sorted(set(expected) - set(seqs))
        if missing:
            listed = ", ".join(map(str, missing[:5])) + (" …" if len(missing) > 5 else "")
            raise AuditFailure(
                Failure.ENTRY_MISSING,
                f"Entries are missing from the ledger: {listed}. The checkpoint covers {first + tile.width} entries.",
            )
        if sorted(seqs) == expected:
            at = next(i for i, (a, b) in enumerate(zip(seqs, expected, strict=True)) if a != b)
            raise AuditFailure(
                Failure.ENTRIES_REORDERED,
                f"Entries are out of order: position {first + at} holds entry {seqs[at]}.",
            )
        raise AuditFailure(
            Failure.MALFORMED_ENTRY,
            f"Entry bundle {tile.path} holds {len(seqs)} entries where {tile.width} were expected.",
        )
    return raw_entries, prevs


def _check_chain(prevs: Sequence[bytes | None], hashes: Sequence[bytes]) -> None:
    # Each entry names its predecessor's hash; a break means one of the two was altered.
    for seq in range(1, len(prevs)):
        if prevs[seq] != hashes[seq - 1]:
            raise AuditFailure(
                Failure.ENTRY_ALTERED,
                f"Entry {seq - 1} has been altered: entry {seq} records a different hash for it.",
            )


# An audit holds every entry and every tree level in memory; past this it
# refuses rather than let a checkpoint's claimed size exhaust the machine.
DEFAULT_MAX_ENTRIES = 20_000_000


def audit_ledger(
    read: TileReader,
    key: Verifier,
    last_seen: str | None = None,
    progress: Progress | None = None,
    max_entries: int = DEFAULT_MAX_ENTRIES,
) -> AuditReport:
    """Fetch and check a whole ledger; return what was checked.

    Args:
        read: returns the bytes at a path below the ledger's URL prefix
            (``checkpoint``, ``tile/…``), raising :class:`FetchError`.
        key: the ledger's verifier key.
        last_seen: the signed checkpoint note this caller verified last time,
            if any; the ledger must extend it.
        progress: called as ``progress(stage, done, total)``.
        max_entries: refuse ledgers larger than this (they are held in memory).

    Raises:
        AuditFailure: the first check that failed.
    """
    checkpoint, note = _open(_read(read, "checkpoint"), key)
    report = AuditReport(checkpoint, note)
    report.passed.append(f"The checkpoint is signed by the ledger's key {key.name}+{key.key_id:08x}.")
    if checkpoint.size > max_entries:
        raise AuditFailure(
            Failure.TOO_LARGE,
            f"The checkpoint claims {checkpoint.size:,} entries; this check holds every entry in memory and stops "
            f"at {max_entries:,}. Raise the limit if the ledger really is that large.",
        )

    raw_entries: list[bytes] = []
    prevs: list[bytes | None] = []
    bundle_count = -(-checkpoint.size // _tiles.TILE_WIDTH)
    for done, tile in enumerate(_tiles.entry_bundles_for_size(checkpoint.size), 1):
        raw, prev = _check_bundle(tile, _read_tile(read, tile), checkpoint.origin)
        raw_entries.extend(raw)
        prevs.extend(prev)
        if progress:
            progress("entries", done, bundle_count)
    hashes = leaf_hashes(raw_entries)
    report.entries = raw_entries
    report.passed.append(f"All {checkpoint.size} entries are well-formed and in order.")

    tree = TreeLevels(hashes)
    tile_count = _tiles.count_hash_tiles(checkpoint.size)
    for done, tile in enumerate(_tiles.hash_tiles_for_size(checkpoint.size), 1):
        data = _read_tile(read, tile)
        expected = tree.read(tile.subtrees())
        if data != b"".join(expected):
            if tile.level == 0:
                got = [data[i : i + 32] for i in range(0, len(data), 32)]
                pairs = enumerate(zip(got, expected, strict=False))
                at = next((i for i, (a, b) in pairs if a != b), min(len(got), len(expected)))
                seq = tile.index * 256 + at
                raise AuditFailure(
                    Failure.ENTRY_ALTERED,
                    f"Entry {seq} has been altered: it does not match the hash the ledger's tree holds for it.",
                )
            raise AuditFailure(
                Failure.WRONG_ROOT,
                f"Hash tile {tile.path} does not match the entries: the tree was changed after it was built.",
            )
        if progress:
            progress("tiles", done, tile_count)
    _check_chain(prevs, hashes)
    report.passed.append(
        f"The ledger's hash tiles ({tile_count}) match the entries, and each entry names the one before it."
    )

    root = tree.root()
    if root != checkpoint.root:
        raise AuditFailure(
            Failure.WRONG_ROOT,
            "The entries do not add up to the signed root: the ledger was changed after the checkpoint was signed.",
        )
    report.passed.append("The entries add up to the root in the signed checkpoint.")

    if last_seen is not None:
        _check_history(last_seen, note, checkpoint, tree)
        previous = parse_checkpoint(parse_note(last_seen).text)
        report.passed.append(
            f"The ledger extends the checkpoint you saw before ({previous.size} entries): no history was rewritten."
        )
    return report


def _check_history(last_seen: str, note: str, checkpoint: Checkpoint, tree: TreeLevels) -> None:
    previous = parse_checkpoint(parse_note(last_seen).text)
    evidence = (last_seen, note)
    if previous.size > checkpoint.size:
        raise AuditFailure(
            Failure.INCONSISTENT_HISTORY,
            f"The ledger has gone back in time: you saw {previous.size} entries before, "
            f"and it now shows {checkpoint.size}. Both signed checkpoints are kept as proof.",
            evidence,
        )
    try:
        proof = consistency_proof(previous.size, checkpoint.size, tree.read)
        verify_consistency(previous.size, checkpoint.size, previous.root, checkpoint.root, proof)
    except ProofError as exc:
        raise AuditFailure(
            Failure.INCONSISTENT_HISTORY,
            f"The ledger's history was rewritten: its first {previous.size} entries no longer match "
            "the checkpoint you saw before. Two signed checkpoints disagree; both are kept as proof.",
            evidence,
        ) from exc
