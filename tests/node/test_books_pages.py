"""The books pages: who sees and may do what, bad input shown as a sentence with nothing changed, filters, CSV
export and receipts."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from confederal import books as core
from confederal.node.books import services
from confederal.node.books.models import BookTransaction, Receipt, SpendRequest
from confederal.node.decisions.models import Proposal
from confederal.node.ledgers.models import Ledger

from .books_cell import EUR, adopt_budget, ask_spend, build_books_cell, record
from .cell import build_cell

BOOKS = "/assemblies/oak-street/books/"


@pytest.fixture
def cell(db):
    return build_books_cell()


def page(client, user=None, path=BOOKS, **query):
    if user is not None:
        client.force_login(user)
    answer = client.get(path, query)
    assert answer.status_code == 200
    return answer.content.decode()


def ledger_size(cell):
    return Ledger.objects.get(pk=cell.assembly.ledger_id).size


def test_an_assembly_without_books_says_so_and_offers_members_the_proposal(db, client):
    cell = build_cell()
    visitor = page(client)
    assert "keeps no books yet" in visitor
    assert 'id="open-books"' not in visitor
    member = page(client, cell.users["ana"])
    assert 'id="open-books"' in member
    answer = client.post(
        BOOKS + "open",
        {"currency": "EUR", "threshold": "50", "approvers": ["Ana", "Fay", "Nico"], "approvals_needed": "2"},
    )
    proposal = Proposal.objects.get(assembly=cell.assembly, kind="amendment")
    assert answer.status_code == 303
    assert answer["Location"].endswith(f"/proposals/{proposal.number}/")
    assert proposal.payload["changes"]["books"]["approvers"] == ["Ana", "Fay", "Nico"]


def test_opening_books_with_too_few_approvers_is_refused_on_the_page(db, client):
    cell = build_cell()
    client.force_login(cell.users["ana"])
    answer = client.post(
        BOOKS + "open",
        {"currency": "EUR", "threshold": "50", "approvers": ["Ana"], "approvals_needed": "1"},
        follow=True,
    )
    assert "nobody approves their own spending" in answer.content.decode()
    assert not Proposal.objects.filter(kind="amendment").exists()


def test_the_page_shows_balances_budget_against_actual_and_an_overspent_line_in_words(cell, client):
    now = timezone.now()
    adopt_budget(cell, now)
    record(cell, now, amount="80.00", description="Bean seeds")
    record(cell, now, amount="99.00", description="Spades", category="Tools", budget_line="Tools")
    request = ask_spend(cell, now, amount="60.00")
    for name in ("ana", "fay"):
        request = services.do_approve(cell.members[name], request, now)
    services.do_record(services.check_pay(cell.members["nico"], request, now.date(), now), now)
    html = page(client)
    assert "−239.00 EUR" in html  # Cash: 80 + 99 + 60 went out, nothing came in
    assert "over budget by 9.00 EUR" in html  # Tools: 159 of 150
    assert "220.00 EUR" in html  # Seeds: 300 - 80 remaining
    assert '<rect class="actual over"' in html
    assert 'width="100"' in html
    assert "style=" not in html


def test_approved_but_unpaid_says_what_the_account_lacks(cell, client):
    now = timezone.now()
    record(cell, now, direction="in", amount="120.00", category="Donations", budget_line="", description="Gift")
    request = ask_spend(cell, now, budget_line="")
    waiting = page(client, cell.users["ana"])
    assert "waiting for approval" in waiting
    assert "it is above the charter&#x27;s threshold and it is not on a line of the adopted budget" in waiting
    for name in ("ana", "fay"):
        client.force_login(cell.users[name])
        client.post(f"{BOOKS}spends/{request.number}/approve")
    html = page(client)
    assert "approved, not paid: 180.00 EUR; Cash holds 120.00 EUR" in html
    assert "60.00 EUR short" in html
    assert "Record the payment" not in html


def test_forms_appear_for_who_may_use_them(cell, client):
    now = timezone.now()
    adopt_budget(cell, now)
    visitor = page(client)
    assert 'id="record"' not in visitor
    assert 'id="propose-budget"' not in visitor
    member = page(client, cell.users["fay"])
    assert 'id="propose-budget"' in member
    assert 'id="record"' not in member
    keeper = page(client, cell.users["nico"])
    assert 'id="record"' in keeper


def test_a_member_who_keeps_no_books_is_refused_and_nothing_changes(cell, client):
    now = timezone.now()
    size = ledger_size(cell)
    client.force_login(cell.users["ana"])
    fields = {"day": now.date().isoformat(), "direction": "in", "amount": "5", "description": "Gift"}
    answer = client.post(BOOKS + "record", fields | {"account": "Cash", "category": "Donations"}, follow=True)
    assert "treasurer" in answer.content.decode()
    assert not BookTransaction.objects.exists()
    assert ledger_size(cell) == size


def test_a_visitor_cannot_record(cell, client):
    now = timezone.now()
    fields = {"day": now.date().isoformat(), "direction": "in", "amount": "5", "description": "Gift"}
    answer = client.post(BOOKS + "record", fields | {"account": "Cash", "category": "Donations"}, follow=True)
    assert answer.status_code == 200
    assert "Only members of Oak Street Garden can do this." in answer.content.decode()
    assert not BookTransaction.objects.exists()


@pytest.mark.parametrize(
    ("fields", "sentence"),
    [
        ({"amount": "1.234"}, "more decimal places than EUR allows"),
        ({"amount": "12.5e3"}, "is not an amount"),
        ({"amount": "0"}, "more than zero"),
        ({"day": "yesterday"}, "YYYY-MM-DD"),
        ({"direction": "sideways"}, "came in, went out or moved"),
        ({"description": ""}, "Describe it"),
        ({"budget_line": "Holidays"}, "no line called"),
        ({"amount": "500"}, "needs approval first"),
        ({"contributor": "99999"}, "from a member of this assembly"),
    ],
)
def test_bad_input_is_refused_on_the_page_with_a_sentence_and_changes_nothing(cell, client, fields, sentence):
    now = timezone.now()
    adopt_budget(cell, now)
    size = ledger_size(cell)
    client.force_login(cell.users["nico"])
    values = {
        "day": now.date().isoformat(),
        "direction": "out",
        "amount": "20.00",
        "description": "Bean seeds",
        "account": "Cash",
        "category": "Seeds and plants",
        "budget_line": "Seeds",
    } | fields
    answer = client.post(BOOKS + "record", values, follow=True)
    assert answer.status_code == 200
    html = answer.content.decode()
    assert sentence in html.replace("&#x27;", "'").replace("&quot;", '"')
    assert not BookTransaction.objects.exists()
    assert ledger_size(cell) == size


def test_a_receipt_is_uploaded_and_served_to_those_the_charter_allows(cell, client):
    now = timezone.now()
    adopt_budget(cell, now)
    client.force_login(cell.users["nico"])
    data = b"Seed shop, 20.00 EUR, paid cash"
    upload = SimpleUploadedFile("receipt.txt", data, content_type="text/plain")
    values = {
        "day": now.date().isoformat(),
        "direction": "out",
        "amount": "20.00",
        "description": "Bean seeds",
        "account": "Cash",
        "category": "Seeds and plants",
        "budget_line": "Seeds",
        "receipt": upload,
    }
    client.post(BOOKS + "record", values)
    row = BookTransaction.objects.get()
    digest = Receipt.objects.get().digest
    assert row.receipt == digest
    client.logout()
    served = client.get(f"{BOOKS}receipts/{digest}")
    assert served.status_code == 200
    assert served.content == data
    assert client.get(f"{BOOKS}receipts/{'0' * 64}").status_code == 404
    assert client.get(f"{BOOKS}receipts/xyz").status_code == 404


def test_receipts_for_members_only_are_refused_to_others_with_a_sentence(db, client):
    cell = build_books_cell(core.BooksRules(EUR, core.Amount(10000, EUR), receipts=core.Visibility.MEMBERS))
    now = timezone.now()
    receipt = services.ReceiptFile(b"%PDF-1.4 a receipt", "application/pdf", "r.pdf")
    record(cell, now, direction="in", budget_line="", category="Donations", description="Gift", receipt=receipt)
    path = f"{BOOKS}receipts/{receipt.digest}"
    refused = client.get(path)
    assert refused.status_code == 403
    assert "members only" in refused.content.decode()
    client.force_login(cell.users["otto"])
    assert client.get(path).status_code == 403
    assert receipt.digest in page(client, path=f"{BOOKS}1/")
    assert "Open the receipt" not in page(client, path=f"{BOOKS}1/")
    assert f'href="{path}"' not in page(client)
    client.force_login(cell.users["ana"])
    assert client.get(path).content == receipt.data
    assert f'href="{path}"' in page(client)


def test_filters_search_and_pages(cell, client):
    now = timezone.now()
    adopt_budget(cell, now)
    record(cell, now, amount="1.00", description="Bean seeds")
    record(cell, now, amount="2.00", description="Tomato seedlings")
    record(cell, now, amount="3.00", description="A spade", category="Tools", budget_line="Tools")
    record(cell, now, direction="in", amount="40", category="Donations", budget_line="", description="Gift at fair")
    old = {"direction": "in", "category": "Donations", "budget_line": ""}
    record(cell, now, day=now.date() - timedelta(days=3), amount="4.00", description="Old bean money", **old)

    def shown(**query):
        html = page(client, **query)
        return [d for d in ("Bean seeds", "Tomato seedlings", "A spade", "Gift at fair", "Old bean money") if d in html]

    assert shown(q="bean") == ["Bean seeds", "Old bean money"]
    assert shown(line="Tools") == ["A spade"]
    assert shown(flow="in") == ["Gift at fair", "Old bean money"]
    assert shown(account="Tools") == ["A spade"]
    assert shown(**{"from": now.date().isoformat()}) == ["Bean seeds", "Tomato seedlings", "A spade", "Gift at fair"]
    assert shown(to=(now.date() - timedelta(days=1)).isoformat()) == ["Old bean money"]
    assert "could not be read" in page(client, **{"from": "last week"})
    for i in range(50):
        record(cell, now, amount="0.10", description=f"Twine {i:02d}")
    first, second = page(client), page(client, page="2")
    assert "Twine 49" in first
    assert "Twine 00" in first
    assert "A spade" not in first
    assert "Twine 00" not in second
    assert "A spade" in second
    assert "page 2 of 2" in second
    assert "A spade" in page(client, page="999999999")  # past the last page: the last page
    assert "Twine 49" in page(client, page="9" * 5000)  # not a page number: the first page


def test_a_reversal_says_what_it_reverses_and_the_reversed_says_it_was_corrected(cell, client):
    now = timezone.now()
    adopt_budget(cell, now)
    wrong = record(cell, now, amount="45.00")
    client.force_login(cell.users["fay"])
    client.post(f"{BOOKS}{wrong.number}/reverse", {"reason": "Typed 45 for 4.50"})
    assert not BookTransaction.objects.filter(reverses=wrong).exists()
    client.force_login(cell.users["nico"])
    answer = client.post(f"{BOOKS}{wrong.number}/reverse", {"reason": ""}, follow=True)
    assert "Say in 3 to 500 characters why" in answer.content.decode()
    client.post(f"{BOOKS}{wrong.number}/reverse", {"reason": "Typed 45 for 4.50"})
    undo = BookTransaction.objects.get(reverses=wrong)
    listing = page(client)
    assert f"Reverses transaction {wrong.number}: Typed 45 for 4.50" in listing
    assert f"Corrected by transaction {undo.number}." in listing
    original = page(client, path=f"{BOOKS}{wrong.number}/")
    assert "This transaction was corrected: Typed 45 for 4.50" in original
    assert 'id="reverse"' not in original


def test_each_member_sees_only_their_own_contributions_and_keepers_see_who_paid(cell, client):
    now = timezone.now()
    for name, amount in (("ana", "30"), ("fay", "12")):
        record(
            cell,
            now,
            direction="in",
            amount=amount,
            category="Members' contributions",
            budget_line="",
            description="Dues",
            contributor=cell.members[name],
        )
    visitor = page(client)
    assert "Members have contributed 42.00 EUR in all." in visitor
    assert "Ana" not in visitor.split('id="transactions"')[1].split("</table>")[0]
    assert "paid 30.00 EUR" not in visitor
    ana = page(client, cell.users["ana"])
    assert "You paid 30.00 EUR" in ana
    assert "You paid 12.00 EUR" not in ana
    assert "Fay paid" not in ana
    keeper = page(client, cell.users["nico"])
    assert "Ana paid 30.00 EUR" in keeper
    assert "Fay paid 12.00 EUR" in keeper


def test_a_budget_is_proposed_from_rows_of_the_form(cell, client):
    now = timezone.now()
    client.force_login(cell.users["fay"])
    rows = {
        "title": "Summer budget",
        "start": now.date().isoformat(),
        "end": (now.date() + timedelta(days=60)).isoformat(),
        "name_0": "Seeds",
        "category_0": "Seeds and plants",
        "kind_0": "expense",
        "purpose_0": "Beans",
        "amount_0": "120.00",
        "kind_1": "expense",
        "name_2": "Fair",
        "category_2": "Donations",
        "kind_2": "income",
        "purpose_2": "Stall at the fair",
        "amount_2": "50",
    }
    answer = client.post(BOOKS + "budget", rows)
    proposal = Proposal.objects.get(kind="budget")
    assert answer["Location"].endswith(f"/proposals/{proposal.number}/")
    lines = proposal.payload["budget"]["lines"]
    assert [(line["name"], line["amount"]["minor"]) for line in lines] == [("Seeds", 12000), ("Fair", 5000)]
    bad = client.post(BOOKS + "budget", rows | {"amount_0": "-3"}, follow=True)
    assert "Give an amount of more than zero" in bad.content.decode()
    assert Proposal.objects.filter(kind="budget").count() == 1


def test_csv_has_one_row_per_posting_with_decimal_amounts_and_the_page_filters(cell, client):
    now = timezone.now()
    adopt_budget(cell, now)
    seeds = record(cell, now, amount="12.50")
    record(cell, now, direction="in", amount="40", category="Donations", budget_line="", description="Gift")
    services.do_record(services.check_reverse(cell.members["nico"], seeds, "Wrong shop", now), now)
    answer = client.get("/assemblies/oak-street/books.csv")
    assert answer["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(answer.content.decode())))
    assert rows[0] == [
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
    ]
    body = rows[1:]
    assert len(body) == 6
    assert ["3", now.date().isoformat(), "Bean seeds", "Seeds and plants", "-12.50", "EUR", "Seeds", "", "1"] == body[
        0
    ][:9]
    assert body[0][9:] == ["Wrong shop", "Nico"]
    assert sorted(r[4] for r in body if r[0] == "1") == ["-12.50", "12.50"]
    only_in = list(csv.reader(io.StringIO(client.get("/assemblies/oak-street/books.csv?flow=in").content.decode())))
    assert [r[0] for r in only_in[1:]] == ["2", "2"]


def test_the_assembly_page_links_to_its_books(cell, client):
    assert 'href="/assemblies/oak-street/books/"' in page(client, path="/assemblies/oak-street/")


def test_waiting_spends_can_be_approved_only_by_other_approvers(cell, client):
    now = timezone.now()
    request = ask_spend(cell, now, budget_line="")
    approve = f'action="{BOOKS}spends/{request.number}/approve"'
    assert approve not in page(client, cell.users["nico"])
    assert approve in page(client, cell.users["ana"])
    client.force_login(cell.users["nico"])
    refused = client.post(f"{BOOKS}spends/{request.number}/approve", follow=True)
    assert "Nobody approves their own spending." in refused.content.decode()
    client.force_login(cell.users["otto"])
    client.post(f"{BOOKS}spends/{request.number}/approve")
    request.refresh_from_db()
    assert request.status == SpendRequest.Status.WAITING
    assert not request.approvals.exists()
    client.force_login(cell.users["ana"])
    client.post(f"{BOOKS}spends/{request.number}/decline", {"reason": "Too dear"})
    request.refresh_from_db()
    assert request.status == SpendRequest.Status.DECLINED


def test_csv_cells_that_start_like_a_formula_are_quoted_so_a_spreadsheet_shows_them_as_text(cell, client):
    now = timezone.now()
    adopt_budget(cell, now)
    record(cell, now, amount="3", description='=HYPERLINK("http://example.org","refund")')
    rows = list(csv.reader(io.StringIO(client.get("/assemblies/oak-street/books.csv").content.decode())))
    described = {row[2] for row in rows[1:]}
    assert described == {'\'=HYPERLINK("http://example.org","refund")'}
    assert {row[4] for row in rows[1:]} == {"3.00", "-3.00"}  # amounts stay numbers


def test_a_search_pages_through_its_matches_without_counting_them_all(cell, client):
    now = timezone.now()
    adopt_budget(cell, now)
    for i in range(53):
        record(cell, now, amount="1", description=f"Bean seeds, packet {i}")
    record(cell, now, amount="1", description="Tomato seedlings")
    first = page(client, q="bean")
    assert "page 1" in first
    assert "older →" in first
    assert "of" not in first.split("page 1")[1][:4]
    assert "transactions</p>" not in first  # no total: only the pages it read
    second = page(client, q="bean", page="2")
    assert second.count("Bean seeds, packet") == 3
    assert "older →" not in second
    assert "← newer" in second
    assert "54 transactions" in page(client)  # without a search the count is exact
