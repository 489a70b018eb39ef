"""Meetings: agenda, attendance, notes, decisions taken, and minutes published to the ledger."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from confederal.node.assemblies.models import Assembly, Member
from confederal.node.decisions.models import Proposal


class Meeting(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        PUBLISHED = "published", _("Minutes published")
        CANCELLED = "cancelled", _("Cancelled")

    assembly = models.ForeignKey(Assembly, on_delete=models.PROTECT, related_name="meetings")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    place = models.CharField(max_length=200, blank=True)
    notes = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PLANNED)
    created_by = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    decisions = models.ManyToManyField(Proposal, blank=True, related_name="meetings")
    minutes_digest = models.CharField(max_length=71, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(Member, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    ledger_seq = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-starts_at"]
        constraints = [models.UniqueConstraint(fields=["assembly", "number"], name="meeting_number_unique")]
        indexes = [models.Index(fields=["assembly", "starts_at"])]

    def __str__(self) -> str:
        return self.title


class AgendaItem(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda")
    position = models.PositiveIntegerField()
    title = models.CharField(max_length=200)

    class Meta:
        ordering = ["position"]

    def __str__(self) -> str:
        return self.title


class Attendance(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="attendance")
    present = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["meeting", "member"], name="one_attendance_per_member")]

    def __str__(self) -> str:
        return f"{self.member_id} at {self.meeting_id}"
