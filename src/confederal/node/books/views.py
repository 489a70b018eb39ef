"""The books pages: balances, budget vs actual, spends waiting or unpaid, transactions, receipts and CSV export."""

from __future__ import annotations

import csv
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import content_disposition_header, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from confederal import books as core
from confederal.node.access import access_assembly, actor
from confederal.node.assemblies.models import Assembly, Member
from confederal.node.decisions.services import assembly_currency, do_propose
from confederal.node.errors import Refused
from confederal.node.web import Done, act_as_member, back_with, confirm, member_form, now
from confederal.permissions import Action

from . import selectors, services
from .models import SpendRequest

#: How many empty rows the budget form offers (enough for a first budget; more can follow as an amendment).
BUDGET_ROWS = 6
_DIGEST_LENGTH = 64


def read_filter(query: Mapping[str, str]) -> tuple[selectors.TransactionFilter, str]:
    """The transaction filter a query string asks for, and a sentence if part of it could not be read (left out)."""
    problem = ""
    days: dict[str, date | None] = {}
    for key in ("from", "to"):
        text = query.get(key, "").strip()
        try:
            days[key] = date.fromisoformat(text) if text else None
        except ValueError:
            days[key], problem = None, _("Give dates as YYYY-MM-DD; the date that could not be read was left out.")
    flow = query.get("flow", "")
    narrow = selectors.TransactionFilter(
        text=query.get("q", "").strip()[:200],
        line=query.get("line", "").strip()[:64],
        account=query.get("account", "").strip()[:64],
        flow=flow if flow in selectors.FLOWS else "",
        since=days["from"],
        until=days["to"],
    )
    return narrow, problem


def _viewer(request: HttpRequest, assembly: Assembly, rules: core.BooksRules | None) -> dict[str, Any]:
    who, me = actor(request.user, assembly, now().date())
    keeper = bool(me and rules and who.roles & set(rules.keepers))
    approver = bool(me and rules and me.public_name in rules.approvers)
    return {"me": me, "keeper": keeper, "approver": approver}


@require_safe
def books_page(request: HttpRequest, slug: str) -> HttpResponse:
    assembly = access_assembly(slug)
    today = now().date()
    books = selectors.summary(assembly, today)
    rules = books.rules if books else None
    viewer = _viewer(request, assembly, rules)
    context: dict[str, Any] = {"assembly": assembly, "books": books, "rules": rules, **viewer}
    members = selectors.current_members(assembly)
    context["member_names"] = [m.public_name for m in members]
    if books is None:
        return render(request, "books/books.html", context)
    narrow, problem = read_filter(request.GET)
    page_text = request.GET.get("page", "1")
    page = selectors.transaction_page(
        assembly,
        narrow,
        int(page_text) if page_text.isdecimal() and len(page_text) < 10 else 1,
        None if narrow.as_query() else books.transactions,
        exact=not narrow.text,
    )
    me: Member | None = viewer["me"]
    see_who = viewer["keeper"] or (rules is not None and rules.contributors is core.Visibility.PUBLIC)
    context |= {
        "currency": books.rules.currency,
        "assets": [a for a in books.accounts if a.is_asset],
        "categories": [a for a in books.accounts if not a.is_asset],
        "waiting": selectors.spends(assembly, (SpendRequest.Status.WAITING,)),
        "unpaid": selectors.spends(assembly, (SpendRequest.Status.APPROVED,)),
        "page": page,
        "filter": narrow,
        "filter_problem": problem,
        "query": urlencode(narrow.as_query()),
        "flows": selectors.FLOWS,
        "budget_rows": range(BUDGET_ROWS),
        "today": today,
        "contribution_total": selectors.contribution_total(assembly),
        "my_contributions": selectors.contributions(assembly, me) if me else [],
        "all_contributions": selectors.contributions(assembly) if see_who else [],
        "see_who": see_who,
        "members": members,
        "receipts_public": books.rules.receipts is core.Visibility.PUBLIC,
    }
    return render(request, "books/books.html", context)


@require_safe
def transaction_page(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    assembly = access_assembly(slug)
    rules = selectors.rules(assembly)
    row = selectors.transaction_or_404(assembly, number)
    viewer = _viewer(request, assembly, rules)
    see_who = viewer["keeper"] or (rules is not None and rules.contributors is core.Visibility.PUBLIC)
    context = {
        "assembly": assembly,
        "t": row,
        "currency": rules.currency if rules else assembly_currency(assembly),
        "see_who": see_who,
        "receipts_public": rules is None or rules.receipts is core.Visibility.PUBLIC,
        **viewer,
    }
    return render(request, "books/transaction.html", context)


def _books_url(slug: str) -> str:
    return reverse("books", args=[slug])


def _as_member(request: HttpRequest, slug: str, action: Callable[[Member], Done | None]) -> HttpResponse:
    """A form of the books page, for a member of the assembly (the services check who keeps or approves)."""
    assembly = access_assembly(slug)
    return act_as_member(request, assembly, Action.VIEW, _books_url(slug), action)


def _receipt(upload: UploadedFile[bytes] | None) -> services.ReceiptFile | None:
    if upload is None:
        return None
    # One byte over the limit is enough for the service to refuse it; the rest is never read.
    data = upload.read(services.MAX_RECEIPT_BYTES + 1)
    return services.ReceiptFile(data, upload.content_type or "", upload.name or "")


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise Refused("bad_date", _("Give the date as YYYY-MM-DD.")) from None


def _money_fields(request: HttpRequest, member: Member) -> dict[str, Any]:
    post = request.POST
    contributor = None
    chosen = post.get("contributor", "")
    if chosen:
        contributor = selectors.member_by_id(
            member.assembly, int(chosen) if chosen.isdecimal() and len(chosen) < 12 else 0
        )
        if contributor is None:
            raise Refused("bad_contributor", _("A contribution comes from a member of this assembly."))
    return {
        "day": _day(post.get("day", "")),
        "direction": post.get("direction", ""),
        "amount": post.get("amount", ""),
        "description": post.get("description", ""),
        "account": post.get("account", ""),
        "category": post.get("category", ""),
        "category_kind": post.get("category_kind", "") or None,
        "budget_line": post.get("budget_line", ""),
        "receipt": _receipt(request.FILES.get("receipt")),
        "contributor": contributor,
    }


@require_POST
def record(request: HttpRequest, slug: str) -> HttpResponse:
    def act_record(member: Member) -> Done:
        draft = services.check_transaction(member, now=now(), **_money_fields(request, member))
        row = services.do_record(draft, now())
        return Done(_("Transaction %(number)s is recorded in the ledger.") % {"number": row.number})

    return _as_member(request, slug, act_record)


@require_POST
def ask(request: HttpRequest, slug: str) -> HttpResponse:
    def act_ask(member: Member) -> Done:
        draft = services.check_request_spend(member, now=now(), **_money_fields(request, member))
        spend = services.do_request_spend(draft, now())
        if spend.proposal_number:
            return Done(
                _("Spend %(number)s waits for the assembly's decision.") % {"number": spend.number},
                reverse("proposal", args=[slug, spend.proposal_number]),
            )
        return Done(_("Spend %(number)s waits for approval.") % {"number": spend.number})

    return _as_member(request, slug, act_ask)


def _on_spend(
    request: HttpRequest, slug: str, number: int, action: Callable[[Member, SpendRequest], Done]
) -> HttpResponse:
    assembly = access_assembly(slug)
    spend = selectors.spend_or_404(assembly, number)
    return act_as_member(request, assembly, Action.VIEW, _books_url(slug), lambda member: action(member, spend))


@require_POST
def approve(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    def act_approve(member: Member, spend: SpendRequest) -> Done:
        spend = services.do_approve(member, spend, now())
        if spend.status == SpendRequest.Status.APPROVED:
            return Done(_("You approved it; spend %(number)s is approved and can be paid.") % {"number": number})
        return Done(_("You approved spend %(number)s; it waits for more approvals.") % {"number": number})

    return _on_spend(request, slug, number, act_approve)


@require_POST
def decline(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    def act_decline(member: Member, spend: SpendRequest) -> Done:
        services.do_decline(member, spend, request.POST.get("reason", ""), now())
        return Done(_("Spend %(number)s is declined.") % {"number": number})

    return _on_spend(request, slug, number, act_decline)


@require_POST
def pay(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    def act_pay(member: Member, spend: SpendRequest) -> Done:
        row = services.do_record(services.check_pay(member, spend, _day(request.POST.get("day", "")), now()), now())
        return Done(_("Spend %(spend)s is paid: transaction %(number)s.") % {"spend": number, "number": row.number})

    return _on_spend(request, slug, number, act_pay)


@require_http_methods(["GET", "POST"])
def reverse_transaction(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """GET (from the form, with the reason) asks first, saying what the ledger will keep; POST reverses."""
    assembly = access_assembly(slug)
    row = selectors.transaction_or_404(assembly, number)

    def act_reverse(member: Member) -> Done:
        undo = services.do_record(services.check_reverse(member, row, request.POST.get("reason", ""), now()), now())
        return Done(
            _("Transaction %(number)s is corrected by transaction %(undo)s.") % {"number": number, "undo": undo.number},
            reverse("book-transaction", args=[slug, undo.number]),
        )

    back = reverse("book-transaction", args=[slug, number])
    if request.method == "POST":
        return act_as_member(request, assembly, Action.VIEW, back, act_reverse)
    reason = request.GET.get("reason", "")

    def ask(member: Member) -> HttpResponse:
        try:
            services.check_reverse(member, row, reason, now())
        except Refused as refused:
            return back_with(request, refused, back)
        return confirm(
            request,
            heading=_("Reverse transaction %(number)s?") % {"number": number},
            lede=_("A new transaction undoes this one, amount for amount. Nothing in the books is edited or removed."),
            public=_(
                "The correction, its amounts and your reason (“%(reason)s”) are written to the assembly's public "
                "ledger, for good, beside the transaction it corrects."
            )
            % {"reason": reason.strip()},
            button=_("Reverse this transaction"),
            cancel=back,
            hidden=[("reason", reason)],
        )

    return member_form(request, assembly, Action.VIEW, back, ask)


def budget_rows(post: Mapping[str, str], count: int) -> list[tuple[str, str, str, str, str]]:
    """The budget form's rows that were filled in (a row left wholly empty is not a line)."""
    rows = []
    for i in range(count):
        row = tuple(post.get(f"{field}_{i}", "") for field in ("name", "category", "kind", "purpose", "amount"))
        if any(value.strip() for j, value in enumerate(row) if j != 2):
            rows.append((row[0], row[1], row[2], row[3], row[4]))
    return rows


@require_POST
def propose_budget(request: HttpRequest, slug: str) -> HttpResponse:
    assembly = access_assembly(slug)

    def act_propose(member: Member) -> Done:
        post = request.POST
        lines = budget_rows(post, BUDGET_ROWS)
        if not lines:
            raise Refused("bad_lines", _("Fill in at least one line of the budget."))
        draft = services.check_budget_proposal(
            member,
            title=post.get("title", ""),
            start=_day(post.get("start", "")),
            end=_day(post.get("end", "")),
            lines=lines,
            text=post.get("text", ""),
        )
        proposal = do_propose(draft, now())
        return Done(
            _("The budget is proposed; it is adopted if the assembly decides so."),
            reverse("proposal", args=[slug, proposal.number]),
        )

    return act_as_member(request, assembly, Action.PROPOSE, _books_url(slug), act_propose)


@require_POST
def open_books(request: HttpRequest, slug: str) -> HttpResponse:
    assembly = access_assembly(slug)

    def act_open(member: Member) -> Done:
        post = request.POST
        needed = post.get("approvals_needed", "0").strip() or "0"
        if not needed.isdecimal() or len(needed) > 3:
            raise Refused("bad_approvals", _("Give the number of approvals needed as a whole number."))
        draft = services.check_open_books(
            member,
            currency=post.get("currency", ""),
            threshold=post.get("threshold", ""),
            approvers=post.getlist("approvers"),
            approvals_needed=int(needed),
            receipts=post.get("receipts", "public"),
            contributors=post.get("contributors", "members"),
            text=post.get("text", ""),
            now=now(),
        )
        proposal = do_propose(draft, now())
        return Done(
            _("Opening the books is proposed; the charter changes if the assembly adopts it."),
            reverse("proposal", args=[slug, proposal.number]),
        )

    return act_as_member(request, assembly, Action.PROPOSE, _books_url(slug), act_open)


def _refusal(status: int, sentence: str) -> HttpResponse:
    return HttpResponse(sentence + "\n", status=status, content_type="text/plain; charset=utf-8")


@require_safe
def receipt(request: HttpRequest, slug: str, digest: str) -> HttpResponse:
    """A receipt's file: to anyone where the charter makes receipts public, else to members only."""
    assembly = access_assembly(slug)
    if len(digest) != _DIGEST_LENGTH or not all(c in "0123456789abcdef" for c in digest):
        return _refusal(404, _("A receipt is named by 64 lowercase hex digits."))
    rules = selectors.rules(assembly)
    if rules is not None and rules.receipts is core.Visibility.MEMBERS:
        _who, me = actor(request.user, assembly, now().date())
        if me is None:
            return _refusal(
                403, _("The charter of %(assembly)s shows receipts to its members only.") % {"assembly": assembly.name}
            )
    row = selectors.receipt(assembly, digest)
    if row is None:
        return _refusal(404, _("This assembly holds no receipt with that digest."))
    response = HttpResponse(bytes(row.data), content_type=row.media_type)
    response["Content-Disposition"] = content_disposition_header(False, row.name or f"receipt-{digest[:12]}") or ""
    response["Cache-Control"] = "private, max-age=3600"
    return response


CSV_COLUMNS = (
    "number",
    "date",
    "description",
    "account",
    "amount",
    "currency",
    "budget line",
    "receipt digest",
    "reverses",
    "reason",
    "recorded by",
)


class _Echo:
    """A file that hands back what is written to it, so the csv module can feed a streaming answer."""

    def write(self, value: str) -> str:
        return value


def _cell(text: str) -> str:
    """Text a spreadsheet will not run: a cell that starts like a formula is quoted (OWASP's CSV injection advice)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@require_safe
def books_csv(request: HttpRequest, slug: str) -> HttpResponse:
    """Every posting of the (filtered) transactions, one row each, amounts as decimal text in the currency."""
    assembly = access_assembly(slug)
    currency = assembly_currency(assembly)
    narrow, _problem = read_filter(request.GET)
    writer = csv.writer(_Echo())
    lines = [writer.writerow(CSV_COLUMNS)]
    for posting in selectors.postings(assembly, narrow):
        t = posting.transaction
        lines.append(
            writer.writerow(
                (
                    t.number,
                    t.date.isoformat(),
                    _cell(t.description),
                    _cell(posting.account.name),
                    core.Amount(posting.amount, currency).format(),
                    currency.code,
                    _cell(t.budget_line),
                    t.receipt,
                    t.reverses.number if t.reverses else "",
                    _cell(t.reason),
                    _cell(t.recorded_by),
                )
            )
        )
    response = HttpResponse("".join(lines), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, f"{slug}-books.csv")
    return response
