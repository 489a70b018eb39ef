"""Writes for an assembly's books: record income and spending, correct by reversal, ask for and give approval,
adopt budgets by decision, and record contributions without publishing who paid.

Every write appends its ``books.*`` entries to the assembly's ledger in the same transaction that updates the
tables (running balances, running totals per budget line), so a page never shows what the ledger does not hold.
The rules come from the charter's ``books`` rule: who keeps the books, the threshold above which a spend needs
approval, and who approves (named members, never the person who spends, or a decision of the assembly).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from confederal import books as core
from confederal.books import Account, AccountKind, Amount, Approval, BooksError, BooksRules, Currency, Transaction
from confederal.ledger import JSONObject
from confederal.node.access import actor
from confederal.node.assemblies.models import Assembly, Member
from confederal.node.assemblies.services import charter_of, lock
from confederal.node.errors import Refused
from confederal.node.ledgers.services import Record, append_in_transaction, publish
from confederal.node.text import check_line, clean
from confederal.permissions import PermissionDenied, check_holds

from .models import (
    AdoptedBudget,
    BookAccount,
    BookPosting,
    BookTransaction,
    BudgetLineTotal,
    Contribution,
    Receipt,
    SpendApproval,
    SpendRequest,
)

__all__ = [
    "DIRECTIONS",
    "MAX_RECEIPT_BYTES",
    "ReceiptFile",
    "SpendDraft",
    "TransactionDraft",
    "books_rules",
    "budget_effects",
    "check_approve",
    "check_budget_proposal",
    "check_decline",
    "check_keeper",
    "check_open_books",
    "check_pay",
    "check_request_spend",
    "check_reverse",
    "check_transaction",
    "core_budget",
    "do_approve",
    "do_decline",
    "do_record",
    "do_request_spend",
    "spending_effects",
]

#: Where money comes from or goes to, as a person says it.
DIRECTIONS = ("in", "out", "transfer")
MAX_RECEIPT_BYTES = 5 << 20
RECEIPT_TYPES = ("application/pdf", "image/jpeg", "image/png", "image/webp", "text/plain")
#: Accounts every assembly may post to without opening them first.
STARTING_ACCOUNTS = {
    "Cash": AccountKind.CASH,
    "Bank": AccountKind.BANK,
    "Goods in kind": AccountKind.IN_KIND,
    "Members' contributions": AccountKind.INCOME,
    "Donations": AccountKind.INCOME,
}
_SIDE = {
    # direction: (kinds the "from/to" account may be, kinds the category may be)
    "in": ({AccountKind.CASH, AccountKind.BANK, AccountKind.IN_KIND}, {AccountKind.INCOME, AccountKind.EQUITY}),
    "out": ({AccountKind.CASH, AccountKind.BANK, AccountKind.IN_KIND}, {AccountKind.EXPENSE}),
    "transfer": ({AccountKind.CASH, AccountKind.BANK, AccountKind.IN_KIND}, {AccountKind.CASH, AccountKind.BANK}),
}


def _refused(exc: BooksError) -> Refused:
    return Refused(exc.code, exc.message)


def books_rules(assembly: Assembly) -> BooksRules:
    """The charter's books rule.

    Raises:
        Refused: ``no_books`` when the assembly keeps no books yet.
    """
    rule = charter_of(assembly).books
    if rule is None:
        raise Refused(
            "no_books", _("%(assembly)s keeps no books yet: propose opening them first.") % {"assembly": assembly.name}
        )
    return rule.value


def check_keeper(member: Member, today: date) -> BooksRules:
    """The books rule, if ``member`` holds a role that keeps the books (and has two-factor sign-in if the charter asks).

    Raises:
        Refused: no books, or the member keeps no books.
    """
    rules = books_rules(member.assembly)
    who, _member = actor(member.user, member.assembly, today)
    try:
        check_holds(who, frozenset(rules.keepers))
    except PermissionDenied as denied:
        raise Refused(denied.code, denied.message, 403) from denied
    return rules


def _amount(text: str, currency: Currency) -> Amount:
    try:
        value = Amount.parse(clean(text).replace(",", ""), currency)
    except BooksError as exc:
        raise _refused(exc) from exc
    if value.minor <= 0:
        raise Refused("bad_amount", _("Give an amount of more than zero, such as 12.50."))
    return value


def core_accounts(assembly: Assembly) -> list[Account]:
    return [Account(a.name, AccountKind(a.kind)) for a in BookAccount.objects.filter(assembly=assembly)]


def core_budget(adopted: AdoptedBudget) -> core.Budget:
    return core.Budget.from_json(adopted.body)


def budget_in_force(assembly: Assembly, day: date) -> AdoptedBudget | None:
    """The budget adopted last whose period covers ``day`` (a later budget for the same days amends an earlier)."""
    return AdoptedBudget.objects.filter(assembly=assembly, start__lte=day, end__gte=day).first()


@dataclass(frozen=True)
class ReceiptFile:
    data: bytes
    media_type: str
    name: str

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def _check_receipt(receipt: ReceiptFile | None) -> None:
    if receipt is None:
        return
    if not receipt.data:
        raise Refused("bad_receipt", _("The receipt file is empty."))
    if len(receipt.data) > MAX_RECEIPT_BYTES:
        raise Refused("bad_receipt", _("A receipt may be at most 5 MB."))
    if receipt.media_type not in RECEIPT_TYPES:
        raise Refused("bad_receipt", _("A receipt is a PDF, a photo (JPEG, PNG or WebP) or plain text."))


@dataclass(frozen=True)
class TransactionDraft:
    assembly: Assembly
    keeper: Member
    txn: Transaction
    new_accounts: tuple[Account, ...]
    receipt: ReceiptFile | None = None
    contributor: Member | None = None
    approval: SpendRequest | None = None
    aid: core.AidLink | None = None


def _account(assembly: Assembly, name: str, kinds: set[AccountKind], new_kind: str | None) -> tuple[Account, bool]:
    """The account called ``name`` (and whether it must be opened), if its kind fits where it is used."""
    name = check_line(name, 1, 64, "bad_account", _("Name the account in 1 to 64 characters."))
    existing = BookAccount.objects.filter(assembly=assembly, name=name).first()
    if existing is not None:
        account, new = Account(existing.name, AccountKind(existing.kind)), False
    else:
        kind = STARTING_ACCOUNTS.get(name) or (AccountKind(new_kind) if new_kind in set(AccountKind) else None)
        if kind is None:
            raise Refused(
                "unknown_account", _("There is no account called “%(name)s”: say what kind it is.") % {"name": name}
            )
        account, new = Account(name, kind), True
    if account.kind not in kinds:
        raise Refused(
            "wrong_account",
            _("“%(name)s” is a %(kind)s account and cannot be used here.")
            % {"name": name, "kind": BookAccount.Kind(account.kind.value).label},
        )
    return account, new


def check_transaction(
    member: Member,
    *,
    day: date,
    direction: str,
    amount: str,
    description: str,
    account: str,
    category: str,
    category_kind: str | None = None,
    budget_line: str = "",
    receipt: ReceiptFile | None = None,
    contributor: Member | None = None,
    now: datetime,
    approval: SpendRequest | None = None,
    aid: core.AidLink | None = None,
    asking: bool = False,
) -> TransactionDraft:
    """Validate money in (``account`` ← ``category``), out (``account`` → ``category``) or moved between accounts.

    Raises:
        Refused: not a keeper, bad amount or account, a date in the future, a budget line the budget does not have,
            or a spend that needs approval first.
    """
    assembly = member.assembly
    rules = check_keeper(member, now.date())
    if direction not in DIRECTIONS:
        raise Refused("bad_direction", _("Say whether the money came in, went out or moved between accounts."))
    if day > now.date() + timedelta(days=1):
        raise Refused("in_the_future", _("Record a payment once it has happened, not before."))
    if day < now.date() - timedelta(days=3660):
        raise Refused("too_old", _("That date is more than ten years ago."))
    value = _amount(amount, rules.currency)
    description = check_line(description, 1, 500, "bad_description", _("Describe it in 1 to 500 characters."))
    own_kinds, category_kinds = _SIDE[direction]
    own, own_new = _account(assembly, account, own_kinds, None)
    other, other_new = _account(assembly, category, category_kinds, category_kind)
    if own.name == other.name:
        raise Refused("same_account", _("Money moves between two different accounts."))
    line = clean(budget_line)
    adopted = budget_in_force(assembly, day)
    budget = core_budget(adopted) if adopted is not None else None
    if line and (budget is None or budget.line(line) is None):
        raise Refused("bad_line", _("The budget for that day has no line called “%(line)s”.") % {"line": line})
    if contributor is not None and (contributor.assembly_id != assembly.pk or not contributor.active):
        raise Refused("bad_contributor", _("A contribution comes from a member of this assembly."))
    if contributor is not None and direction != "in":
        raise Refused("bad_contributor", _("A contribution is money coming in."))
    _check_receipt(receipt)
    debit, credit = (own, other) if direction == "in" else (other, own)
    try:
        txn = Transaction(
            date=day,
            description=description,
            postings=(core.Posting(debit.name, value), core.Posting(credit.name, -value)),
            budget_line=line or None,
            receipt=None if receipt is None else receipt.digest,
        )
    except BooksError as exc:
        raise _refused(exc) from exc
    new = tuple(a for a, is_new in ((own, own_new), (other, other_new)) if is_new)
    draft = TransactionDraft(assembly, member, txn, new, receipt, contributor, approval, aid)
    if approval is None and not asking:
        reasons = _approval_reasons(draft, rules, budget, adopted)
        if reasons:
            raise Refused("needs_approval", _needs_approval_message(reasons))
    return draft


def _approval_reasons(
    draft: TransactionDraft, rules: BooksRules, budget: core.Budget | None, adopted: AdoptedBudget | None
) -> tuple[Approval, ...]:
    accounts = [*core_accounts(draft.assembly), *draft.new_accounts]
    spent = 0
    if adopted is not None and draft.txn.budget_line:
        total = BudgetLineTotal.objects.filter(budget=adopted, line=draft.txn.budget_line).first()
        spent = total.actual if total else 0
    try:
        return core.approval_reasons(draft.txn, budget, rules.threshold, accounts, spent=spent)
    except BooksError as exc:
        raise _refused(exc) from exc


_REASON_WORDS = {
    Approval.ABOVE_THRESHOLD: _("it is above the charter's threshold"),
    Approval.OUTSIDE_BUDGET: _("it is not on a line of the adopted budget"),
    Approval.OUTSIDE_PERIOD: _("its date is outside the budget's period"),
    Approval.OVER_BUDGET: _("it would overspend its budget line"),
}


def reason_words(reasons: Sequence[str]) -> list[str]:
    """Why a spend needs approval, as clauses a sentence can hold."""
    return [str(_REASON_WORDS[Approval(r)]) for r in reasons if r in set(Approval)]


def _needs_approval_message(reasons: Sequence[Approval]) -> str:
    return _("This spend needs approval first, because %(why)s. Ask for approval, then pay it once approved.") % {
        "why": _(" and ").join(reason_words(reasons))
    }


def _flow(txn: Transaction, kinds: dict[str, AccountKind]) -> str:
    touched = {kinds[p.account] for p in txn.postings}
    if AccountKind.EXPENSE in touched:
        return "out"
    if AccountKind.INCOME in touched or AccountKind.EQUITY in touched:
        return "in"
    return "transfer"


def _next_number(model: type[BookTransaction] | type[SpendRequest], assembly: Assembly) -> int:
    last = model.objects.filter(assembly=assembly).order_by("-number").values_list("number", flat=True).first()
    return (last or 0) + 1


def record_in_transaction(draft: TransactionDraft, now: datetime) -> tuple[BookTransaction, list[Record]]:
    """Write the transaction's rows and return its ledger records; the caller holds the assembly's lock and appends.

    Shared by recording, reversing, paying an approved spend and the federation's mutual aid, so that every
    movement of money updates balances and budget lines the same way.
    """
    assembly = draft.assembly
    records: list[Record] = []
    for account in draft.new_accounts:
        BookAccount.objects.create(assembly=assembly, name=account.name, kind=account.kind.value, opened_on=now.date())
        records.append(Record(core.AccountOpened(account)))
    accounts = {a.name: a for a in BookAccount.objects.filter(assembly=assembly)}
    kinds = {name: AccountKind(a.kind) for name, a in accounts.items()}
    txn = draft.txn
    number = _next_number(BookTransaction, assembly)
    rules = books_rules(assembly)
    public_contributor = draft.contributor is not None and rules.contributors is core.Visibility.PUBLIC
    body = core.TransactionRecorded(
        number=number,
        transaction=txn,
        recorded_by=draft.keeper.public_name,
        approval=None if draft.approval is None else draft.approval.number,
        contributor=draft.contributor.public_name if public_contributor and draft.contributor else None,
        aid=draft.aid,
    )
    reversed_row = None
    if txn.reverses is not None:
        reversed_row = BookTransaction.objects.get(assembly=assembly, number=int(txn.reverses))
    row = BookTransaction.objects.create(
        assembly=assembly,
        number=number,
        date=txn.date,
        description=txn.description,
        amount=sum(p.amount.minor for p in txn.postings if p.amount.minor > 0),
        flow=_flow(txn, kinds),
        budget_line=txn.budget_line or "",
        receipt=txn.receipt or "",
        recorded_by=draft.keeper.public_name,
        reverses=reversed_row,
        reason=txn.reason or "",
        approval=draft.approval,
        aid=None if draft.aid is None else draft.aid.to_json(),
        body=body.to_json(),
        ledger_seq=-1,
    )
    BookPosting.objects.bulk_create(
        [BookPosting(transaction=row, account=accounts[p.account], amount=p.amount.minor) for p in txn.postings]
    )
    for p in txn.postings:
        BookAccount.objects.filter(pk=accounts[p.account].pk).update(balance=F("balance") + p.amount.minor)
    _add_to_lines(assembly, txn, kinds)
    if draft.contributor is not None:
        Contribution.objects.create(transaction=row, member=draft.contributor)
    _keep_receipt(assembly, draft.receipt, now)
    if draft.approval is not None:
        SpendRequest.objects.filter(pk=draft.approval.pk).update(status=SpendRequest.Status.PAID)
    records.append(Record(body))
    return row, records


def _keep_receipt(assembly: Assembly, receipt: ReceiptFile | None, now: datetime) -> None:
    if receipt is not None:
        Receipt.objects.get_or_create(
            assembly=assembly,
            digest=receipt.digest,
            defaults={
                "data": receipt.data,
                "media_type": receipt.media_type,
                "name": receipt.name[:200],
                "stored_at": now,
            },
        )


def _line_actual(line: core.BudgetLine, txn: Transaction, kinds: dict[str, AccountKind]) -> int:
    total = sum(p.amount.minor for p in txn.postings if p.account == line.category.name)
    return total if line.category.kind is AccountKind.EXPENSE else -total


def _add_to_lines(assembly: Assembly, txn: Transaction, kinds: dict[str, AccountKind]) -> None:
    if not txn.budget_line:
        return
    for adopted in AdoptedBudget.objects.filter(assembly=assembly, start__lte=txn.date, end__gte=txn.date):
        line = core_budget(adopted).line(txn.budget_line)
        if line is not None:
            change = _line_actual(line, txn, kinds)
            BudgetLineTotal.objects.filter(budget=adopted, line=line.name).update(actual=F("actual") + change)


def do_record(draft: TransactionDraft, now: datetime) -> BookTransaction:
    """Record the transaction in the tables and the ledger, in one database transaction."""
    with transaction.atomic(durable=True):
        assembly = lock(draft.assembly)
        if draft.approval is not None:
            fresh = SpendRequest.objects.select_for_update().get(pk=draft.approval.pk)
            if fresh.status != SpendRequest.Status.APPROVED:
                raise Refused("not_approved", _("This spend is not approved (or is already paid)."), 409)
        for account in draft.new_accounts:
            if BookAccount.objects.filter(assembly=assembly, name=account.name).exists():
                raise Refused("account_exists", _("Someone opened that account meanwhile; try again."), 409)
        row, records = record_in_transaction(replace(draft, assembly=assembly), now)
        seqs = append_in_transaction(assembly.ledger, records, now)
        row.ledger_seq = seqs[-1]
        row.save(update_fields=["ledger_seq"])
    publish(assembly.ledger, now)
    return row


def check_reverse(member: Member, row: BookTransaction, reason: str, now: datetime) -> TransactionDraft:
    """A correction: the transaction that undoes ``row``, saying why. Nothing is ever edited.

    Raises:
        Refused: not a keeper, no reason, or ``row`` is a reversal or already reversed.
    """
    check_keeper(member, now.date())
    reason = check_line(reason, 3, 500, "bad_reason", _("Say in 3 to 500 characters why it is corrected."))
    if row.reverses_id is not None:
        raise Refused("reverse_reversal", _("A correction cannot itself be reversed; record the payment again."))
    if BookTransaction.objects.filter(reverses=row).exists():
        raise Refused("already_reversed", _("This transaction was already reversed."), 409)
    original = core.TransactionRecorded.from_json(row.body).transaction
    try:
        undo = core.reverse(original, reason, now.date(), reference=str(row.number))
    except BooksError as exc:
        raise _refused(exc) from exc
    return TransactionDraft(member.assembly, member, undo, ())


@dataclass(frozen=True)
class SpendDraft:
    transaction: TransactionDraft
    reasons: tuple[Approval, ...]


def check_request_spend(member: Member, *, now: datetime, **fields: Any) -> SpendDraft:
    """Validate a spend to put up for approval (the same fields as :func:`check_transaction`).

    Raises:
        Refused: as :func:`check_transaction`, or the spend needs no approval (record it directly).
    """
    rules = check_keeper(member, now.date())
    spend = check_transaction(member, now=now, asking=True, **fields)
    adopted = budget_in_force(member.assembly, spend.txn.date)
    budget = core_budget(adopted) if adopted else None
    reasons = _approval_reasons(spend, rules, budget, adopted)
    if not reasons:
        raise Refused("no_approval_needed", _("This spend needs no approval: record it directly."))
    if spend.txn.postings[0].amount.minor <= 0 or _flow_of_draft(spend) != "out":
        raise Refused("not_a_spend", _("Only money going out needs approval."))
    return SpendDraft(spend, reasons)


def _flow_of_draft(draft: TransactionDraft) -> str:
    kinds = {a.name: a.kind for a in [*core_accounts(draft.assembly), *draft.new_accounts]}
    return _flow(draft.txn, kinds)


def do_request_spend(draft: SpendDraft, now: datetime) -> SpendRequest:
    """Record the request in the ledger; where the charter has spending decided by the assembly, open the vote."""
    spend = draft.transaction
    with transaction.atomic(durable=True):
        assembly = lock(spend.assembly)
        number = _next_number(SpendRequest, assembly)
        body = core.SpendRequested(number, spend.txn, spend.keeper.public_name, draft.reasons)
        request = SpendRequest.objects.create(
            assembly=assembly,
            number=number,
            requested_by=spend.keeper,
            transaction={"transaction": spend.txn.to_json(), "accounts": [a.to_json() for a in spend.new_accounts]},
            description=spend.txn.description,
            amount=spend.txn.postings[0].amount.minor,
            reasons=[r.value for r in draft.reasons],
            requested_at=now,
        )
        _keep_receipt(assembly, spend.receipt, now)
        request.ledger_seq = append_in_transaction(assembly.ledger, [Record(body)], now)[0]
        request.save(update_fields=["ledger_seq"])
    publish(assembly.ledger, now)
    if books_rules(assembly).by_decision:
        from confederal.node.decisions.services import check_propose, do_propose

        title = _("Approve spend %(number)s: %(description)s") % {"number": number, "description": request.description}
        proposal = do_propose(
            check_propose(
                spend.keeper,
                title=title[:200],
                text=_("%(amount)s, asked for by %(who)s because %(why)s.")
                % {
                    "amount": str(core.Amount(request.amount, books_rules(assembly).currency)),
                    "who": spend.keeper.public_name,
                    "why": _(" and ").join(reason_words(request.reasons)),
                },
                kind="spending",
                payload={"request": number},
            ),
            now,
        )
        SpendRequest.objects.filter(pk=request.pk).update(proposal_number=proposal.number)
        request.refresh_from_db()
    return request


def check_approve(member: Member, request: SpendRequest) -> None:
    """Whether ``member`` may approve this spend now: a named approver, not its requester, not twice.

    Raises:
        Refused: the charter has spending approved by decision, the member is not an approver, asked for the
            spend themself, already approved it, or it no longer waits.
    """
    rules = books_rules(request.assembly)
    if request.status != SpendRequest.Status.WAITING:
        raise Refused("not_waiting", _("This spend no longer waits for approval."), 409)
    if rules.by_decision:
        raise Refused("by_decision", _("The charter has spending approved by a decision of the assembly: vote on it."))
    if member.public_name not in rules.approvers:
        raise Refused("not_approver", _("Only the approvers the charter names can approve spending."), 403)
    if member.pk == request.requested_by_id:
        raise Refused("own_spend", _("Nobody approves their own spending."), 403)
    if request.approvals.filter(approver=member).exists():
        raise Refused("already_approved", _("You have already approved this spend."), 409)


def _approve(
    assembly: Assembly, request: SpendRequest, body: core.SpendApproved, member: Member | None, now: datetime
) -> Record:
    SpendApproval.objects.create(request=request, approver=member, decision=body.decision, approved_at=now)
    needed = max(books_rules(assembly).approvals_needed, 1)
    if body.decision is not None or request.approvals.count() >= needed:
        SpendRequest.objects.filter(pk=request.pk).update(status=SpendRequest.Status.APPROVED)
    return Record(body)


def do_approve(member: Member, request: SpendRequest, now: datetime) -> SpendRequest:
    with transaction.atomic(durable=True):
        assembly = lock(request.assembly)
        fresh = SpendRequest.objects.select_for_update().get(pk=request.pk)
        check_approve(member, fresh)
        record = _approve(assembly, fresh, core.SpendApproved(fresh.number, approver=member.public_name), member, now)
        append_in_transaction(assembly.ledger, [record], now)
    publish(assembly.ledger, now)
    fresh.refresh_from_db()
    return fresh


def check_decline(member: Member, request: SpendRequest, reason: str) -> str:
    """A named approver declines, or the requester withdraws, a spend that waits or is approved but unpaid.

    Raises:
        Refused: not theirs to decline, no reason, or it is already paid or declined.
    """
    rules = books_rules(request.assembly)
    if request.status not in (SpendRequest.Status.WAITING, SpendRequest.Status.APPROVED):
        raise Refused("not_waiting", _("This spend is already paid or declined."), 409)
    if member.pk != request.requested_by_id and member.public_name not in rules.approvers:
        raise Refused("not_approver", _("Only an approver, or whoever asked for it, can decline a spend."), 403)
    return check_line(reason, 3, 500, "bad_reason", _("Say in 3 to 500 characters why."))


def do_decline(member: Member, request: SpendRequest, reason: str, now: datetime) -> SpendRequest:
    with transaction.atomic(durable=True):
        assembly = lock(request.assembly)
        fresh = SpendRequest.objects.select_for_update().get(pk=request.pk)
        reason = check_decline(member, fresh, reason)
        fresh.status, fresh.declined_reason = SpendRequest.Status.DECLINED, reason
        fresh.save(update_fields=["status", "declined_reason"])
        append_in_transaction(
            assembly.ledger, [Record(core.SpendDeclined(fresh.number, member.public_name, reason))], now
        )
    publish(assembly.ledger, now)
    return fresh


def check_pay(member: Member, request: SpendRequest, day: date, now: datetime) -> TransactionDraft:
    """Pay an approved spend exactly as it was approved, on ``day``.

    Raises:
        Refused: not a keeper, or the spend is not approved.
    """
    check_keeper(member, now.date())
    if request.status != SpendRequest.Status.APPROVED:
        raise Refused("not_approved", _("Only an approved spend can be paid."), 409)
    if day > now.date() + timedelta(days=1):
        raise Refused("in_the_future", _("Record a payment once it has happened, not before."))
    stored = request.transaction
    txn = replace(Transaction.from_json(stored["transaction"]), date=day)
    existing = set(BookAccount.objects.filter(assembly=request.assembly).values_list("name", flat=True))
    new = tuple(a for a in (Account.from_json(x) for x in stored["accounts"]) if a.name not in existing)
    return TransactionDraft(request.assembly, member, txn, new, approval=request)


def spending_effects(
    assembly: Assembly, payload: JSONObject, decision: int, now: datetime
) -> tuple[JSONObject, list[Record]]:
    """An adopted proposal that approves a spend: the approval, by decision. Called by ``do_close`` under the lock."""
    number = payload.get("request")
    request = SpendRequest.objects.filter(assembly=assembly, number=number).first() if isinstance(number, int) else None
    if request is None or request.status != SpendRequest.Status.WAITING:
        return {"spend": "not approved: it no longer waits"}, []
    record = _approve(assembly, request, core.SpendApproved(request.number, decision=decision), None, now)
    return {"spend": request.number}, [record]


def check_budget_proposal(
    author: Member,
    *,
    title: str,
    start: date,
    end: date,
    lines: Sequence[tuple[str, str, str, str, str]],
    text: str = "",
) -> Any:
    """Draft a budget for the assembly to decide: lines of (name, category, income or expense, purpose, amount).

    Raises:
        Refused: no books, a bad line, amount or period.
    """
    from confederal.node.decisions.services import check_propose

    rules = books_rules(author.assembly)
    title = check_line(title, 3, 200, "bad_title", _("Give the budget a title of 3 to 200 characters."))
    if (end - start).days > 3 * 366:
        raise Refused("bad_period", _("A budget covers at most three years."))
    existing = {a.name: AccountKind(a.kind) for a in BookAccount.objects.filter(assembly=author.assembly)}
    built = []
    for name, category, kind, purpose, amount in lines:
        if kind not in ("income", "expense"):
            raise Refused("bad_line", _("Each budget line is income or expense."))
        category = check_line(category, 1, 64, "bad_line", _("Name each line's category in 1 to 64 characters."))
        if existing.get(category, AccountKind(kind)) is not AccountKind(kind):
            raise Refused("bad_line", _("“%(name)s” is already an account of another kind.") % {"name": category})
        try:
            built.append(
                core.BudgetLine(
                    check_line(name, 1, 64, "bad_line", _("Name each line in 1 to 64 characters.")),
                    Account(category, AccountKind(kind)),
                    check_line(purpose, 1, 500, "bad_line", _("Say each line's purpose in 1 to 500 characters.")),
                    _amount(amount, rules.currency),
                )
            )
        except BooksError as exc:
            raise _refused(exc) from exc
    try:
        budget = core.Budget(start, end, tuple(built))
    except BooksError as exc:
        raise _refused(exc) from exc
    return check_propose(author, title=title, text=text, kind="budget", payload={"budget": budget.to_json()})


def budget_effects(
    assembly: Assembly, payload: JSONObject, decision: int, title: str, now: datetime
) -> tuple[JSONObject, list[Record]]:
    """An adopted budget: open its category accounts, keep it with its running totals, and record it.

    Called by ``do_close`` under the assembly's lock, in its transaction.
    """
    budget = core.Budget.from_json(payload["budget"])
    records: list[Record] = []
    kinds = {a.name: AccountKind(a.kind) for a in BookAccount.objects.filter(assembly=assembly)}
    for line in budget.lines:
        if line.category.name not in kinds:
            BookAccount.objects.create(
                assembly=assembly, name=line.category.name, kind=line.category.kind.value, opened_on=now.date()
            )
            kinds[line.category.name] = line.category.kind
            records.append(Record(core.AccountOpened(line.category)))
        elif kinds[line.category.name] is not line.category.kind:
            return {"budget": f"not adopted: {line.category.name} is an account of another kind"}, []
    body = core.BudgetAdopted(decision, title, budget)
    adopted = AdoptedBudget.objects.create(
        assembly=assembly,
        decision=decision,
        title=title,
        start=budget.start,
        end=budget.end,
        body=budget.to_json(),
        adopted_at=now,
        ledger_seq=-1,
    )
    # What was already spent in the period counts against the new budget's lines at once.
    rows = BookTransaction.objects.filter(assembly=assembly, date__range=(budget.start, budget.end)).exclude(
        budget_line=""
    )
    actual = dict.fromkeys((line.name for line in budget.lines), 0)
    for row in rows.only("body"):
        txn = core.TransactionRecorded.from_json(row.body).transaction
        on = budget.line(txn.budget_line or "")
        if on is not None:
            actual[on.name] += _line_actual(on, txn, kinds)
    BudgetLineTotal.objects.bulk_create(
        [BudgetLineTotal(budget=adopted, line=name, actual=value) for name, value in actual.items()]
    )
    records.append(Record(body))
    return {"budget": title}, records


def mark_budget_seq(assembly: Assembly, decision: int, seq: int) -> None:
    AdoptedBudget.objects.filter(assembly=assembly, decision=decision).update(ledger_seq=seq)


def check_open_books(
    author: Member,
    *,
    currency: str,
    threshold: str,
    approvers: Sequence[str] = (),
    approvals_needed: int = 0,
    receipts: str = "public",
    contributors: str = "members",
    keepers: Sequence[str] = ("treasurer",),
    text: str = "",
    now: datetime,
) -> Any:
    """Draft the charter amendment that opens the books (or changes their rules), for the assembly to decide.

    ``currency`` is an ISO 4217 code (EUR) or a local unit's name (hours), counted to two decimal places.

    Raises:
        Refused: an unknown currency, a bad threshold, approvers who are not members, too few of them.
    """
    from confederal.node.decisions.services import check_amendment

    code = clean(currency)
    try:
        unit = Currency.iso(code.upper()) if len(code) == 3 and code.isalpha() else Currency.local(code.lower(), 2)
        names = tuple(clean(n) for n in approvers if clean(n))
        members = set(author.assembly.members.filter(left_at__isnull=True).values_list("public_name", flat=True))
        strangers = [n for n in names if n not in members]
        if strangers:
            raise Refused(
                "bad_approvers",
                ngettext(
                    "%(names)s is not a member of this assembly.",
                    "%(names)s are not members of this assembly.",
                    len(strangers),
                )
                % {"names": ", ".join(strangers)},
            )
        rules = BooksRules(
            currency=unit,
            threshold=Amount.parse(clean(threshold) or "0", unit),
            keepers=tuple(keepers),
            approvals_needed=approvals_needed,
            approvers=names,
            receipts=core.Visibility(receipts) if receipts in set(core.Visibility) else core.Visibility.PUBLIC,
            contributors=core.Visibility(contributors)
            if contributors in set(core.Visibility)
            else core.Visibility.MEMBERS,
        )
    except BooksError as exc:
        raise _refused(exc) from exc
    return check_amendment(author, {"books": rules.to_json()}, None, text, now)
