"""Controls appear only when they can work: no "I am here" or "Publish the minutes" days before a meeting, no ballot
once a vote's time is up; and the act itself refuses just the same."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from confederal.node import clock
from confederal.node.accounts.services import do_create_token
from confederal.node.meetings import services
from confederal.node.meetings.models import Attendance
from confederal.node.web import now

from .cell import build_cell


@pytest.fixture
def cell(db):
    return build_cell()


@pytest.fixture
def hooks(settings, tmp_path):
    settings.TEST_HOOKS = True
    settings.DATA_DIR = tmp_path
    return tmp_path


def _meeting_in_three_days(cell):
    draft = services.check_schedule(
        cell.members["fay"],
        title="Planting day",
        starts_at=now() + timedelta(days=3),
        minutes=90,
        place="",
        agenda=[],
        now=now(),
    )
    return services.do_schedule(draft)


def test_it_offers_no_check_in_or_minutes_days_before_a_meeting(cell, client):
    later = _meeting_in_three_days(cell)
    client.force_login(cell.users["fay"])
    page = client.get(reverse("meeting", args=["oak-street", later.number])).content.decode()
    assert "I am here" not in page
    assert "mark present" not in page
    assert "Publish the minutes" not in page
    assert "Attendance opens an hour before the meeting starts" in page
    # Sending the form anyway is refused with the same sentence, and nothing is recorded.
    answer = client.post(reverse("attend", args=["oak-street", later.number]), {"present": "1"}, follow=True)
    assert "Attendance opens an hour before the meeting starts." in answer.content.decode()
    assert not Attendance.objects.filter(meeting=later).exists()
    token = do_create_token(cell.users["fay"], "test", now())
    api = client.post(
        f"/api/assemblies/oak-street/meetings/{later.number}/attendance",
        {"present": True},
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert api.status_code == 409
    assert not Attendance.objects.filter(meeting=later).exists()


def test_it_offers_check_in_and_minutes_once_the_meeting_is_on(cell, client):
    client.force_login(cell.users["nico"])  # the note-taker; the meeting started five minutes ago
    page = client.get(reverse("meeting", args=["oak-street", cell.meeting.number])).content.decode()
    assert "I am here" in page
    assert "Publish the minutes" in page
    assert "Attendance opens" not in page


def test_it_offers_no_ballot_once_the_vote_time_is_up(cell, client, hooks):
    client.force_login(cell.users["fay"])
    proposal = reverse("proposal", args=["oak-street", cell.proposal.number])
    vote = reverse("vote", args=["oak-street", cell.proposal.number])
    assert f'action="{vote}"' in client.get(proposal).content.decode()
    clock.advance((cell.proposal.closes_at - now()).total_seconds() + 60)
    assert f'action="{vote}"' not in client.get(proposal).content.decode()


@pytest.mark.parametrize(
    ("path", "current"),
    [("/", "Assemblies"), ("/assemblies/oak-street/", "Assemblies"), ("/federations/", "Federations")],
)
def test_it_shows_where_you_are_and_lets_you_skip_to_the_content(cell, client, path, current):
    page = client.get(path).content.decode()
    assert f' aria-current="page">{current}</a>' in page
    assert page.count('aria-current="page"') == 1
    assert '<a class="skip" href="#content">Skip to content</a>' in page
    assert '<main id="content"' in page


def test_it_says_what_each_meeting_action_did(cell, client):
    client.force_login(cell.users["fay"])
    meeting = reverse("attend", args=["oak-street", cell.meeting.number])
    assert "You are marked present." in client.post(meeting, {"present": "1"}, follow=True).content.decode()
    other = str(cell.members["ana"].pk)
    said = client.post(meeting, {"member": other, "present": "1"}, follow=True).content.decode()
    assert "Ana is marked present." in said
    link = reverse("link-decision", args=["oak-street", cell.meeting.number])
    client.force_login(cell.users["nico"])
    said = client.post(link, {"proposal": str(cell.proposal.number)}, follow=True).content.decode()
    assert f"Proposal {cell.proposal.number} is linked to this meeting." in said
