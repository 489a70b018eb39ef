"""Checkpoints (C2SP ``tlog-checkpoint`` v1): a ledger's signed size and root.

The note text is ``<origin>\\n<size>\\n<base64 root>\\n``, optionally
followed by extension lines, which Confederal never writes (the spec calls
them not auditable) but accepts from others.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence
from dataclasses import dataclass

from ._errors import CheckpointError, NoteError
from ._merkle import HASH_SIZE
from ._note import SIG_ED25519, Verifier, b64decode_strict, open_note

__all__ = [
    "Checkpoint",
    "OpenedCheckpoint",
    "open_checkpoint",
    "parse_checkpoint",
]

_SIZE = re.compile(r"(0|[1-9][0-9]{0,18})\Z")
MAX_TREE_SIZE = 2**63 - 1


@dataclass(frozen=True)
class Checkpoint:
    """A claim by a log: "my tree of ``size`` entries has root ``root``"."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.origin or "\n" in self.origin:
            raise CheckpointError("bad_origin", "A checkpoint's origin must be one non-empty line.")
        if not 0 <= self.size <= MAX_TREE_SIZE:
            raise CheckpointError("bad_size", "A checkpoint's size must be between 0 and 2^63 − 1.")
        if len(self.root) != HASH_SIZE:
            raise CheckpointError("bad_root", "A checkpoint's root is a 32-byte hash.")

    @property
    def text(self) -> str:
        """The note text to sign."""
        lines = [self.origin, str(self.size), base64.b64encode(self.root).decode("ascii"), *self.extensions]
        return "\n".join(lines) + "\n"


def parse_checkpoint(text: str) -> Checkpoint:
    """Parse a checkpoint note text (without its signatures).

    Raises:
        CheckpointError: the text is not a well-formed checkpoint.
    """
    if not text.endswith("\n"):
        raise CheckpointError("malformed_checkpoint", "A checkpoint must end with a newline.")
    lines = text[:-1].split("\n")
    if len(lines) < 3:
        raise CheckpointError("malformed_checkpoint", "A checkpoint has at least three lines: origin, size and root.")
    if any(not line for line in lines):
        raise CheckpointError("malformed_checkpoint", "A checkpoint may not contain empty lines.")
    origin, size_text, root_text, *extensions = lines
    if not _SIZE.match(size_text) or int(size_text) > MAX_TREE_SIZE:
        raise CheckpointError(
            "malformed_checkpoint",
            "The size line {line!r} is not a decimal number without leading zeros.",
            line=size_text,
        )
    try:
        root = b64decode_strict(root_text, "root hash")
    except NoteError as exc:
        raise CheckpointError("malformed_checkpoint", "The root line is not canonical base64.") from exc
    if len(root) != HASH_SIZE:
        raise CheckpointError("malformed_checkpoint", "The root line does not hold a 32-byte hash.")
    return Checkpoint(origin, int(size_text), root, tuple(extensions))


@dataclass(frozen=True)
class OpenedCheckpoint:
    """A checkpoint whose log signature verified, with the note it came in."""

    checkpoint: Checkpoint
    note: str
    cosignatures: tuple[tuple[str, int], ...]


def open_checkpoint(note: str | bytes, log_key: Verifier, witnesses: Sequence[Verifier] = ()) -> OpenedCheckpoint:
    """Verify a signed checkpoint against the log's key and parse it.

    The origin must equal the log key's name, as ``tlog-checkpoint`` asks.
    Cosignatures by the given witness keys are checked too and returned as
    ``(witness name, timestamp)`` pairs.

    Raises:
        NoteError: the note is malformed, or not (validly) signed by ``log_key``.
        CheckpointError: the signed text is not a checkpoint for this log.
    """
    if log_key.sig_type != SIG_ED25519:
        raise NoteError("wrong_key_type", "A log signs its checkpoints with an Ed25519 key (type 0x01).")
    opened = open_note(note, [log_key, *witnesses])
    if not any(v == log_key for v, _, _ in opened.verified):
        raise NoteError(
            "no_known_signature",
            "The checkpoint is not signed by the expected key ({keys}).",
            keys=f"{log_key.name}+{log_key.key_id:08x}",
        )
    checkpoint = parse_checkpoint(opened.text)
    if checkpoint.origin != log_key.name:
        raise CheckpointError(
            "origin_mismatch",
            "The checkpoint is for {origin!r}, but the key is for {name!r}.",
            origin=checkpoint.origin,
            name=log_key.name,
        )
    cosignatures = tuple((v.name, ts) for v, _, ts in opened.verified if ts is not None)
    serialized = note if isinstance(note, str) else note.decode("utf-8")
    return OpenedCheckpoint(checkpoint, serialized, cosignatures)
