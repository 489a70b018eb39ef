"""Calendar export (RFC 5545) and minutes."""

from datetime import UTC, datetime, timedelta

import pytest

from confederal.meetings import CalendarEvent, Minutes, ics_calendar, write_minutes

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


def test_naive_times_are_refused():
    with pytest.raises(ValueError, match="time zone"):
        ics_calendar("x", [_event(start=datetime(2026, 12, 1, 18, 30))])


def test_minutes_are_deterministic_and_list_what_happened():
    minutes = Minutes(
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
    text = write_minutes(minutes)
    assert text == write_minutes(minutes)
    for part in (
        "# December meeting",
        "- Amara",
        "## Absent",
        "1. Freezer",
        "- #4 Buy a freezer: adopted",
        "Published by Jonas.",
    ):
        assert part in text
