"""Witnessing: cosigning peers' checkpoints (C2SP tlog-witness) and asking peers to cosign ours.

Part of the federation's write path, with :mod:`.sync` and :mod:`.council`.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.db import transaction

from confederal.federation import (
    FederationError,
    check_add_checkpoint,
    cosign,
    format_add_checkpoint,
    parse_add_checkpoint,
)
from confederal.ledger import (
    SIG_COSIGNATURE_V1,
    CheckpointError,
    NoteError,
    Verifier,
    open_checkpoint,
)
from confederal.node.ledgers import selectors as ledger_selectors
from confederal.node.ledgers.keys import node_signer
from confederal.node.ledgers.models import Checkpoint as StoredCheckpoint
from confederal.node.ledgers.models import Ledger

from .. import selectors, transport
from ..models import (
    Cosignature,
    Peer,
    RemoteLedger,
    WitnessRequest,
    WitnessState,
)

__all__ = [
    "cosigned_note",
    "do_add_checkpoint",
    "do_request_cosignatures",
]

logger = logging.getLogger(__name__)

# -- witnessing -----------------------------------------------------------------------------------


def _witness_signer() -> Any:
    return node_signer().with_name(selectors.here(), SIG_COSIGNATURE_V1)


def do_add_checkpoint(body: bytes, now: datetime) -> tuple[int, bytes, str]:
    """Answer a tlog-witness add-checkpoint request: (status, body, content type)."""
    try:
        request = parse_add_checkpoint(body)
    except FederationError as exc:
        return 400, exc.message.encode() + b"\n", "text/plain; charset=utf-8"
    try:
        origin = request.note.split("\n", 1)[0]
    except IndexError:
        origin = ""
    followed = RemoteLedger.objects.filter(origin=origin).first()
    key = Verifier.from_vkey(followed.verifier_key) if followed is not None else None
    with transaction.atomic(durable=True):
        state = WitnessState.objects.select_for_update().filter(origin=origin).first()
        latest = (state.size, bytes(state.root)) if state is not None else None
        verdict = check_add_checkpoint(request, key, latest)
        if verdict.status == 409:
            return 409, f"{verdict.size}\n".encode(), "text/x.tlog.size"
        if verdict.status != 200 or verdict.checkpoint is None:
            return verdict.status, verdict.message.encode() + b"\n", "text/plain; charset=utf-8"
        checkpoint = verdict.checkpoint
        line = cosign(checkpoint, _witness_signer(), int(now.timestamp()))
        if state is None:
            WitnessState.objects.create(
                origin=origin, size=checkpoint.size, root=checkpoint.root, note=request.note, cosigned_at=now
            )
        else:
            state.size, state.root, state.note, state.cosigned_at = checkpoint.size, checkpoint.root, request.note, now
            state.save()
        Cosignature.objects.get_or_create(
            origin=origin,
            size=checkpoint.size,
            witness=selectors.here(),
            defaults={"timestamp": int(now.timestamp()), "line": line},
        )
    if followed is not None and followed.peer_id is not None:
        # A log asking for a cosignature has something new: pull it soon (unless its peer was removed).
        Peer.objects.filter(pk=followed.peer_id).update(wanted=True)
    return 200, line.encode(), "text/plain; charset=utf-8"


def do_request_cosignatures(now: datetime) -> int:
    """Ask every peer's witness to cosign this node's latest checkpoints; return how many cosignatures came back."""
    got = 0
    peers = list(Peer.objects.exclude(name=""))
    keys = selectors.witness_keys()
    for ledger in Ledger.objects.all():
        checkpoint = ledger_selectors.latest_checkpoint(ledger)
        for peer in peers:
            key = keys.get(peer.name)
            if (
                key is None
                or Cosignature.objects.filter(origin=ledger.origin, size=checkpoint.size, witness=peer.name).exists()
            ):
                continue
            try:
                got += _ask_witness(ledger, checkpoint, peer, key)
            except transport.PeerUnreachable as exc:
                logger.info("Witness %s did not cosign %s: %s", peer.url, ledger.origin, exc)
    return got


def _ask_witness(ledger: Ledger, checkpoint: StoredCheckpoint, peer: Peer, key: Verifier) -> int:
    progress, _ = WitnessRequest.objects.get_or_create(ledger=ledger, peer=peer)
    for _attempt in range(2):
        old = min(progress.size, checkpoint.size)
        proof = ledger_selectors.ledger_consistency_proof(ledger, old, checkpoint.size) if old else []
        body = format_add_checkpoint(old, proof, checkpoint.note)
        try:
            response = transport.post(f"{peer.url}/witness/add-checkpoint", body, "text/x.tlog.checkpoint")
        except transport.PeerUnreachable as exc:
            if exc.status == 409 and exc.body.strip().isdigit():
                progress.size = int(exc.body.strip())
                progress.save(update_fields=["size"])
                continue
            raise
        lines = response.body.decode("utf-8", "replace")
        try:
            opened = open_checkpoint(checkpoint.note + lines, Verifier.from_vkey(ledger.verifier_key), [key])
        except (NoteError, CheckpointError):
            return 0  # a bad answer counts as no answer
        stamps = [ts for name, ts in opened.cosignatures if name == key.name]
        if not stamps:
            return 0
        line = next((x for x in lines.splitlines(keepends=True) if x.startswith(f"— {key.name} ")), "")
        with transaction.atomic(durable=True):
            Cosignature.objects.get_or_create(
                origin=ledger.origin,
                size=checkpoint.size,
                witness=key.name,
                defaults={"timestamp": stamps[0], "line": line, "checkpoint": checkpoint},
            )
            progress.size = checkpoint.size
            progress.save(update_fields=["size"])
        return 1
    return 0


def cosigned_note(checkpoint: StoredCheckpoint) -> str:
    """A checkpoint as this node serves it: its signature and every witness's cosignature collected."""
    lines = Cosignature.objects.filter(checkpoint=checkpoint).order_by("witness").values_list("line", flat=True)
    return checkpoint.note + "".join(line for line in lines if line)
