"""What a node keeps of the federation: its peers, their verified ledgers, cosignatures and proofs of forks.

Nothing here is authoritative on its own. Federations and councils are folded
from ledger records (``confederal.federation``); these tables hold copies this
node verified, and an index of the records the fold reads. Every write goes
through :mod:`confederal.node.federation.services`.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from confederal.node.ledgers.models import Checkpoint, Entry, Ledger


class Peer(models.Model):
    """Another node, learned by its URL."""

    url = models.CharField(max_length=300, unique=True)
    #: The node's name as a witness (its origin base), learned on first contact.
    name = models.CharField(max_length=300, blank=True)
    added_at = models.DateTimeField()
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    #: Set by a push hint: pull this peer at the next chance instead of waiting for the slow round.
    wanted = models.BooleanField(default=False)

    class Meta:
        ordering = ["url"]

    def __str__(self) -> str:
        return self.url

    @property
    def trouble(self) -> str:
        """What went wrong with the last pull, in a word for the public: "" (nothing), "unreachable" (no answer,
        or an error status), or "unreadable" (it answered with something this node could not use).

        The details (``last_error``) are for the operator: the log and the operator's view of the peers page.
        """
        if not self.last_error:
            return ""
        answered = self.last_seen_at is not None and self.last_attempt_at is not None
        return "unreadable" if answered and self.last_seen_at >= self.last_attempt_at else "unreachable"  # type: ignore[operator]


class RemoteLedger(models.Model):
    """A peer's ledger this node follows: the key pinned for it and the prefix verified so far."""

    class Pinned(models.TextChoices):
        FIRST_CONTACT = "first-contact", _("on first contact")
        OPERATOR = "operator", _("by this node's operator")

    #: The peer it is pulled from; none once that peer is removed (the verified copy and its pinned key are kept).
    peer = models.ForeignKey(Peer, on_delete=models.SET_NULL, null=True, blank=True, related_name="ledgers")
    origin = models.CharField(max_length=300, unique=True)
    url = models.CharField(max_length=400)
    title = models.CharField(max_length=200, blank=True)
    verifier_key = models.CharField(max_length=400)
    pinned = models.CharField(max_length=16, choices=Pinned.choices, default=Pinned.FIRST_CONTACT)
    size = models.BigIntegerField(default=0)
    frontier = models.BinaryField(default=b"")
    last_hash = models.BinaryField(null=True, blank=True)
    #: The last checkpoint verified, as signed (with any cosignatures it came with).
    note = models.TextField(blank=True)
    #: How far the peer's list of cosigned checkpoints has been read.
    cosigned_through = models.BigIntegerField(default=0)
    synced_at = models.DateTimeField(null=True, blank=True)
    #: A proven fork freezes the copy at its last verified state: nothing after it is acted on.
    forked = models.BooleanField(default=False)

    class Meta:
        ordering = ["origin"]

    def __str__(self) -> str:
        return self.origin


class RemoteEntry(Entry):
    """One verified entry of a peer's ledger."""

    ledger = models.ForeignKey(RemoteLedger, on_delete=models.PROTECT, related_name="entries", db_index=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["ledger", "seq"], name="remote_entry_seq_unique")]

    def __str__(self) -> str:
        return f"entry {self.seq} of {self.ledger_id}"


class FederationRecord(models.Model):
    """A federation record of any ledger, local or followed: what the fold reads, found quickly."""

    origin = models.CharField(max_length=300)
    seq = models.BigIntegerField()
    kind = models.CharField(max_length=64)
    body = models.JSONField()
    leaf_hash = models.CharField(max_length=64)
    #: The federation or council the record is about (a charter record names itself).
    subject = models.CharField(max_length=64, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["origin", "seq"], name="federation_record_unique")]
        ordering = ["origin", "seq"]

    def __str__(self) -> str:
        return f"{self.kind} at {self.origin}#{self.seq}"


class Cosignature(models.Model):
    """A witness's cosignature on a checkpoint of a ledger (this node's, or one it follows)."""

    origin = models.CharField(max_length=300)
    size = models.BigIntegerField()
    witness = models.CharField(max_length=300)
    timestamp = models.BigIntegerField()
    line = models.TextField()
    #: Set for this node's own checkpoints, so the checkpoint endpoint can serve them.
    checkpoint = models.ForeignKey(Checkpoint, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["origin", "size", "witness"], name="one_cosignature_each")]
        indexes = [models.Index(fields=["origin", "size"])]

    def __str__(self) -> str:
        return f"{self.witness} on {self.origin} at {self.size}"


class WitnessState(models.Model):
    """This node as a witness: the latest checkpoint it cosigned for each log (C2SP tlog-witness)."""

    origin = models.CharField(max_length=300, unique=True)
    size = models.BigIntegerField()
    root = models.BinaryField(max_length=32)
    note = models.TextField()
    cosigned_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.origin} cosigned at {self.size}"


class WitnessRequest(models.Model):
    """This node as a log: how far each peer's witness has cosigned each of its ledgers."""

    ledger = models.ForeignKey(Ledger, on_delete=models.PROTECT, related_name="+")
    peer = models.ForeignKey(Peer, on_delete=models.PROTECT, related_name="+")
    size = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["ledger", "peer"], name="one_witness_request_each")]

    def __str__(self) -> str:
        return f"{self.peer_id} cosigned {self.ledger_id} to {self.size}"


class ForkEvidence(models.Model):
    """Two checkpoints signed by one key that no single history satisfies: the proof, kept for people."""

    origin = models.CharField(max_length=300)
    detected_at = models.DateTimeField()
    reason = models.TextField()
    earlier = models.TextField()
    later = models.TextField()
    #: Where the later note came from: the peer itself, or another node's witness.
    source = models.CharField(max_length=400)

    class Meta:
        ordering = ["-detected_at"]

    def __str__(self) -> str:
        return f"fork of {self.origin}"


class Sunset(models.Model):
    """That this node's assembly wrote its sunset record for a council (so it writes it once)."""

    council = models.CharField(max_length=64)
    ledger = models.ForeignKey(Ledger, on_delete=models.PROTECT, related_name="+")
    seq = models.BigIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["council", "ledger"], name="one_sunset_each")]

    def __str__(self) -> str:
        return f"sunset of {self.council} in {self.ledger_id}"
