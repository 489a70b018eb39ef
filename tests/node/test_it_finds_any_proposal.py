"""Every proposal (and meeting) an assembly ever had is in its archive: proposals searched by title and text,
narrowed by state, method and the day they opened, a page at a time."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from confederal.node.decisions.services import check_propose, do_propose, do_withdraw
from confederal.node.meetings.services import check_schedule, do_schedule
from confederal.node.web import now

from .cell import build_cell

ARCHIVE = "/assemblies/oak-street/proposals/"


@pytest.fixture
def cell(db):
    cell = build_cell()  # proposal 1: "Plant beans in April", consent, open
    ana = cell.members["ana"]
    for i in range(2, 46):
        do_propose(check_propose(ana, title=f"Buy seed packet {i:02d}", method="simple_majority"), now())
    do_propose(check_propose(ana, title="Compost rota", text="Who turns the heap on Sundays?", method="consent"), now())
    shed = do_propose(check_propose(ana, title="Build a shed", method="consent"), now())
    do_withdraw(ana, shed, now())
    return cell


def _page(client, **query) -> str:
    answer = client.get(ARCHIVE, query)
    assert answer.status_code == 200
    return answer.content.decode()


def test_it_lists_every_proposal_newest_first_a_page_at_a_time(cell, client):
    first = _page(client)
    assert "47 proposals" in first
    assert "#47 Build a shed" in first
    assert "#28 Buy seed packet 28" in first
    assert "#27 Buy seed packet 27" not in first
    assert "page 1 of 3" in first
    third = _page(client, page="3")
    assert "#1 Plant beans in April" in third
    assert "older →" not in third
    assert "#1 Plant beans in April" in _page(client, page="999999")  # past the end: the last page
    assert "#47 Build a shed" in _page(client, page="not-a-number")
    # The assembly page links to it.
    assert f'href="{ARCHIVE}"' in client.get(reverse("assembly", args=["oak-street"])).content.decode()


def test_it_searches_titles_and_texts(cell, client):
    found = _page(client, q="heap")
    assert "#46 Compost rota" in found
    assert "1 proposal" in found
    assert "Buy seed" not in found
    assert "#1 Plant beans in April" in _page(client, q="BEANS")
    assert "No proposal matches." in _page(client, q="zeppelin")


def test_it_narrows_by_state_and_method_and_shows_each_state(cell, client):
    withdrawn = _page(client, status="withdrawn")
    assert "#47 Build a shed" in withdrawn
    assert "1 proposal" in withdrawn
    assert ">withdrawn</span>" in withdrawn
    consent_open = _page(client, status="open", method="consent")
    assert "2 proposals" in consent_open
    assert "open, closes" in consent_open
    assert "Buy seed" not in consent_open
    # The filters are kept when turning pages.
    majority = _page(client, method="simple_majority")
    assert "44 proposals" in majority
    assert "?method=simple_majority&amp;page=2" in majority


def test_it_narrows_by_the_day_a_proposal_opened_and_explains_a_bad_day(cell, client):
    today = now().date()
    assert "47 proposals" in _page(client, since=today.isoformat(), until=today.isoformat())
    assert "No proposal matches." in _page(client, since=(today + timedelta(days=1)).isoformat())
    bad = _page(client, since="31/12/2026")
    assert "Give days as YYYY-MM-DD; “31/12/2026” was left out of the search." in bad
    assert "47 proposals" in bad
    assert "47 proposals" in _page(client, status="nonsense", method="<script>")


def test_it_lists_every_meeting_a_page_at_a_time(cell, client):
    for day in range(1, 25):
        draft = check_schedule(
            cell.members["ana"],
            title=f"Weekly meeting {day:02d}",
            starts_at=now() + timedelta(days=day),
            minutes=60,
            place="",
            agenda=[],
            now=now(),
        )
        do_schedule(draft)
    first = client.get("/assemblies/oak-street/meetings/").content.decode()
    assert "25 meetings" in first
    assert "Weekly meeting 24" in first
    assert "Weekly meeting 04" not in first
    second = client.get("/assemblies/oak-street/meetings/", {"page": "2"}).content.decode()
    assert "Weekly meeting 04" in second
    assert "Spring meeting" in second
    assert 'href="/assemblies/oak-street/meetings/"' in client.get("/assemblies/oak-street/").content.decode()
