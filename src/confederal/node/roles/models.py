"""Terms in roles and chores: who held what, when, and how they came to hold it.

What roles exist and their rules (term, limits, rotation) are in the charter;
these rows are the history the rules are applied to.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from confederal.node.assemblies.models import Assembly, Member


class RoleTerm(models.Model):
    class Kind(models.TextChoices):
        ROLE = "role", _("Role")
        CHORE = "chore", _("Chore")

    assembly = models.ForeignKey(Assembly, on_delete=models.PROTECT, related_name="role_terms")
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.ROLE)
    role = models.CharField(max_length=60)
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="role_terms")
    start = models.DateField()
    end = models.DateField()  # exclusive
    method = models.CharField(max_length=16)
    # The rotation's public record: eligible, excluded and why, service counts, draw seed.
    pick = models.JSONField(default=dict)
    created_at = models.DateTimeField()
    ended_early_on = models.DateField(null=True, blank=True)
    ledger_seq = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-start", "role"]
        indexes = [models.Index(fields=["assembly", "kind", "role", "start"])]

    def __str__(self) -> str:
        return f"{self.role} held by {self.member_id} from {self.start}"
