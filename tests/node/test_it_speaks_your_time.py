"""Times are shown, and typed, in the reader's own zone if they chose one, else the assembly's, always named."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from confederal.node.accounts.models import Preferences
from confederal.node.errors import Refused
from confederal.node.federation.views import _minute
from confederal.node.meetings.models import Meeting

from .cell import build_cell


@pytest.fixture
def cell(db):
    return build_cell(changes={"time_zone": "Europe/Berlin"})


def _schedule(client, day: str, time: str, title: str = "Winter meeting"):
    form = {"title": title, "date": day, "time": time, "minutes": "60", "place": "", "agenda": ""}
    return client.post(reverse("schedule", args=["oak-street"]), form, follow=True)


def test_it_moves_the_meeting_when_you_change_your_zone(cell, client):
    client.force_login(cell.users["fay"])
    form = client.get(reverse("schedule", args=["oak-street"])).content.decode()
    assert "Times are in Europe/Berlin." in form
    page = _schedule(client, "2027-01-15", "18:00").content.decode()
    meeting = Meeting.objects.get(title="Winter meeting")
    assert meeting.starts_at == datetime(2027, 1, 15, 17, 0, tzinfo=UTC)
    assert "15 January 2027, 18:00 CET" in page

    answer = client.post(reverse("time-zone"), {"time_zone": "America/New_York"}, follow=True)
    assert "Times are now shown, and typed, in America/New_York." in answer.content.decode()
    assert Preferences.objects.get(user=cell.users["fay"]).time_zone == "America/New_York"
    page = client.get(reverse("meeting", args=["oak-street", meeting.number])).content.decode()
    assert "15 January 2027, 12:00 EST" in page
    assert "CET" not in page
    # Typed times are read in the person's zone too, and the form says so.
    assert "Times are in America/New_York." in client.get(reverse("schedule", args=["oak-street"])).content.decode()
    _schedule(client, "2027-01-16", "09:00", "Morning meeting")
    assert Meeting.objects.get(title="Morning meeting").starts_at == datetime(2027, 1, 16, 14, 0, tzinfo=UTC)
    # The calendar file names the zone its reader sees.
    assert (
        "X-WR-TIMEZONE:America/New_York" in client.get(reverse("meeting-ics", args=["oak-street", 2])).content.decode()
    )

    # Another member still reads the assembly's zone; the choice follows Fay to her next sign-in.
    client.force_login(cell.users["ana"])
    assert (
        "15 January 2027, 18:00 CET"
        in client.get(reverse("meeting", args=["oak-street", meeting.number])).content.decode()
    )
    client.force_login(cell.users["fay"])
    assert "12:00 EST" in client.get(reverse("meeting", args=["oak-street", meeting.number])).content.decode()

    # Going back to the assembly's zone.
    client.post(reverse("time-zone"), {"time_zone": ""})
    assert "18:00 CET" in client.get(reverse("meeting", args=["oak-street", meeting.number])).content.decode()


def test_it_refuses_a_zone_that_does_not_exist_and_keeps_yours(cell, client):
    client.force_login(cell.users["ana"])
    client.post(reverse("time-zone"), {"time_zone": "Asia/Tokyo"})
    answer = client.post(reverse("time-zone"), {"time_zone": "Mars/Olympus"}, follow=True)
    assert "Mars/Olympus is not a time zone" in answer.content.decode()
    assert Preferences.objects.get(user=cell.users["ana"]).time_zone == "Asia/Tokyo"
    account = client.get(reverse("account")).content.decode()
    assert '<option value="Asia/Tokyo" selected>' in account


@pytest.mark.parametrize(
    ("day", "time", "says"),
    [
        ("2027-03-28", "02:30", "02:30 on 28 March 2027 does not exist in Europe/Berlin: the clocks go forward then."),
        ("2027-10-31", "02:30", "02:30 on 31 October 2027 happens twice in Europe/Berlin: the clocks go back then."),
        ("2027-13-01", "18:00", "Give the day as YYYY-MM-DD and the time as HH:MM (Europe/Berlin)."),
    ],
)
def test_it_explains_a_time_the_clocks_skip_or_repeat(cell, client, day, time, says):
    client.force_login(cell.users["fay"])
    before = Meeting.objects.count()
    answer = _schedule(client, day, time)
    assert answer.status_code == 400
    assert says in answer.content.decode()
    assert Meeting.objects.count() == before


def test_a_council_time_typed_on_the_federation_page_is_read_in_the_readers_zone():
    with timezone.override(zoneinfo.ZoneInfo("Europe/Berlin")):
        assert _minute("2027-01-15T18:00") == "2027-01-15T17:00:00Z"
        assert _minute("2027-07-15T18:00") == "2027-07-15T16:00:00Z"
        with pytest.raises(Refused, match="does not exist in Europe/Berlin"):
            _minute("2027-03-28T02:30")
    assert _minute("") == ""
