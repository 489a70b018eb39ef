"""iCalendar (RFC 5545) export of meetings, so they land in people's calendars."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

__all__ = ["CalendarEvent", "ics_calendar"]


@dataclass(frozen=True)
class CalendarEvent:
    uid: str
    start: datetime
    end: datetime
    summary: str
    stamp: datetime
    location: str = ""
    description: str = ""
    url: str = ""


def _utc(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("calendar times must carry a time zone")
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _text(value: str) -> str:
    # RFC 5545 §3.3.11: backslash, semicolon, comma and newlines are escaped in TEXT values;
    # a lone carriage return would otherwise end the content line early.
    escaped = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return escaped.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")


def _fold(line: str) -> str:
    # RFC 5545 §3.1: lines longer than 75 octets continue on the next line after CRLF and a space,
    # never splitting a UTF-8 sequence.
    out: list[str] = []
    current = b""
    for ch in line:
        encoded = ch.encode("utf-8")
        if len(current) + len(encoded) > (75 if not out else 74):
            out.append(current.decode("utf-8"))
            current = b""
        current += encoded
    out.append(current.decode("utf-8"))
    return "\r\n ".join(out)


def ics_calendar(name: str, events: Sequence[CalendarEvent], zone: str = "") -> str:
    """Return a VCALENDAR holding the events, with CRLF line ends as the standard requires.

    Times are written in UTC (every calendar reads them alike); ``zone``, an IANA name, is the zone the
    reader sees them in, named by ``X-WR-TIMEZONE`` so calendars that honour it show the same local times.
    """
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Confederal//Meetings//EN",
        "CALSCALE:GREGORIAN",
        f"X-WR-CALNAME:{_text(name)}",
    ]
    if zone:
        lines.append(f"X-WR-TIMEZONE:{_text(zone)}")
    for event in events:
        lines += [
            "BEGIN:VEVENT",
            f"UID:{event.uid}",
            f"DTSTAMP:{_utc(event.stamp)}",
            f"DTSTART:{_utc(event.start)}",
            f"DTEND:{_utc(event.end)}",
            f"SUMMARY:{_text(event.summary)}",
        ]
        if event.location:
            lines.append(f"LOCATION:{_text(event.location)}")
        if event.description:
            lines.append(f"DESCRIPTION:{_text(event.description)}")
        if event.url:
            lines.append(f"URL:{event.url}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + "\r\n" for line in lines)
