"""Writes for meetings: schedule, take attendance, keep notes, link decisions, publish the minutes.

Publishing stores the minutes as a blob (by SHA-256) and records, in the
ledger, who was there, the agenda, the decisions taken and the minutes' digest.
Published minutes cannot be edited: a correction is a new meeting's business.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils.translation import gettext as _

from confederal.meetings import Minutes, write_minutes
from confederal.node.assemblies.models import Assembly, Member
from confederal.node.assemblies.services import lock, take_number
from confederal.node.decisions.models import Proposal
from confederal.node.decisions.services import store_blob
from confederal.node.errors import Refused
from confederal.node.ledgers.services import Record, append_in_transaction, publish
from confederal.node.text import check_line, clean
from confederal.records import MeetingMinutes

from .models import AgendaItem, Attendance, Meeting

__all__ = [
    "ATTENDANCE_OPENS",
    "MeetingDraft",
    "attendance_open",
    "check_attendance_open",
    "check_schedule",
    "do_link_decision",
    "do_publish_minutes",
    "do_schedule",
    "do_set_attendance",
    "do_update_notes",
]

MAX_AGENDA_ITEMS = 30
#: People can say they are here from this long before a meeting starts (not days ahead).
ATTENDANCE_OPENS = timedelta(hours=1)
#: Far-future dates are almost always typos (2062 for 2026); a year of planning is plenty.
MAX_DAYS_AHEAD = 5 * 365


@dataclass(frozen=True)
class MeetingDraft:
    assembly: Assembly
    created_by: Member
    title: str
    starts_at: datetime
    ends_at: datetime
    place: str
    agenda: list[str]


def attendance_open(meeting: Meeting, now: datetime) -> bool:
    """Whether attendance can be taken now: from an hour before the start, while the minutes are not published."""
    return meeting.status == Meeting.Status.PLANNED and now >= meeting.starts_at - ATTENDANCE_OPENS


def check_attendance_open(meeting: Meeting, now: datetime) -> None:
    """Refuse attendance taken days before a meeting (or after its minutes).

    Raises:
        Refused: the meeting is more than an hour away.
    """
    if meeting.status == Meeting.Status.PLANNED and not attendance_open(meeting, now):
        raise Refused("not_yet", _("Attendance opens an hour before the meeting starts."), 409)


def check_schedule(
    member: Member, *, title: str, starts_at: datetime, minutes: int, place: str, agenda: Sequence[str], now: datetime
) -> MeetingDraft:
    """Validate a meeting to schedule.

    Raises:
        Refused: bad title, a time in the past or years ahead, an impossible length, or too long an agenda.
    """
    title = check_line(title, 3, 200, "bad_title", _("Give the meeting a title of 3 to 200 characters."))
    place = check_line(place, 0, 200, "bad_place", _("Keep the place under 200 characters."))
    if starts_at.tzinfo is None:
        raise Refused("bad_time", _("Give the meeting's time with its time zone."))
    if starts_at < now - timedelta(days=1):
        raise Refused("in_the_past", _("A meeting cannot be scheduled in the past."))
    if starts_at > now + timedelta(days=MAX_DAYS_AHEAD):
        raise Refused("too_far_ahead", _("A meeting can be scheduled at most five years ahead."))
    if not 10 <= minutes <= 12 * 60:
        raise Refused("bad_length", _("A meeting lasts between 10 minutes and 12 hours."))
    too_long = _("Keep the agenda to 30 items of at most 200 characters.")
    items = [check_line(a, 1, 200, "bad_agenda", too_long) for a in agenda if a.strip()]
    if len(items) > MAX_AGENDA_ITEMS:
        raise Refused("bad_agenda", too_long)
    return MeetingDraft(member.assembly, member, title, starts_at, starts_at + timedelta(minutes=minutes), place, items)


def do_schedule(draft: MeetingDraft) -> Meeting:
    with transaction.atomic(durable=True):
        assembly, number = take_number(draft.assembly, "next_meeting_number")
        meeting = Meeting.objects.create(
            assembly=assembly,
            number=number,
            title=draft.title,
            starts_at=draft.starts_at,
            ends_at=draft.ends_at,
            place=draft.place,
            created_by=draft.created_by,
        )
        AgendaItem.objects.bulk_create(
            [AgendaItem(meeting=meeting, position=i, title=t) for i, t in enumerate(draft.agenda, 1)]
        )
        return meeting


def _locked(meeting: Meeting) -> Meeting:
    """The meeting, locked and re-read: an edit racing a publication must not slip in after it."""
    fresh = Meeting.objects.select_for_update().get(pk=meeting.pk)
    _editable(fresh)
    return fresh


def _editable(meeting: Meeting) -> None:
    if meeting.status != Meeting.Status.PLANNED:
        raise Refused(
            "minutes_published", _("The minutes of this meeting are published; it can no longer change."), 409
        )


def do_set_attendance(meeting: Meeting, member: Member, present: bool) -> None:
    """Record whether a member was there (members check themselves in; the facilitator may check in anyone)."""
    if member.assembly_id != meeting.assembly_id or not member.active:
        raise Refused("not_member", _("Only members of this assembly can be marked present."), 400)
    with transaction.atomic():
        fresh = _locked(meeting)
        Attendance.objects.update_or_create(meeting=fresh, member=member, defaults={"present": present})


def do_update_notes(meeting: Meeting, notes: str) -> None:
    notes = clean(notes)
    if len(notes) > 50_000:
        raise Refused("notes_too_long", _("Keep the notes under 50,000 characters."))
    with transaction.atomic():
        fresh = _locked(meeting)
        Meeting.objects.filter(pk=fresh.pk).update(notes=notes)


def do_link_decision(meeting: Meeting, proposal: Proposal) -> None:
    """Note that a decision was taken at (or for) this meeting; it is listed in the minutes."""
    if proposal.assembly_id != meeting.assembly_id:
        raise Refused("not_found", _("There is no such proposal in this assembly."), 404)
    with transaction.atomic():
        fresh = _locked(meeting)
        fresh.decisions.add(proposal)


def do_publish_minutes(meeting: Meeting, by: Member, now: datetime) -> str:
    """Publish the minutes: store them by digest and record the meeting in the ledger. Returns the digest."""
    with transaction.atomic(durable=True):
        assembly = lock(meeting.assembly)
        fresh = Meeting.objects.select_for_update().get(pk=meeting.pk)
        _editable(fresh)
        if now < fresh.starts_at:
            raise Refused("not_yet", _("Minutes can be published once the meeting has started."), 409)
        attendance = {a.member_id: a.present for a in fresh.attendance.all()}
        members = list(assembly.members.filter(left_at__isnull=True).order_by("public_name"))
        present = [m.public_name for m in members if attendance.get(m.pk)]
        absent = [m.public_name for m in members if not attendance.get(m.pk)]
        decisions = list(fresh.decisions.order_by("number"))
        outcomes = [(p.number, p.title, (p.outcome or {}).get("status", p.status)) for p in decisions]
        agenda = list(fresh.agenda.values_list("title", flat=True))
        minutes = Minutes(
            assembly=assembly.name,
            title=fresh.title,
            number=fresh.number,
            starts_at=fresh.starts_at,
            ends_at=fresh.ends_at,
            place=fresh.place,
            present=present,
            absent=absent,
            agenda=agenda,
            notes=fresh.notes,
            decisions=outcomes,
            published_by=by.public_name,
        )
        data = write_minutes(minutes).encode("utf-8")
        digest = store_blob(data, "text/markdown; charset=utf-8", now)
        record = Record(MeetingMinutes.of(minutes, digest, len(data), "text/markdown"))
        (seq,) = append_in_transaction(assembly.ledger, [record], now)
        fresh.status, fresh.minutes_digest, fresh.published_at, fresh.published_by, fresh.ledger_seq = (
            Meeting.Status.PUBLISHED,
            digest,
            now,
            by,
            seq,
        )
        fresh.save(update_fields=["status", "minutes_digest", "published_at", "published_by", "ledger_seq"])
    publish(assembly.ledger, now)
    return digest
