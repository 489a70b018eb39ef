"""What a person should hear about: the notices of their inbox (and of their mail)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

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


class ReadMark(models.Model):
    """One person marked one inbox item read: the item keeps its place, faded, until its thing is done."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    #: The item's key, e.g. ``vote:12``, ``meeting:7``, ``notice:301``.
    key = models.CharField(max_length=64)
    read_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="one_read_mark_per_item")]

    def __str__(self) -> str:
        return f"{self.key} read by {self.user_id}"


class MailSettings(models.Model):
    """What one person wants by mail: which kinds at once, and a digest (their address is ``User.email``)."""

    class Digest(models.TextChoices):
        OFF = "off", _("No digest")
        DAILY = "daily", _("Every day")
        WEEKLY = "weekly", _("Every week")

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mail_settings")
    #: Kinds of notice mailed at once (see ``KINDS``).
    immediate = models.JSONField(default=list, blank=True)
    digest = models.CharField(max_length=8, choices=Digest.choices, default=Digest.OFF)
    last_digest_at = models.DateTimeField(null=True, blank=True)
    #: When the next digest is due (a sensible hour in the person's zone); null when there is none.
    digest_due_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["digest_due_at"], name="mail_digest_due")]

    def __str__(self) -> str:
        return f"mail settings of {self.user_id}"


class Mail(models.Model):
    """One mail in the outbox: committed first, sent by the ticker, retried with backoff until it goes."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    to = models.CharField(max_length=254)
    #: ``digest`` or the kind of notice it tells (what its unsubscribe link turns off).
    kind = models.CharField(max_length=32)
    subject = models.CharField(max_length=300)
    text = models.TextField()
    html = models.TextField(blank=True)
    headers = models.JSONField(default=dict)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    #: What the mail server said the last time it failed (for the operator's log, never a page).
    last_error = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["sent_at", "next_attempt_at"], name="mail_outbox_due")]

    def __str__(self) -> str:
        return f"{self.kind} mail to {self.user_id}"
