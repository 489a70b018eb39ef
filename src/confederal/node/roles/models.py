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
    # The pick's explanation with the reasons who sat out did (away, say): for members only, never in the ledger.
    members_explanation = models.TextField(blank=True, default="")
    created_at = models.DateTimeField()
    ended_early_on = models.DateField(null=True, blank=True)
    ledger_seq = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-start", "role"]
        indexes = [models.Index(fields=["assembly", "kind", "role", "start"])]

    def __str__(self) -> str:
        return f"{self.role} held by {self.member_id} from {self.start}"


class Lottery(models.Model):
    """A fair, verifiable draw for a role: announced first, drawn once the ledger has moved on.

    The announcement fixes who is eligible and how much each has served; the beacon
    is the ledger's root at ``beacon_size``, a value nobody knew at the announcement.
    Both records are in the assembly's ledger; these rows only find them quickly.
    """

    assembly = models.ForeignKey(Assembly, on_delete=models.PROTECT, related_name="lotteries")
    number = models.PositiveIntegerField()
    role = models.CharField(max_length=60)
    announced_at = models.DateTimeField()
    announcement = models.JSONField()
    announcement_seq = models.BigIntegerField()
    beacon_size = models.BigIntegerField()
    result = models.JSONField(null=True, blank=True)
    result_seq = models.BigIntegerField(null=True, blank=True)
    drawn_at = models.DateTimeField(null=True, blank=True)
    term = models.OneToOneField(RoleTerm, on_delete=models.PROTECT, null=True, blank=True, related_name="lottery")

    class Meta:
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["assembly", "number"], name="one_lottery_number_per_assembly")]

    def __str__(self) -> str:
        return f"lottery {self.number} for {self.role}"

    @property
    def draw_id(self) -> str:
        return f"{self.role}-{self.number}"
