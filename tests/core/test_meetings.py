"""Calendar export (RFC 5545) and minutes."""

from datetime import UTC, datetime, timedelta

import pytest

from confederal.meetings import CalendarEvent, Minutes, ics_calendar, write_minutes
from confederal.records import MeetingMinutes

START = datetime(2026, 12, 1, 18, 30, tzinfo=UTC)


def _event(**changes):
    base = dict(uid="m1@node", start=START, end=START + timedelta(hours=2), summary="General meeting", stamp=START)
    return CalendarEvent(**{**base, **changes})


def test_an_event_is_a_valid_vcalendar_with_crlf_lines():
    text = ics_calendar("Food hub", [_event(location="Hall, room 2", description="Bring: cups; plates\nand food")])
    assert text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")
    assert text.endswith("END:VCALENDAR\r\n")
    assert "DTSTART:20261201T183000Z\r\n" in text
    assert "LOCATION:Hall\\, room 2\r\n" in text
    assert "DESCRIPTION:Bring: cups\\; plates\\nand food\r\n" in text
    assert "\n" not in text.replace("\r\n", "")


def test_long_lines_fold_at_75_octets_without_splitting_characters():
    text = ics_calendar("x", [_event(summary="Réunion " * 30)])
    for line in text.split("\r\n"):
        assert len(line.encode()) <= 75
    unfolded = text.replace("\r\n ", "")
    assert "SUMMARY:" + "Réunion " * 30 in unfolded.replace("\\,", ",")


def test_the_calendar_names_the_zone_its_reader_sees_and_keeps_times_in_utc():
    text = ics_calendar("Food hub", [_event()], "Europe/Berlin")
    assert "X-WR-TIMEZONE:Europe/Berlin\r\n" in text
    assert "DTSTART:20261201T183000Z\r\n" in text
    assert "X-WR-TIMEZONE" not in ics_calendar("Food hub", [_event()])


def test_naive_times_are_refused():
    with pytest.raises(ValueError, match="time zone"):
        ics_calendar("x", [_event(start=datetime(2026, 12, 1, 18, 30))])


MINUTES = Minutes(
    assembly="Food hub",
    title="December meeting",
    number=3,
    starts_at=START,
    ends_at=START + timedelta(hours=2),
    place="Hall",
    present=["Amara", "Jonas"],
    absent=["Lucía"],
    agenda=["Freezer", "Rota"],
    notes="We agreed to buy it.",
    decisions=[(4, "Buy a freezer", "adopted")],
    published_by="Jonas",
)


def test_minutes_are_deterministic_and_list_what_happened():
    text = write_minutes(MINUTES)
    assert text == write_minutes(MINUTES)
    for part in (
        "# December meeting",
        "- Amara",
        "## Absent",
        "1. Freezer",
        "- #4 Buy a freezer: adopted",
        "Published by Jonas.",
    ):
        assert part in text


def test_the_record_of_minutes_says_who_came_and_what_was_decided_and_names_the_document():
    body = MeetingMinutes.of(MINUTES, "sha256:" + "ab" * 32, 321, "text/markdown").to_json()
    assert body == {
        "number": 3,
        "title": "December meeting",
        "starts": "2026-12-01T18:30:00Z",
        "ends": "2026-12-01T20:30:00Z",
        "place": "Hall",
        "present": ["Amara", "Jonas"],
        "agenda": ["Freezer", "Rota"],
        "decisions": [{"number": 4, "title": "Buy a freezer", "status": "adopted"}],
        "minutes": {"digest": "sha256:" + "ab" * 32, "bytes": 321, "media_type": "text/markdown"},
        "published_by": "Jonas",
    }
