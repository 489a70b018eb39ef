"""Acts that cannot be undone (leave, withdraw, reverse a transaction) ask first on a page of their own, saying what
becomes public and permanent, with Cancel; the act itself still checks everything."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from confederal.node.assemblies.models import Member
from confederal.node.books.models import BookTransaction
from confederal.node.decisions.models import Proposal
from confederal.node.ledgers.models import Ledger

from .books_cell import adopt_budget, build_books_cell, record
from .cell import build_cell


@pytest.fixture
def cell(db):
    return build_cell()


def _post_the_confirm_form(client, page: str, path: str):
    form = re.search(r'<form method="post" action="([^"]+)">(.*?)</form>', page, re.S)
    assert form
    assert form.group(1) == path
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form.group(2)))
    return client.post(path, fields, follow=True)


def test_it_asks_before_you_leave_and_says_what_the_ledger_keeps(cell, client):
    client.force_login(cell.users["fay"])
    assembly_page = client.get(reverse("assembly", args=["oak-street"])).content.decode()
    leave = reverse("leave", args=["oak-street"])
    assert f'href="{leave}"' in assembly_page  # a link to the question, not a button that acts
    size = Ledger.objects.get(pk=cell.assembly.ledger_id).size
    page = client.get(leave).content.decode()
    assert "Leave Oak Street Garden?" in page
    assert "What will be public" in page
    assert "records that Fay left Oak Street Garden today" in page
    assert "can never be removed" in page
    assert f'href="{reverse("assembly", args=["oak-street"])}">Cancel</a>' in page
    assert Member.objects.get(pk=cell.members["fay"].pk).left_at is None  # asking changed nothing
    assert Ledger.objects.get(pk=cell.assembly.ledger_id).size == size
    done = _post_the_confirm_form(client, page, leave)
    assert "You have left Oak Street Garden." in done.content.decode()
    assert Member.objects.get(pk=cell.members["fay"].pk).left_at is not None
    assert Ledger.objects.get(pk=cell.assembly.ledger_id).size == size + 1


def test_it_does_not_ask_someone_who_cannot_leave(cell, client):
    client.force_login(cell.users["otto"])
    answer = client.get(reverse("leave", args=["oak-street"]), follow=True)
    assert "Leave Oak Street Garden?" not in answer.content.decode()
    assert answer.redirect_chain[-1][0] == reverse("assembly", args=["oak-street"])


def test_it_asks_the_author_before_withdrawing_and_no_one_else(cell, client):
    withdraw = reverse("withdraw", args=["oak-street", cell.proposal.number])
    client.force_login(cell.users["fay"])
    refused = client.get(withdraw, follow=True).content.decode()
    assert "Only the person who proposed it can withdraw it" in refused
    client.force_login(cell.users["ana"])
    assert f'href="{withdraw}"' in client.get(reverse("proposal", args=["oak-street", 1])).content.decode()
    page = client.get(withdraw).content.decode()
    assert f"Withdraw proposal {cell.proposal.number}?" in page
    assert "Nothing is written to the public ledger" in page
    assert Proposal.objects.get(pk=cell.proposal.pk).status == Proposal.Status.OPEN
    assert "The proposal is withdrawn." in _post_the_confirm_form(client, page, withdraw).content.decode()
    assert Proposal.objects.get(pk=cell.proposal.pk).status == Proposal.Status.WITHDRAWN
    # Once withdrawn, there is nothing left to ask about.
    assert "Withdraw proposal" not in client.get(withdraw, follow=True).content.decode()


def test_it_asks_before_a_reversal_naming_the_reason_that_will_be_public(db, client):
    cell = build_books_cell()
    now = timezone.now()
    adopt_budget(cell, now)
    wrong = record(cell, now, amount="45.00")
    path = f"/assemblies/oak-street/books/{wrong.number}/reverse"
    client.force_login(cell.users["nico"])
    page = client.get(path, {"reason": "Typed 45 for 4.50"}).content.decode()
    assert f"Reverse transaction {wrong.number}?" in page
    assert "your reason (“Typed 45 for 4.50”) are written to the assembly&#x27;s public ledger" in page
    assert not BookTransaction.objects.filter(reverses=wrong).exists()
    # A reason too short is said before the question is asked.
    assert "Say in 3 to 500 characters why" in client.get(path, {"reason": ""}, follow=True).content.decode()
    _post_the_confirm_form(client, page, path)
    assert BookTransaction.objects.filter(reverses=wrong).count() == 1
