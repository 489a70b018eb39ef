"""Assemblies: the root cells of the movement, each with its own public ledger."""

from __future__ import annotations

from django.db import models
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
    slug = models.SlugField(unique=True)
    focus = models.CharField(max_length=16, choices=Focus.choices, default=Focus.OTHER)
    principles = models.TextField()
    ledger = models.OneToOneField(Ledger, on_delete=models.PROTECT, related_name="assembly")
    founded_at = models.DateTimeField()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "assemblies"

    def __str__(self) -> str:
        return self.name
