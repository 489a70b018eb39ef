"""Proposals and the ballots cast on them."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from confederal.node.assemblies.models import Assembly, Member


class Proposal(models.Model):
    """Something put to an assembly's vote, open for a window, closed into an outcome."""

    class Kind(models.TextChoices):
        DECISION = "decision", _("Decision")
        AMENDMENT = "amendment", _("Charter amendment")
        SPLIT = "split", _("Split into two cells")
        ELECTION = "election", _("Election to a role")
        FEDERATION = "federation", _("Federation or council")
        BUDGET = "budget", _("Budget")
        SPENDING = "spending", _("Approval of a spend")

    class Status(models.TextChoices):
        OPEN = "open", _("Open for votes")
        CLOSED = "closed", _("Closed")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    assembly = models.ForeignKey(Assembly, on_delete=models.PROTECT, related_name="proposals")
    number = models.PositiveIntegerField()
    author = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="proposals")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.DECISION)
    title = models.CharField(max_length=200)
    text = models.TextField(blank=True)
    method = models.CharField(max_length=32)
    # [{"id": "a", "label": "…"}]; for yes/no methods the fixed choices of the method.
    options = models.JSONField(default=list)
    # The tally rules taken from the charter when the proposal opened.
    rules = models.JSONField(default=dict)
    secret = models.BooleanField(default=False)
    # What the proposal does when adopted: charter changes, a division into two cells, a role.
    payload = models.JSONField(default=dict, blank=True)
    opens_at = models.DateTimeField()
    closes_at = models.DateTimeField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    closed_at = models.DateTimeField(null=True, blank=True)
    eligible = models.PositiveIntegerField(null=True, blank=True)
    outcome = models.JSONField(null=True, blank=True)
    review_on = models.DateField(null=True, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    ledger_seq = models.BigIntegerField(null=True, blank=True)
    #: Which version of the text is put to the vote: 1, then one more for each amendment (``ProposalVersion``).
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["assembly", "number"], name="proposal_number_unique")]
        indexes = [
            models.Index(fields=["assembly", "status", "closes_at"]),
            models.Index(fields=["status", "closes_at"]),
            models.Index(fields=["assembly", "review_on"]),
            # The decisions due for review, oldest first (an assembly's list and the inbox): few rows, in order.
            models.Index(
                fields=["assembly", "review_on", "number"],
                condition=models.Q(review_on__isnull=False, reviewed_at__isnull=True),
                name="proposal_review_due",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.number} {self.title}"


class Ballot(models.Model):
    """One member's current choice on one proposal; it may be changed until the vote closes."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="ballots")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="ballots")
    choice = models.JSONField()
    #: Why: required with an objection, a block or a stand-aside, published with the decision.
    reason = models.TextField(blank=True, default="")
    cast_at = models.DateTimeField()
    changed_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["proposal", "member"], name="one_ballot_per_member")]

    def __str__(self) -> str:
        return f"ballot of {self.member_id} on {self.proposal_id}"


class ProposalVersion(models.Model):
    """One version of an amended proposal's text: the first as proposed, then each amendment with what changed."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    text = models.TextField(blank=True)
    #: What changed and why, in the proposer's words (empty for the first version).
    note = models.TextField(blank=True)
    by = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    ledger_seq = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["version"]
        constraints = [models.UniqueConstraint(fields=["proposal", "version"], name="one_row_per_version")]

    def __str__(self) -> str:
        return f"version {self.version} of {self.proposal_id}"
