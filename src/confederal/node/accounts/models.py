"""API tokens, so scripts can do what a person does on the pages."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ApiToken(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    # Only the SHA-256 of the token is kept; the token itself is shown once.
    digest = models.CharField(max_length=64, unique=True)
    label = models.CharField(max_length=80)
    created_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.label} ({self.user_id})"


class Preferences(models.Model):
    """How one person wants the node to speak to them: their time zone and language (blank: the default)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="preferences")
    #: An IANA zone name; blank shows each assembly's pages in the assembly's own zone.
    time_zone = models.CharField(max_length=64, blank=True)
    #: A language code of ``settings.LANGUAGES``; blank follows the browser.
    language = models.CharField(max_length=16, blank=True)

    def __str__(self) -> str:
        return f"preferences of {self.user_id}"
