"""Assemblies — the root cells of the movement — their members, invitations and join requests.

A person has one Django account and may belong to several assemblies; in each
they appear under the public name they chose there. Contact details stay on the
account and never enter a ledger.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from confederal.node.ledgers.models import Ledger


class Assembly(models.Model):
    """A small group (5–15 people) that governs itself directly."""

    class Focus(models.TextChoices):
        FOOD = "food", _("Food")
        ENERGY = "energy", _("Energy")
        HOUSING = "housing", _("Housing")
        CARE = "care", _("Care")
        CURRENCY = "currency", _("Currency")
        OTHER = "other", _("Other")

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=64, unique=True)  # as long as check_ledger_slug allows
    focus = models.CharField(max_length=16, choices=Focus.choices, default=Focus.OTHER)
    principles = models.TextField()
    ledger = models.OneToOneField(Ledger, on_delete=models.PROTECT, related_name="assembly")
    founded_at = models.DateTimeField()
    # The current charter, as confederal.charter.Charter.to_json(); every version is in the ledger.
    charter = models.JSONField(default=dict)
    # After a split, the sibling cell (the other half of the assembly it was).
    split_sibling = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Per-assembly counters, taken under the assembly's row lock, for short URLs.
    next_proposal_number = models.PositiveIntegerField(default=1)
    next_meeting_number = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "assemblies"

    def __str__(self) -> str:
        return self.name


class Member(models.Model):
    """A person's membership in one assembly, from joining until leaving."""

    class Via(models.TextChoices):
        FOUNDING = "founding", _("Founding")
        INVITATION = "invitation", _("Invitation")
        REQUEST = "request", _("Request")
        SPLIT = "split", _("Split")

    assembly = models.ForeignKey(Assembly, on_delete=models.PROTECT, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="memberships")
    public_name = models.CharField(max_length=80)
    via = models.CharField(max_length=16, choices=Via.choices)
    joined_at = models.DateTimeField()
    left_at = models.DateTimeField(null=True, blank=True)
    # Away until this day (inclusive): rotas skip the member meanwhile.
    away_until = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["joined_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["assembly", "user"], condition=Q(left_at__isnull=True), name="one_active_membership"
            ),
            models.UniqueConstraint(
                fields=["assembly", "public_name"], condition=Q(left_at__isnull=True), name="unique_public_name"
            ),
        ]
        indexes = [models.Index(fields=["assembly", "left_at"])]

    def __str__(self) -> str:
        return self.public_name

    @property
    def active(self) -> bool:
        return self.left_at is None


class Invitation(models.Model):
    """A single-use link a member hands to someone they want to invite."""

    assembly = models.ForeignKey(Assembly, on_delete=models.CASCADE, related_name="invitations")
    token = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_by = models.ForeignKey(Member, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"invitation to {self.assembly_id} by {self.created_by_id}"


class JoinRequest(models.Model):
    """Someone asking to join; a member approves or declines it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for a member")
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    assembly = models.ForeignKey(Assembly, on_delete=models.CASCADE, related_name="join_requests")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="join_requests")
    public_name = models.CharField(max_length=80)
    message = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField()
    decided_by = models.ForeignKey(Member, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["assembly", "user"], condition=Q(status="pending"), name="one_pending_request"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.public_name} asks to join {self.assembly_id}"
