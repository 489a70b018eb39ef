"""Storage for ledgers: entries, the tree hashes tiles are cut from, and signed checkpoints.

These tables only hold what the core computes; every write goes through
:mod:`confederal.node.ledgers.services`.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Ledger(models.Model):
    """One append-only log, kept by this node under its own origin and key."""

    class Kind(models.TextChoices):
        ASSEMBLY = "assembly", _("Assembly")

    slug = models.SlugField(max_length=64, unique=True)  # as long as check_ledger_slug allows
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=32, choices=Kind.choices, default=Kind.ASSEMBLY)
    origin = models.CharField(max_length=300, unique=True)
    # Fixed at creation: the key a reader pins. Signing refuses any other key.
    verifier_key = models.CharField(max_length=400)
    size = models.BigIntegerField(default=0)
    # The right edge of the tree (one hash per set bit of size): all an
    # append needs to compute the next root.
    frontier = models.BinaryField(default=b"")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.origin


class Entry(models.Model):
    """One entry of a ledger (this node's or a peer's), as the exact canonical bytes that were hashed."""

    seq = models.BigIntegerField()
    leaf_hash = models.BinaryField(max_length=32)
    body = models.BinaryField()

    class Meta:
        abstract = True


class LedgerEntry(Entry):
    """One entry of this node's own ledgers."""

    # The unique (ledger, seq) index serves every lookup; a second index on ledger alone
    # would tempt the planner into scanning a whole ledger.
    ledger = models.ForeignKey(Ledger, on_delete=models.PROTECT, related_name="entries", db_index=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["ledger", "seq"], name="ledger_entry_seq_unique")]
        verbose_name_plural = "ledger entries"

    def __str__(self) -> str:
        return f"entry {self.seq} of ledger {self.ledger_id}"


class SubtreeHash(models.Model):
    """The hash of a complete subtree at level 8, 16, … — the rows hash tiles above level 0 are made of.

    Leaf hashes (level 0) live on the entries. Any other subtree a proof needs
    is rebuilt from at most 128 of these.
    """

    ledger = models.ForeignKey(Ledger, on_delete=models.PROTECT, related_name="subtree_hashes", db_index=False)
    level = models.PositiveSmallIntegerField()
    index = models.BigIntegerField()
    hash = models.BinaryField(max_length=32)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["ledger", "level", "index"], name="subtree_hash_unique")]

    def __str__(self) -> str:
        return f"subtree ({self.level}, {self.index}) of ledger {self.ledger_id}"


class Checkpoint(models.Model):
    """A signed checkpoint, kept for good: each one is a promise readers may hold the node to."""

    ledger = models.ForeignKey(Ledger, on_delete=models.PROTECT, related_name="checkpoints", db_index=False)
    size = models.BigIntegerField()
    root = models.BinaryField(max_length=32)
    note = models.TextField()
    signed_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["ledger", "size"], name="checkpoint_size_unique")]
        get_latest_by = "size"

    def __str__(self) -> str:
        return f"checkpoint at {self.size} of ledger {self.ledger_id}"


class Blob(models.Model):
    """A document too large for a ledger entry (minutes, say); entries refer to it by digest."""

    digest = models.CharField(max_length=71, primary_key=True)  # "sha256:" + 64 hex digits
    data = models.BinaryField()
    media_type = models.CharField(max_length=100)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.digest
