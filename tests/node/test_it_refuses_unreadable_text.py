"""Titles and names people can read as they are: no invisible, control or direction-changing characters,
and no public name that looks just like another member's."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from confederal.node.assemblies.services import (
    check_accept_invitation,
    check_found_assembly,
    check_public_name,
    do_accept_invitation,
    do_create_invitation,
)
from confederal.node.decisions.models import Proposal
from confederal.node.decisions.services import check_amendment, check_propose
from confederal.node.errors import Refused
from confederal.node.meetings.services import check_schedule
from confederal.node.text import check_line

from .cell import build_cell, user

UNREADABLE = [
    "   ",
    "\u200b\u200b\u200b\u200b",  # zero-width spaces
    "\u200d\u200d\u200d",  # joiners alone
    "\u3164\u3164\u3164",  # Hangul fillers: letters drawn as nothing
    "Plant\x00 beans",
    "Plant \x1b[31mbeans",
    "Plant beans\x7f",
    "Pay \u202eevil\u202c now",
    "Pay \u2066evil\u2069 now",
    "Pay \u202aevil\u202c now",
    "Pay \u2067evil\u2069 now",
    "Plant \ufeffbeans",
    "Plant \ue000beans",  # private use
]


@pytest.fixture
def cell(db):
    return build_cell()


@pytest.mark.parametrize("text", UNREADABLE)
def test_the_shared_check_refuses_unreadable_titles_with_a_sentence(text):
    with pytest.raises(Refused) as refused:
        check_line(text, 3, 200, "bad_title", "Give it a title of 3 to 200 characters.")
    assert refused.value.code == "bad_title"
    assert refused.value.message.endswith(".")


@pytest.mark.parametrize(
    "text", ["Plant beans", "Ernte 2027 — ja!", "می\u200cخواهم", "👩\u200d🌾 Gardeners", "Ünïcödé"]
)
def test_the_shared_check_keeps_ordinary_titles(text):
    assert check_line(text, 3, 200, "bad_title", "Too short.") == " ".join(text.split())


def test_every_service_that_takes_a_title_or_name_refuses_unreadable_text(cell):
    for text in UNREADABLE:
        assert _accepted(cell, text) == [], repr(text)
    assert Proposal.objects.count() == 1


def _accepted(cell, text: str) -> list[str]:
    """What takes ``text`` as a title or a name without a refusal."""
    ana, now = cell.members["ana"], timezone.now()
    attempts = {
        "proposal": lambda: check_propose(ana, title=text),
        "option": lambda: check_propose(ana, title="Pick a day", method="approval", options=["Monday", text]),
        "meeting": lambda: check_schedule(
            ana, title=text, starts_at=now + timedelta(days=1), minutes=60, place="", agenda=[], now=now
        ),
        "agenda": lambda: check_schedule(
            ana, title="Spring", starts_at=now + timedelta(days=1), minutes=60, place="", agenda=[text], now=now
        ),
        "assembly": lambda: check_found_assembly(
            cell.users["otto"],
            name=text,
            slug="new-one",
            focus="food",
            principles="x",
            public_name="Otto",
            today=now.date(),
        ),
        "renaming": lambda: check_amendment(ana, {"name": text}, None, "", now),
        "public name": lambda: check_public_name(cell.assembly, text),
        "invitation": lambda: check_accept_invitation(
            cell.users["otto"], do_create_invitation(ana, now).token, text, now
        ),
    }
    if not text.strip():
        del attempts["agenda"]  # a blank line in the agenda is skipped, not refused
    accepted = []
    for what, attempt in attempts.items():
        try:
            attempt()
        except Refused:
            continue
        accepted.append(what)
    return accepted


def test_the_api_refuses_an_unreadable_title_with_its_error(cell, client):
    client.force_login(cell.users["ana"])
    answer = client.post(
        "/api/assemblies/oak-street/proposals", {"title": "Pay \u202eevil\u202c now"}, content_type="application/json"
    )
    assert answer.status_code == 400
    assert answer.json()["code"] == "bad_title"
    assert "direction" in answer.json()["detail"]


def test_a_public_name_that_looks_like_a_members_is_refused(cell):
    for lookalike in ["Аna", "ANA", "Ana\u200d", "Nicо", "Fаy"]:
        with pytest.raises(Refused) as refused:
            check_public_name(cell.assembly, lookalike)
        assert refused.value.code == "public_name_lookalike"
        assert "looks just like" in refused.value.message


def test_jonas_and_jonas_with_a_cyrillic_o_cannot_both_join(cell):
    now = timezone.now()
    invitation, name = check_accept_invitation(
        cell.users["otto"], do_create_invitation(cell.members["ana"], now).token, "Jonas", now
    )
    do_accept_invitation(cell.users["otto"], invitation, name, now)
    with pytest.raises(Refused) as refused:
        check_accept_invitation(user("zoe"), do_create_invitation(cell.members["ana"], now).token, "J\u043enas", now)
    assert refused.value.code == "public_name_lookalike"
    # Names that only look different stay allowed.
    assert check_public_name(cell.assembly, "Jonah") == "Jonah"
    assert check_public_name(cell.assembly, "Anna") == "Anna"
