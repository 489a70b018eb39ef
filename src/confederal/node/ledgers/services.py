"""Every write to a ledger goes through here.

``check_*`` validates input and raises :class:`LedgerInputError` with a clear
message; ``do_*`` acts on input already checked. An append is committed
before the checkpoint that covers it is signed, so a signed checkpoint never
refers to an entry that could still be lost.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import orjson
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from confederal import records
from confederal.ledger import (
    TILE_HEIGHT,
    Checkpoint,
    Entry,
    EntryError,
    Frontier,
    JSONObject,
    RecordBody,
    did_key,
    encode_entry,
    format_time,
    leaf_hash,
    sign_note,
)

from ..errors import Refused
from . import models
from .keys import ledger_signer, node_signer, operator_signer

__all__ = [
    "CheckpointPending",
    "LedgerInputError",
    "Record",
    "append_in_transaction",
    "check_fits",
    "check_ledger_slug",
    "check_operator_record",
    "do_append",
    "do_create_ledger",
    "do_sign_checkpoint",
    "do_sign_pending_checkpoints",
    "new_ledger_row",
    "publish",
]

logger = logging.getLogger(__name__)

_SLUG = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?\Z")


class CheckpointPending(RuntimeError):
    """Entries were committed, but the checkpoint covering them could not be signed yet.

    Nothing is lost: the next append, or the node's next start, signs it.
    """

    def __init__(self, seqs: list[int], reason: BaseException) -> None:
        super().__init__(f"entries {seqs[0]}–{seqs[-1]} are stored; their checkpoint is not signed yet: {reason}")
        self.seqs = seqs
        self.reason = reason


class LedgerInputError(Refused):
    """Input that a ledger refuses; ``code`` is stable, ``message`` is for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(code, message, 400)


@dataclass(frozen=True)
class Record:
    """What a caller asks to append: a record of a declared kind. The ledger adds the rest.

    The body is checked against the canonical JSON profile when it is appended.
    """

    body: RecordBody

    @property
    def kind(self) -> str:
        return self.body.kind

    def json(self) -> JSONObject:
        return self.body.to_json()


# Used to size-check a record against the largest envelope it could get.
_PROBE_TIME = "2026-01-01T00:00:00Z"


def check_fits(kind: str, body: JSONObject) -> None:
    """Refuse a body that would not fit in an entry of any ledger of this node.

    Raises:
        LedgerInputError: the body breaks the canonical JSON profile or makes the entry too large.
    """
    try:
        # The largest envelope this node could give the record: if that fits, any will.
        probe = Entry(
            log=f"{settings.ORIGIN_BASE}/ledgers/{'x' * 64}",
            seq=2**53 - 1,
            prev=b"\0" * 32,
            time=_PROBE_TIME,
            kind=kind,
            author=did_key(b"\0" * 32),
            body=body,
        )
        encode_entry(probe)
    except EntryError as exc:
        raise LedgerInputError(exc.code, exc.message) from exc


def check_operator_record(kind: str, data: bytes) -> Record:
    """Read a note the node's operator wants to append by hand (JSON bytes from a file) and check it.

    Only operator kinds are accepted: every other kind is written by the act it records,
    so an operator's command cannot make a note look like a decision of the assembly.

    Raises:
        LedgerInputError: not an operator kind, not JSON, or a body malformed for its kind.
    """
    declared = records.KINDS.get(kind)
    if declared is None or not declared.operator:
        why = (
            _("%(kind)s is not a kind of record.") % {"kind": kind}
            if declared is None
            else _("A %(kind)s record is written only by the act it records, never by hand.") % {"kind": kind}
        )
        raise LedgerInputError(
            "not_operator_kind",
            why + " " + _("An operator may append: %(kinds)s.") % {"kinds": ", ".join(records.OPERATOR_KINDS)},
        )
    try:
        body = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise LedgerInputError(
            "malformed_json", _("The body is not valid JSON: %(detail)s.") % {"detail": exc}
        ) from exc
    try:
        record = Record(declared.from_json(body))
    except records.RecordError as exc:
        raise LedgerInputError(exc.code, exc.message) from exc
    check_fits(record.kind, record.json())
    return record


def author_of(body: RecordBody) -> str:
    """Who an entry says wrote it: the node for an assembly's act, the operator for an operator's note."""
    signer = operator_signer() if body.operator else node_signer()
    return did_key(signer.verifier.public_key)


def check_ledger_slug(slug: str) -> str:
    """Return ``slug`` if it can name a new ledger.

    Raises:
        LedgerInputError: it is malformed or taken.
    """
    if not _SLUG.match(slug):
        raise LedgerInputError(
            "bad_slug", _("A ledger's short name is 1–64 lowercase letters, digits and hyphens, such as 'food-hub'.")
        )
    if models.Ledger.objects.filter(slug=slug).exists():
        raise LedgerInputError("slug_taken", _("There is already a ledger called '%(slug)s'.") % {"slug": slug})
    return slug


def new_ledger_row(slug: str, title: str, now: datetime, kind: str = models.Ledger.Kind.ASSEMBLY) -> models.Ledger:
    """Insert an empty ledger inside the caller's transaction.

    ``slug`` must have passed :func:`check_ledger_slug`. After the transaction
    commits, call :func:`do_sign_checkpoint` to publish its empty checkpoint.
    """
    origin = f"{settings.ORIGIN_BASE}/ledgers/{slug}"
    verifier_key = node_signer().with_name(origin).verifier.vkey
    return models.Ledger.objects.create(
        slug=slug, title=title, kind=kind, origin=origin, verifier_key=verifier_key, created_at=now
    )


def do_create_ledger(slug: str, title: str, now: datetime, kind: str = models.Ledger.Kind.ASSEMBLY) -> models.Ledger:
    """Create an empty ledger and sign its first (empty) checkpoint."""
    with transaction.atomic(durable=True):
        ledger = new_ledger_row(slug, title, now, kind)
    do_sign_checkpoint(ledger, now)
    return ledger


def append_in_transaction(ledger: models.Ledger, new_records: Sequence[Record], now: datetime) -> list[int]:
    """Append records inside the caller's open transaction; return their sequence numbers.

    For services that change their own tables and record the act in the ledger
    atomically. Preconditions: a transaction is open, and any other row the
    caller locks (an assembly, say) was locked first — always before the ledger.
    After the commit, call :func:`publish` to sign the checkpoint.

    Raises:
        LedgerInputError: a record does not fit; the caller's transaction must roll back.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("append_in_transaction needs an open transaction")
    if not new_records:
        return []
    time = format_time(now)
    locked = models.Ledger.objects.select_for_update().get(pk=ledger.pk)
    frontier = Frontier.from_bytes(locked.size, bytes(locked.frontier))
    prev = None
    if locked.size:
        prev = bytes(
            models.LedgerEntry.objects.values_list("leaf_hash", flat=True).get(ledger=locked, seq=locked.size - 1)
        )
    entries, subtrees, seqs = [], [], []
    for record in new_records:
        if records.KINDS.get(record.kind) is not type(record.body):
            raise LedgerInputError(
                "unknown_kind", _("%(kind)s is not a declared kind of record.") % {"kind": record.kind}
            )
        try:
            entry = Entry(locked.origin, frontier.size, prev, time, record.kind, author_of(record.body), record.json())
            data = encode_entry(entry)
        except EntryError as exc:
            raise LedgerInputError(exc.code, exc.message) from exc
        hashed = leaf_hash(data)
        for level, index, value in frontier.append(hashed):
            if level % TILE_HEIGHT == 0:
                subtrees.append(models.SubtreeHash(ledger=locked, level=level, index=index, hash=value))
        entries.append(models.LedgerEntry(ledger=locked, seq=entry.seq, leaf_hash=hashed, body=data))
        seqs.append(entry.seq)
        prev = hashed
    models.LedgerEntry.objects.bulk_create(entries, batch_size=500)
    models.SubtreeHash.objects.bulk_create(subtrees, batch_size=500)
    locked.size = frontier.size
    locked.frontier = frontier.to_bytes()
    locked.save(update_fields=["size", "frontier"])
    ledger.size, ledger.frontier = locked.size, locked.frontier
    return seqs


def publish(ledger: models.Ledger, now: datetime) -> bool:
    """Sign a checkpoint over what was just committed; return whether it was signed.

    A failure is logged, not raised: the act it follows is already committed and
    must not look failed. The next append, or the node's next start, signs it.
    """
    try:
        do_sign_checkpoint(ledger, now)
    except Exception:
        logger.exception("Could not sign a checkpoint for %s; it stays pending", ledger.origin)
        return False
    return True


def do_append(ledger: models.Ledger, new_records: Sequence[Record], now: datetime) -> list[int]:
    """Append records in order; return their sequence numbers once they are durable.

    The entries are committed in one transaction (all or none), then a new
    checkpoint is signed. Appenders to one ledger queue on its row lock.

    Raises:
        LedgerInputError: a record does not fit (nothing is stored).
        CheckpointPending: the entries are stored but their checkpoint could not be signed.
    """
    if not new_records:
        return []
    with transaction.atomic(durable=True):
        seqs = append_in_transaction(ledger, new_records, now)
    try:
        do_sign_checkpoint(ledger, now)
    except Exception as exc:
        raise CheckpointPending(seqs, exc) from exc
    return seqs


def do_sign_pending_checkpoints(now: datetime) -> list[models.Checkpoint]:
    """Sign a checkpoint for every ledger holding entries no checkpoint covers yet.

    Run when a node starts: a crash between an append's commit and its
    signature leaves such entries behind.
    """
    signed = []
    for ledger in models.Ledger.objects.all():
        latest = ledger.checkpoints.order_by("-size").values_list("size", flat=True).first()
        if latest != ledger.size:
            signed.append(do_sign_checkpoint(ledger, now))
    return signed


def do_sign_checkpoint(ledger: models.Ledger, now: datetime) -> models.Checkpoint:
    """Sign a checkpoint over everything committed to the ledger, unless one already covers it.

    Precondition: no transaction is open, so what is signed is what is committed.
    """
    with transaction.atomic(durable=True):
        locked = models.Ledger.objects.select_for_update().get(pk=ledger.pk)
        latest = locked.checkpoints.order_by("-size").first()
        if latest is not None and latest.size == locked.size:
            return latest
        root = Frontier.from_bytes(locked.size, bytes(locked.frontier)).root()
        text = Checkpoint(locked.origin, locked.size, root).text
        note = sign_note(text, [ledger_signer(locked)])
        return models.Checkpoint.objects.create(ledger=locked, size=locked.size, root=root, note=note, signed_at=now)
