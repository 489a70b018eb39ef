"""Meetings: schedule, attendance, notes, minutes published by digest, calendar export."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.utils import timezone

from confederal.ledger import decode_entry
from confederal.node.errors import Refused
from confederal.node.ledgers.models import Blob, LedgerEntry
from confederal.node.meetings import services
from confederal.node.meetings.models import Meeting

from .cell import build_cell


@pytest.fixture
def cell(db):
    return build_cell()


def test_publishing_minutes_stores_them_by_digest_and_records_the_meeting(cell, client):
    meeting = cell.meeting
    services.do_set_attendance(meeting, cell.members["ana"], True)
    services.do_set_attendance(meeting, cell.members["fay"], True)
    services.do_update_notes(meeting, "We agreed to plant beans.")
    services.do_link_decision(meeting, cell.proposal)
    digest = services.do_publish_minutes(meeting, cell.members["nico"], timezone.now())
    blob = bytes(Blob.objects.get(digest=digest).data)
    assert digest == "sha256:" + hashlib.sha256(blob).hexdigest()
    assert b"We agreed to plant beans." in blob
    meeting.refresh_from_db()
    entry = decode_entry(bytes(LedgerEntry.objects.get(ledger=cell.assembly.ledger, seq=meeting.ledger_seq).body))
    assert entry.kind == "meeting.minutes"
    assert entry.body["present"] == ["Ana", "Fay"]
    assert entry.body["minutes"]["digest"] == digest
    assert entry.body["decisions"][0]["number"] == cell.proposal.number
    served = client.get(f"/blobs/{digest}")
    assert served.content == blob
    assert client.get("/blobs/sha256:xyz").status_code == 400
    assert client.get("/blobs/sha256:" + "0" * 64).status_code == 404


def test_published_minutes_cannot_change(cell):
    services.do_publish_minutes(cell.meeting, cell.members["fay"], timezone.now())
    cell.meeting.refresh_from_db()
    for attempt in (
        lambda: services.do_update_notes(cell.meeting, "rewritten"),
        lambda: services.do_set_attendance(cell.meeting, cell.members["ana"], True),
        lambda: services.do_publish_minutes(cell.meeting, cell.members["fay"], timezone.now()),
    ):
        with pytest.raises(Refused) as err:
            attempt()
        assert err.value.code == "minutes_published"


@pytest.mark.parametrize(
    ("kw", "code"),
    [
        ({"title": "x"}, "bad_title"),
        ({"minutes": 5}, "bad_length"),
        ({"starts_delta": -3}, "in_the_past"),
        ({"agenda": ["item"] * 31}, "bad_agenda"),
        ({"starts_delta": 6 * 365}, "too_far_ahead"),
    ],
)
def test_a_meeting_that_cannot_happen_is_refused(cell, kw, code):
    now = timezone.now()
    values = {"title": "Harvest meeting", "minutes": 60, "place": "", "agenda": []}
    delta = kw.pop("starts_delta", 1)
    values.update(kw)
    with pytest.raises(Refused) as err:
        services.check_schedule(cell.members["ana"], starts_at=now + timedelta(days=delta), now=now, **values)
    assert err.value.code == code
    assert Meeting.objects.count() == 1


def test_meetings_export_to_calendars(cell, client):
    response = client.get("/assemblies/oak-street/meetings/1.ics")
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    text = response.content.decode()
    assert "SUMMARY:Spring meeting" in text
    assert text.count("BEGIN:VEVENT") == 1
    assert client.get("/assemblies/oak-street/meetings.ics").content.decode().count("BEGIN:VEVENT") == 1


def test_notes_and_names_are_stored_as_typed_in_one_unicode_form(cell):
    services.do_update_notes(cell.meeting, "  Cafe\u0301 opens at nine.\n")
    assert Meeting.objects.get(pk=cell.meeting.pk).notes == "Caf\u00e9 opens at nine."
    draft = services.check_schedule(
        cell.members["ana"],
        title="Harvest\n  meeting",
        starts_at=timezone.now() + timedelta(days=1),
        minutes=60,
        place=" The\tbarn ",
        agenda=["  Seeds\nand tools  ", "   "],
        now=timezone.now(),
    )
    assert (draft.title, draft.place, draft.agenda) == ("Harvest meeting", "The barn", ["Seeds and tools"])


def test_a_lone_carriage_return_cannot_break_a_calendar_line(cell, client):
    Meeting.objects.filter(pk=cell.meeting.pk).update(place="Barn\rDTSTART:19700101T000000Z")
    text = client.get("/assemblies/oak-street/meetings/1.ics").content.decode()
    assert "\r\nDTSTART:1970" not in text
    assert "LOCATION:Barn\\nDTSTART:19700101T000000Z" in text


def test_a_meeting_is_scheduled_in_the_assemblys_own_time_zone(cell, client):
    from datetime import UTC, datetime

    from django.urls import reverse

    from confederal.node.assemblies.models import Assembly

    assembly = cell.assembly
    Assembly.objects.filter(pk=assembly.pk).update(charter={**assembly.charter, "time_zone": "Europe/Berlin"})
    client.force_login(cell.users["ana"])
    url = reverse("schedule", args=["oak-street"])
    assert "Time (Europe/Berlin)" in client.get(url).content.decode()
    form = {"title": "Winter circle", "date": "2027-01-15", "time": "18:00", "minutes": "90", "agenda": "Seeds"}
    assert client.post(url, form).status_code == 303
    meeting = Meeting.objects.get(title="Winter circle")
    # 18:00 in Berlin in January is 17:00 UTC; the page says it back in Berlin time, naming the zone.
    assert meeting.starts_at == datetime(2027, 1, 15, 17, 0, tzinfo=UTC)
    page = client.get(reverse("meeting", args=["oak-street", meeting.number])).content.decode()
    assert "15 January 2027, 18:00 CET" in page
