"""The books' JSON API: the summary's exact shape, transactions with filters, and every write refused with a sentence
and nothing changed when it should be."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from django.utils import timezone

from confederal.node.books import services
from confederal.node.books.models import BookAccount, BookTransaction, Receipt, SpendRequest
from confederal.node.decisions.models import Proposal
from confederal.node.ledgers.models import Ledger

from .books_cell import adopt_budget, ask_spend, build_books_cell, record
from .cell import build_cell

BOOKS = "/api/assemblies/oak-street/books"


@pytest.fixture
def cell(db):
    return build_books_cell()


def post(client, path, body):
    return client.post(path, body, content_type="application/json")


def ledger_size(cell):
    return Ledger.objects.get(pk=cell.assembly.ledger_id).size


def test_the_summary_has_exactly_the_promised_shape_and_figures(cell, client):
    now = timezone.now()
    proposal = adopt_budget(cell, now)
    record(cell, now, amount="20.00")
    record(cell, now, direction="in", amount="50", category="Members' contributions", budget_line="Dues")
    answer = client.get(BOOKS)
    assert answer.status_code == 200
    data = answer.json()
    assert set(data) == {"assembly", "ledger_size", "currency", "accounts", "budget", "transactions"}
    assert data["assembly"] == "oak-street"
    assert data["ledger_size"] == ledger_size(cell)
    assert data["currency"] == {"code": "EUR", "exponent": 2, "kind": "iso"}
    balances = {a["name"]: (a["kind"], a["balance"]) for a in data["accounts"]}
    assert balances == {a.name: (a.kind, a.balance) for a in BookAccount.objects.filter(assembly=cell.assembly)}
    assert balances["Cash"] == ("cash", 3000)
    assert data["accounts"][0]["name"] == "Cash"  # what the assembly holds comes first
    assert set(data["accounts"][0]) == {"name", "kind", "balance"}
    budget = data["budget"]
    assert set(budget) == {"decision", "title", "start", "end", "lines"}
    assert budget["decision"] == proposal.number
    assert budget["start"] == (now.date() - timedelta(days=1)).isoformat()
    seeds, tools, dues = budget["lines"]
    assert seeds == {
        "name": "Seeds",
        "category": "Seeds and plants",
        "kind": "expense",
        "budgeted": 30000,
        "spent": 2000,
        "remaining": 28000,
        "over": False,
    }
    assert tools["spent"] == 0
    assert dues["spent"] == 5000
    assert data["transactions"] == 2


def test_an_assembly_without_books_answers_404_with_a_sentence(db, client):
    build_cell()
    answer = client.get(BOOKS)
    assert answer.status_code == 404
    assert answer.json()["code"] == "no_books"
    assert client.get(BOOKS + "/transactions").status_code == 404


def test_the_summary_has_no_budget_when_none_is_in_force(cell, client):
    assert client.get(BOOKS).json()["budget"] is None


def test_transactions_are_listed_with_filters_and_pages(cell, client):
    now = timezone.now()
    adopt_budget(cell, now)
    wrong = record(cell, now, amount="12.50")
    record(cell, now, direction="in", amount="40", category="Donations", budget_line="", description="Gift")
    services.do_record(services.check_reverse(cell.members["nico"], wrong, "Wrong shop", now), now)
    data = client.get(BOOKS + "/transactions").json()
    assert data["count"] == 3
    assert [t["number"] for t in data["transactions"]] == [3, 2, 1]
    first = data["transactions"][2]
    assert first["reversed_by"] == 3
    assert first["postings"] == [{"account": "Seeds and plants", "amount": 1250}, {"account": "Cash", "amount": -1250}]
    assert data["transactions"][0]["reverses"] == 1
    assert data["transactions"][0]["reason"] == "Wrong shop"
    assert [t["number"] for t in client.get(BOOKS + "/transactions", {"flow": "in"}).json()["transactions"]] == [2]
    # The search reads descriptions (a reversal keeps its original's), not reasons.
    assert [t["number"] for t in client.get(BOOKS + "/transactions", {"q": "bean"}).json()["transactions"]] == [3, 1]
    assert client.get(BOOKS + "/transactions", {"q": "shop"}).json()["transactions"] == []
    assert client.get(BOOKS + "/transactions", {"from": "someday"}).status_code == 422
    tomorrow = (now.date() + timedelta(days=1)).isoformat()
    assert client.get(BOOKS + "/transactions", {"from": tomorrow}).json()["count"] == 0


def test_a_keeper_records_with_a_receipt_and_a_decimal_string(cell, client):
    now = timezone.now()
    adopt_budget(cell, now)
    client.force_login(cell.users["nico"])
    data = b"Seed shop, 20.00 EUR"
    body = {
        "day": now.date().isoformat(),
        "direction": "out",
        "amount": "20.00",
        "description": "Bean seeds",
        "account": "Cash",
        "category": "Seeds and plants",
        "budget_line": "Seeds",
        "receipt": {"media_type": "text/plain", "name": "r.txt", "data": base64.b64encode(data).decode()},
    }
    answer = post(client, BOOKS + "/transactions", body)
    assert answer.status_code == 201, answer.content
    assert answer.json()["amount"] == 2000
    assert answer.json()["receipt"] == Receipt.objects.get().digest
    assert bytes(Receipt.objects.get().data) == data


@pytest.mark.parametrize("amount", [20, 20.5, "20,5", "-3", "1e3", None])
def test_an_amount_that_is_not_a_decimal_string_is_refused_with_422_and_a_sentence(cell, client, amount):
    now = timezone.now()
    client.force_login(cell.users["nico"])
    size = ledger_size(cell)
    body = {
        "day": now.date().isoformat(),
        "direction": "in",
        "amount": amount,
        "description": "Gift",
        "account": "Cash",
        "category": "Donations",
    }
    answer = post(client, BOOKS + "/transactions", body)
    assert answer.status_code == 422
    assert answer.json()["detail"].endswith(".")
    if isinstance(amount, (int, float)):
        assert "decimal string" in answer.json()["detail"]
    assert ledger_size(cell) == size
    assert not BookTransaction.objects.exists()


def test_who_may_record_reverse_ask_approve_and_pay(cell, client):
    now = timezone.now()
    adopt_budget(cell, now)
    body = {
        "day": now.date().isoformat(),
        "direction": "in",
        "amount": "5",
        "description": "Gift",
        "account": "Cash",
        "category": "Donations",
    }
    assert post(client, BOOKS + "/transactions", body).status_code == 401
    client.force_login(cell.users["otto"])
    assert post(client, BOOKS + "/transactions", body).json()["code"] == "not_a_member"
    client.force_login(cell.users["ana"])
    refused = post(client, BOOKS + "/transactions", body)
    assert refused.status_code == 403
    assert refused.json()["detail"] == "Only the assembly's treasurer can do this."
    assert not BookTransaction.objects.exists()

    client.force_login(cell.users["nico"])
    over = body | {"direction": "out", "amount": "180.00", "category": "Tools", "budget_line": "Tools"}
    needs = post(client, BOOKS + "/transactions", over)
    assert needs.status_code == 400
    assert needs.json()["code"] == "needs_approval"
    asked = post(client, BOOKS + "/spends", over)
    assert asked.status_code == 201
    number = asked.json()["number"]
    assert asked.json()["status"] == "waiting"
    assert set(asked.json()["reasons"]) == {"above_threshold", "over_budget"}
    assert post(client, f"{BOOKS}/spends/{number}/approve", {}).json()["code"] == "own_spend"
    assert post(client, f"{BOOKS}/spends/{number}/pay", {"day": now.date().isoformat()}).status_code == 409
    for name in ("ana", "fay"):
        client.force_login(cell.users[name])
        approved = post(client, f"{BOOKS}/spends/{number}/approve", {})
        assert approved.status_code == 200
    assert approved.json()["status"] == "approved"
    assert approved.json()["approvals"] == ["Ana", "Fay"]
    assert post(client, f"{BOOKS}/spends/{number}/pay", {"day": now.date().isoformat()}).status_code == 403
    client.force_login(cell.users["nico"])
    paid = post(client, f"{BOOKS}/spends/{number}/pay", {"day": now.date().isoformat()})
    assert paid.status_code == 201
    assert paid.json()["approval"] == number
    assert SpendRequest.objects.get(number=number).status == SpendRequest.Status.PAID

    txn = paid.json()["number"]
    assert post(client, f"{BOOKS}/transactions/{txn}/reverse", {"reason": "no"}).status_code == 422
    undone = post(client, f"{BOOKS}/transactions/{txn}/reverse", {"reason": "Paid twice"})
    assert undone.status_code == 201
    assert undone.json()["reverses"] == txn
    again = post(client, f"{BOOKS}/transactions/{txn}/reverse", {"reason": "Paid twice"})
    assert again.status_code == 409
    assert post(client, f"{BOOKS}/transactions/999/reverse", {"reason": "Paid twice"}).status_code == 404


def test_a_spend_is_declined_with_its_reason(cell, client):
    now = timezone.now()
    adopt_budget(cell, now)
    number = ask_spend(cell, now).number
    client.force_login(cell.users["otto"])
    assert post(client, f"{BOOKS}/spends/{number}/decline", {"reason": "Too dear"}).status_code == 403
    client.force_login(cell.users["fay"])
    declined = post(client, f"{BOOKS}/spends/{number}/decline", {"reason": "Too dear"})
    assert declined.status_code == 200
    assert declined.json()["status"] == "declined"
    assert declined.json()["declined_reason"] == "Too dear"
    assert post(client, f"{BOOKS}/spends/{number}/approve", {}).status_code == 409


def test_a_member_proposes_a_budget_and_a_bad_one_changes_nothing(cell, client):
    now = timezone.now()
    client.force_login(cell.users["fay"])
    body = {
        "title": "Summer budget",
        "start": now.date().isoformat(),
        "end": (now.date() + timedelta(days=60)).isoformat(),
        "lines": [
            {"name": "Seeds", "category": "Seeds and plants", "kind": "expense", "purpose": "Beans", "amount": "120"}
        ],
    }
    answer = post(client, BOOKS + "/budgets", body)
    assert answer.status_code == 201
    assert answer.json()["kind"] == "budget"
    assert answer.json()["payload"]["budget"]["lines"][0]["amount"]["minor"] == 12000
    twice = body | {"lines": body["lines"] * 2}
    refused = post(client, BOOKS + "/budgets", twice)
    assert refused.status_code == 400
    assert "appears twice" in refused.json()["detail"]
    late = body | {"end": (now.date() - timedelta(days=1)).isoformat()}
    assert post(client, BOOKS + "/budgets", late).status_code == 400
    assert Proposal.objects.filter(kind="budget").count() == 1
