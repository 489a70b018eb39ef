"""What a person should hear about: the notices of their inbox (and of their mail)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from confederal.node.assemblies.models import Assembly


class Notice(models.Model):
    """Something that happened which one person should hear about: a reply, a mention, an amendment, an outcome.

    What waits for a person (a vote not cast, a meeting coming) is computed when the inbox is read;
    a notice is kept for what happened once and is gone from the page's state afterwards.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices")
    assembly = models.ForeignKey(Assembly, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    #: What kind of event: "reply", "mention", "amended", "outcome"… (people choose mail by kind).
    kind = models.CharField(max_length=32)
    #: The sentence, as a message to translate and its values (see ``confederal.ledger.Phrase``).
    message = models.CharField(max_length=300)
    params = models.JSONField(default=dict, blank=True)
    url = models.CharField(max_length=500)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"], name="notice_user_newest")]

    def __str__(self) -> str:
        return f"{self.kind} for {self.user_id}"
