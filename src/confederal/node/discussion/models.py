"""Discussions: threads of comments on what an assembly decides, and sense checks. None of it is in the ledger."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from confederal.node.assemblies.models import Assembly, Member


class Thread(models.Model):
    """The comments on one thing: a proposal, a meeting or a sense check of an assembly, or a council or an aid
    request of a federation.

    Made when its first comment is written; ``kind`` and ``number`` name the thing in its assembly, ``kind`` and
    ``key`` (a council's id, an aid request's :func:`~confederal.node.discussion.selectors.aid_key`) in its
    federation.
    """

    class Kind(models.TextChoices):
        PROPOSAL = "proposal"
        MEETING = "meeting"
        CHECK = "check"
        COUNCIL = "council"
        AID = "aid"

    assembly = models.ForeignKey(Assembly, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    federation = models.CharField(max_length=64, blank=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    number = models.PositiveIntegerField(default=0)
    key = models.CharField(max_length=64, blank=True)
    #: How many comments were ever written here, so each has a short number (its anchor) in the thread.
    next_comment_number = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["assembly", "kind", "number"], condition=Q(assembly__isnull=False), name="one_thread_per_thing"
            ),
            models.UniqueConstraint(
                fields=["federation", "kind", "key"], condition=Q(assembly__isnull=True), name="one_federation_thread"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.number or self.key}"


class Comment(models.Model):
    """What someone wrote in a thread (Markdown source); a reply names its parent. Taken back: no body, a line stays."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="comments")
    number = models.PositiveIntegerField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    #: The author's public name in the assembly when they wrote it (so it reads the same after they leave).
    author_name = models.CharField(max_length=80)
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="replies")
    body = models.TextField(blank=True)
    created_at = models.DateTimeField()
    edited_at = models.DateTimeField(null=True, blank=True)
    taken_back_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["thread", "number"], name="one_comment_per_number")]

    def __str__(self) -> str:
        return f"comment {self.number}"


class Revision(models.Model):
    """An earlier version of a comment, kept when its author edits it (shown under "edited")."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="revisions")
    body = models.TextField()
    #: When this version was written (the comment's creation or its previous edit).
    written_at = models.DateTimeField()

    class Meta:
        ordering = ["written_at", "id"]

    def __str__(self) -> str:
        return f"revision of {self.comment_id}"


class SenseCheck(models.Model):
    """A non-binding "How do you feel about this?" before a formal proposal (Loomio's sense check)."""

    assembly = models.ForeignKey(Assembly, on_delete=models.CASCADE, related_name="+")
    number = models.PositiveIntegerField()
    author = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    question = models.CharField(max_length=200)
    text = models.TextField(blank=True)
    opened_at = models.DateTimeField()
    closes_at = models.DateTimeField()

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["assembly", "number"], name="one_check_per_number")]

    def __str__(self) -> str:
        return self.question


class Stance(models.TextChoices):
    FOR = "for", _("I'm for it")
    CONCERNS = "concerns", _("I have concerns")
    AGAINST = "against", _("I'm against it")


class SenseAnswer(models.Model):
    """One member's answer to a sense check, which they may change until it closes."""

    sense_check = models.ForeignKey(SenseCheck, on_delete=models.CASCADE, related_name="answers")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    stance = models.CharField(max_length=16, choices=Stance.choices)
    line = models.CharField(max_length=300, blank=True)
    answered_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["sense_check", "member"], name="one_answer_per_member")]

    def __str__(self) -> str:
        return self.stance
