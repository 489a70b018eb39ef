"""Meeting routes: schedule, read, attendance, notes, decisions taken, publish the minutes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Status

from confederal.node.access import access_assembly
from confederal.node.assemblies.selectors import current_member_or_404
from confederal.node.decisions.selectors import proposal_by_number
from confederal.node.errors import Refused
from confederal.node.meetings import selectors, services
from confederal.node.meetings.models import Meeting
from confederal.node.web import now
from confederal.permissions import Action

from ._base import BodyIn, Number, ReadOut, RowId, Slug, api, authed, authorise, member_for, member_in, public

router = Router(tags=["meetings"])


class MeetingOut(ReadOut):
    number: int
    title: str
    starts_at: datetime
    ends_at: datetime
    place: str
    status: str
    agenda: list[str]
    present: list[str]
    notes: str
    decisions: list[int]
    minutes_digest: str
    ledger_seq: int | None

    @staticmethod
    def resolve_agenda(m: Meeting) -> list[str]:
        return selectors.agenda_titles(m)

    @staticmethod
    def resolve_present(m: Meeting) -> list[str]:
        return selectors.present_names(m)

    @staticmethod
    def resolve_decisions(m: Meeting) -> list[int]:
        return selectors.decision_numbers(m)


def meeting_out(m: Meeting) -> MeetingOut:
    return MeetingOut.from_orm(m)


def _meeting(slug: str, number: int) -> Meeting:
    return selectors.meeting_or_404(access_assembly(slug), number)


def _minutes_of(request: HttpRequest, slug: str, number: int) -> Meeting:
    """The meeting with this number, if the caller may write its minutes; else a refusal (or 404)."""
    meeting = _meeting(slug, number)
    authorise(request, meeting.assembly, Action.PUBLISH_MINUTES)
    return meeting


@public(router.get, "/assemblies/{slug}/meetings", list[MeetingOut], "Meetings, newest first")
def list_meetings(request: HttpRequest, slug: Slug) -> list[MeetingOut]:
    return [meeting_out(m) for m in selectors.meetings(access_assembly(slug))]


class ScheduleIn(BodyIn):
    title: str = Field(min_length=3, max_length=200)
    starts_at: datetime = Field(description="With its time zone; from a day ago to five years ahead.")
    minutes: int = Field(90, ge=10, le=12 * 60)
    place: str = Field("", max_length=200)
    agenda: list[Annotated[str, Field(max_length=200)]] = Field(default_factory=list, max_length=30)


@authed(router.post, "/assemblies/{slug}/meetings", MeetingOut, "Schedule a meeting", (400,))
def schedule(request: HttpRequest, slug: Slug, body: ScheduleIn) -> Status[MeetingOut]:
    member = member_in(request, slug, Action.SCHEDULE_MEETING)
    draft = services.check_schedule(
        member,
        title=body.title,
        starts_at=body.starts_at,
        minutes=body.minutes,
        place=body.place,
        agenda=body.agenda,
        now=now(),
    )
    return Status(201, meeting_out(services.do_schedule(draft)))


#: The address of one meeting, under which its routes live.
MEETING = "/assemblies/{slug}/meetings/{number}"


@public(router.get, MEETING, MeetingOut, "One meeting")
def get_meeting(request: HttpRequest, slug: Slug, number: Number) -> MeetingOut:
    return meeting_out(_meeting(slug, number))


class AttendanceIn(BodyIn):
    present: bool = True
    member: RowId | None = Field(None, description="Someone else (facilitator only); yourself if left out.")


@authed(
    router.post,
    f"{MEETING}/attendance",
    MeetingOut,
    "Check in yourself, or (facilitator) someone else",
    (400, 409),
    status=200,
)
def attendance(request: HttpRequest, slug: Slug, number: Number, body: AttendanceIn) -> MeetingOut:
    meeting = _meeting(slug, number)
    me = member_for(request, meeting.assembly, Action.ATTEND_MEETING)
    target = me
    if body.member is not None and body.member != me.pk:
        authorise(request, meeting.assembly, Action.FACILITATE)
        target = current_member_or_404(meeting.assembly, body.member)
    services.check_attendance_open(meeting, now())
    services.do_set_attendance(meeting, target, body.present)
    return meeting_out(meeting)


class NotesIn(BodyIn):
    notes: str = Field(max_length=50_000)


@authed(
    router.put, f"{MEETING}/notes", MeetingOut, "Replace the notes (note-taker or facilitator)", (400, 409), status=200
)
def notes(request: HttpRequest, slug: Slug, number: Number, body: NotesIn) -> MeetingOut:
    meeting = _minutes_of(request, slug, number)
    services.do_update_notes(meeting, body.notes)
    meeting.refresh_from_db()
    return meeting_out(meeting)


class LinkIn(BodyIn):
    proposal: RowId


@authed(router.post, f"{MEETING}/decisions", MeetingOut, "Link a decision taken at the meeting", (409,), status=200)
def link(request: HttpRequest, slug: Slug, number: Number, body: LinkIn) -> MeetingOut:
    meeting = _minutes_of(request, slug, number)
    proposal = proposal_by_number(meeting.assembly, body.proposal)
    if proposal is None:
        raise Refused("not_found", _("There is no such proposal in this assembly."), 404)
    services.do_link_decision(meeting, proposal)
    return meeting_out(meeting)


@authed(router.post, f"{MEETING}/minutes", MeetingOut, "Publish the minutes to the ledger", (409,))
def publish(request: HttpRequest, slug: Slug, number: Number) -> Status[MeetingOut]:
    meeting = _meeting(slug, number)
    member = member_for(request, meeting.assembly, Action.PUBLISH_MINUTES)
    services.do_publish_minutes(meeting, member, now())
    meeting.refresh_from_db()
    return Status(201, meeting_out(meeting))


api.add_router("/", router)
