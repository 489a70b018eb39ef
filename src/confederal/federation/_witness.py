"""Witnessing: cosigning other nodes' checkpoints (C2SP tlog-witness), and the time it gives records.

A node witnesses the ledgers it federates with. A log asks its peers to cosign each
new checkpoint, sending a consistency proof from the last size that witness
cosigned; the witness checks the log's signature and the proof and signs
``cosignature/v1`` with its own clock's time. :func:`check_add_checkpoint` is the
witness's whole decision, without I/O.

Those timestamps are what councils count by: a record's *witnessed time* is the
earliest moment a quorum of other members' nodes had cosigned a checkpoint that
holds it (:class:`WitnessedClock`). A node cannot backdate its own acts, because
only other nodes' clocks count.
"""

from __future__ import annotations

import base64
import bisect
from collections.abc import Sequence
from dataclasses import dataclass

from confederal.ledger import (
    SIG_COSIGNATURE_V1,
    Checkpoint,
    CheckpointError,
    NoteError,
    ProofError,
    Signer,
    Verifier,
    open_checkpoint,
    verify_consistency,
)

from ._errors import FederationError

__all__ = [
    "MAX_PROOF_LINES",
    "AddCheckpoint",
    "Verdict",
    "WitnessedClock",
    "check_add_checkpoint",
    "cosign",
    "format_add_checkpoint",
    "node_name",
    "parse_add_checkpoint",
    "witness_verifier",
]

MAX_PROOF_LINES = 63
MAX_REQUEST_BYTES = 16 << 10


def node_name(origin: str) -> str:
    """The name a node witnesses under: its ledgers' origins without ``/ledgers/<name>``."""
    return origin.split("/ledgers/", 1)[0]


def witness_verifier(ledger_key: Verifier) -> Verifier:
    """The key a ledger's node cosigns with: the same Ed25519 key, under the node's name, as cosignature/v1."""
    return Verifier(node_name(ledger_key.name), SIG_COSIGNATURE_V1, ledger_key.public_key)


@dataclass(frozen=True)
class AddCheckpoint:
    old: int
    proof: tuple[bytes, ...]
    note: str


def format_add_checkpoint(old: int, proof: Sequence[bytes], note: str) -> bytes:
    lines = [f"old {old}\n", *(base64.b64encode(h).decode("ascii") + "\n" for h in proof), "\n"]
    return ("".join(lines) + note).encode("utf-8")


def parse_add_checkpoint(body: bytes) -> AddCheckpoint:
    """Read an add-checkpoint request body.

    Raises:
        FederationError: ``malformed_request`` for anything but the tlog-witness format.
    """
    if len(body) > MAX_REQUEST_BYTES:
        raise FederationError("malformed_request", "The request is larger than a checkpoint request can be.")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise FederationError("malformed_request", "The request is not UTF-8 text.") from None
    head, sep, note = text.partition("\n\n")
    lines = head.split("\n")
    if not sep or not lines or not lines[0].startswith("old "):
        raise FederationError("malformed_request", "The request must start with an 'old <size>' line.")
    size = lines[0][4:]
    if not size.isascii() or not size.isdigit() or (size != "0" and size.startswith("0")) or len(size) > 18:
        raise FederationError("malformed_request", "The old size must be a decimal number without leading zeros.")
    proof = []
    for line in lines[1:]:
        try:
            raw = base64.b64decode(line, validate=True)
        except ValueError:
            raise FederationError("malformed_request", "Each proof line must be a base64 hash.") from None
        if len(raw) != 32 or base64.b64encode(raw).decode("ascii") != line:
            raise FederationError("malformed_request", "Each proof line must be a 32-byte hash in base64.")
        proof.append(raw)
    if len(proof) > MAX_PROOF_LINES:
        raise FederationError("malformed_request", "A consistency proof has at most 63 lines.")
    return AddCheckpoint(int(size), tuple(proof), note)


@dataclass(frozen=True)
class Verdict:
    """The witness's answer: an HTTP status, a checkpoint to cosign (200), or the size it holds (409)."""

    status: int
    message: str
    checkpoint: Checkpoint | None = None
    size: int | None = None


def check_add_checkpoint(request: AddCheckpoint, log_key: Verifier | None, latest: tuple[int, bytes] | None) -> Verdict:
    """Decide an add-checkpoint request, as tlog-witness says.

    ``log_key`` is the key the witness trusts for the checkpoint's origin (None if
    it knows none); ``latest`` is the (size, root) it last cosigned for it.
    """
    if log_key is None:
        return Verdict(404, "This witness does not follow that log.")
    try:
        opened = open_checkpoint(request.note, log_key)
    except NoteError as exc:
        status = 403 if exc.code in {"no_known_signature", "bad_signature"} else 400
        return Verdict(status, exc.message)
    except CheckpointError as exc:
        return Verdict(400, exc.message)
    checkpoint = opened.checkpoint
    if request.old > checkpoint.size:
        return Verdict(400, "The old size is larger than the checkpoint's.")
    held = latest[0] if latest is not None else 0
    if request.old != held:
        return Verdict(409, "The old size is not the size this witness last cosigned.", size=held)
    if latest is None or request.old == 0:
        if request.proof:
            return Verdict(422, "A proof from size zero must be empty.")
        return Verdict(200, "cosigned", checkpoint)
    if request.old == checkpoint.size:
        if latest[1] != checkpoint.root:
            return Verdict(409, "Same size, another root: the log has forked.", size=held)
        return Verdict(200, "cosigned", checkpoint)
    try:
        verify_consistency(request.old, checkpoint.size, latest[1], checkpoint.root, list(request.proof))
    except ProofError as exc:
        return Verdict(422, exc.message)
    return Verdict(200, "cosigned", checkpoint)


def cosign(checkpoint: Checkpoint, witness: Signer, timestamp: int) -> str:
    """The cosignature line a witness returns (its signer must be of type cosignature/v1)."""
    if witness.verifier.sig_type != SIG_COSIGNATURE_V1:
        raise FederationError("wrong_key_type", "A witness cosigns with a cosignature/v1 key.")
    return witness.sign(checkpoint.text, timestamp).line


class WitnessedClock:
    """When each entry of one ledger was witnessed, from the cosigned checkpoints seen of it.

    ``cosigned`` holds, per checkpoint size, the timestamps of the cosignatures by
    the witnesses that count (distinct witnesses, other members' nodes). A
    checkpoint is witnessed at the ``quorum``-th earliest of them; an entry at the
    earliest time any checkpoint holding it was witnessed.
    """

    def __init__(self, cosigned: Sequence[tuple[int, Sequence[int]]], quorum: int) -> None:
        times = []
        for size, stamps in cosigned:
            if len(stamps) >= quorum:
                times.append((size, sorted(stamps)[quorum - 1]))
        times.sort()
        self.sizes = [size for size, _ in times]
        # earliest[i]: the earliest witnessing among checkpoints i, i + 1, … (all of which hold entry < sizes[i]).
        self.earliest: list[int] = []
        best: int | None = None
        for _, moment in reversed(times):
            best = moment if best is None else min(best, moment)
            self.earliest.append(best)
        self.earliest.reverse()

    def at(self, seq: int) -> int | None:
        """Seconds since the epoch when entry ``seq`` was witnessed, or None if no quorum has yet."""
        i = bisect.bisect_right(self.sizes, seq)
        return self.earliest[i] if i < len(self.sizes) else None
