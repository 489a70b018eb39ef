"""An assembly's books as the node keeps them for fast pages: accounts with running balances, transactions,
the adopted budgets with running totals per line, spends waiting for approval, and receipts.

The ledger is the record; these tables are what the ledger's ``books.*`` entries fold into, kept up to date in the
same transaction that appends them (``confederal audit-books`` recomputes them from the ledger alone).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from confederal.node.assemblies.models import Assembly, Member


class BookAccount(models.Model):
    class Kind(models.TextChoices):
        CASH = "cash", _("Cash")
        BANK = "bank", _("Bank")
        IN_KIND = "in_kind", _("In kind")
        INCOME = "income", _("Income")
        EXPENSE = "expense", _("Expense")
        EQUITY = "equity", _("Equity")

    assembly = models.ForeignKey(Assembly, on_delete=models.PROTECT, related_name="book_accounts")
    name = models.CharField(max_length=64)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    #: Debits minus credits, in the books' minor units (so an income account's balance is negative).
    balance = models.BigIntegerField(default=0)
    opened_on = models.DateField()

    class Meta:
        ordering = ["kind", "name"]
        constraints = [models.UniqueConstraint(fields=["assembly", "name"], name="book_account_name_unique")]

    def __str__(self) -> str:
        return self.name


class SpendRequest(models.Model):
    """A spend that needs approval before it is paid (above the threshold, or outside the budget)."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting for approval")
        APPROVED = "approved", _("Approved, not yet paid")
        DECLINED = "declined", _("Declined")
        PAID = "paid", _("Paid")

    assembly = models.ForeignKey(Assembly, on_delete=models.PROTECT, related_name="spend_requests")
    number = models.PositiveIntegerField()
    requested_by = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    #: The transaction to pay once approved, as the books core writes it.
    transaction = models.JSONField()
    description = models.CharField(max_length=500)
    amount = models.BigIntegerField()
    reasons = models.JSONField(default=list)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.WAITING)
    #: The proposal that decides it, when the charter has spending approved by decision.
    proposal_number = models.PositiveIntegerField(null=True, blank=True)
    declined_reason = models.CharField(max_length=500, blank=True)
    requested_at = models.DateTimeField()
    ledger_seq = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["assembly", "number"], name="spend_number_unique")]

    def __str__(self) -> str:
        return self.description


class SpendApproval(models.Model):
    request = models.ForeignKey(SpendRequest, on_delete=models.CASCADE, related_name="approvals")
    approver = models.ForeignKey(Member, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decision = models.PositiveIntegerField(null=True, blank=True)
    approved_at = models.DateTimeField()

    class Meta:
        ordering = ["approved_at"]
        constraints = [models.UniqueConstraint(fields=["request", "approver"], name="one_approval_each")]

    def __str__(self) -> str:
        return f"approval of spend {self.request_id}"


class BookTransaction(models.Model):
    assembly = models.ForeignKey(Assembly, on_delete=models.PROTECT, related_name="book_transactions")
    number = models.PositiveIntegerField()
    date = models.DateField()
    description = models.CharField(max_length=500)
    #: The money moved: the sum of the debits, in minor units.
    amount = models.BigIntegerField()
    #: Income, expense or a transfer between the assembly's own accounts, for filtering.
    flow = models.CharField(max_length=16)
    budget_line = models.CharField(max_length=64, blank=True, db_index=False)
    receipt = models.CharField(max_length=64, blank=True)
    recorded_by = models.CharField(max_length=80)
    reverses = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by")
    reason = models.CharField(max_length=500, blank=True)
    approval = models.ForeignKey(SpendRequest, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    #: The federation's mutual aid this moved, as the ledger says it ({"federation", "purpose", …}).
    aid = models.JSONField(null=True, blank=True)
    #: The transaction as the ledger holds it.
    body = models.JSONField()
    ledger_seq = models.BigIntegerField()

    class Meta:
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["assembly", "number"], name="book_txn_number_unique")]
        indexes = [
            models.Index(fields=["assembly", "date"]),
            models.Index(fields=["assembly", "budget_line", "date"]),
            # Covers the search: the database reads descriptions from the index, newest first, never the wide rows.
            # (A description is at most 500 characters, within PostgreSQL's limit for an index entry.)
            models.Index(fields=["assembly", "number", "description"], name="book_txn_search"),
        ]

    def __str__(self) -> str:
        return self.description


class BookPosting(models.Model):
    transaction = models.ForeignKey(BookTransaction, on_delete=models.CASCADE, related_name="postings")
    account = models.ForeignKey(BookAccount, on_delete=models.PROTECT, related_name="postings")
    amount = models.BigIntegerField()

    def __str__(self) -> str:
        return f"{self.account_id}: {self.amount}"


class Contribution(models.Model):
    """Who paid a member contribution: kept on this node for the member and the keepers, never in the ledger
    unless the charter makes contributors public."""

    transaction = models.OneToOneField(BookTransaction, on_delete=models.PROTECT, related_name="contribution")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="contributions")

    def __str__(self) -> str:
        return f"contribution {self.transaction_id}"


class AdoptedBudget(models.Model):
    assembly = models.ForeignKey(Assembly, on_delete=models.PROTECT, related_name="budgets")
    decision = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    start = models.DateField()
    end = models.DateField()
    #: The budget as the ledger holds it (its lines with category, purpose and amount).
    body = models.JSONField()
    adopted_at = models.DateTimeField()
    ledger_seq = models.BigIntegerField()

    class Meta:
        ordering = ["-ledger_seq"]

    def __str__(self) -> str:
        return self.title


class BudgetLineTotal(models.Model):
    """What has been spent (or received) on one line of an adopted budget, kept as transactions are recorded."""

    budget = models.ForeignKey(AdoptedBudget, on_delete=models.CASCADE, related_name="totals")
    line = models.CharField(max_length=64)
    actual = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["budget", "line"], name="one_total_per_line")]

    def __str__(self) -> str:
        return self.line


class Receipt(models.Model):
    """A receipt's file, by the SHA-256 its transaction names; who may open it follows the charter."""

    assembly = models.ForeignKey(Assembly, on_delete=models.PROTECT, related_name="receipts")
    digest = models.CharField(max_length=64)
    data = models.BinaryField()
    media_type = models.CharField(max_length=100)
    name = models.CharField(max_length=200, blank=True)
    stored_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["assembly", "digest"], name="receipt_once")]

    def __str__(self) -> str:
        return self.digest
