"""Meeting routes: schedule, read, attendance, notes, decisions taken, publish the minutes."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Router, Status

from confederal.node.access import access_assembly
from confederal.node.assemblies.selectors import current_member_or_404
from confederal.node.decisions.selectors import proposal_by_number
from confederal.node.errors import Refused
from confederal.node.meetings import selectors, services
from confederal.node.meetings.models import Meeting
from confederal.node.web import now
from confederal.permissions import Action

from ._base import BodyIn, ErrorOut, ReadOut, api, authed, authorise, member_for, member_in

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


@router.get(
    "/assemblies/{slug}/meetings", response={200: list[MeetingOut], 404: ErrorOut}, summary="Meetings, newest first"
)
def list_meetings(request: HttpRequest, slug: str) -> list[MeetingOut]:
    return [meeting_out(m) for m in selectors.meetings(access_assembly(slug))]


class ScheduleIn(BodyIn):
    title: str
    starts_at: datetime
    minutes: int = 90
    place: str = ""
    agenda: list[str] = Field(default_factory=list)


@authed(router.post, "/assemblies/{slug}/meetings", MeetingOut, "Schedule a meeting", (400, 403))
def schedule(request: HttpRequest, slug: str, body: ScheduleIn) -> Status[MeetingOut]:
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


@router.get("/assemblies/{slug}/meetings/{number}", response={200: MeetingOut, 404: ErrorOut}, summary="One meeting")
def get_meeting(request: HttpRequest, slug: str, number: int) -> MeetingOut:
    return meeting_out(_meeting(slug, number))


class AttendanceIn(BodyIn):
    present: bool = True
    member: int | None = None


@authed(
    router.post,
    "/assemblies/{slug}/meetings/{number}/attendance",
    MeetingOut,
    "Check in yourself, or (facilitator) someone else",
    (400, 403, 409),
    status=200,
)
def attendance(request: HttpRequest, slug: str, number: int, body: AttendanceIn) -> MeetingOut:
    meeting = _meeting(slug, number)
    me = member_for(request, meeting.assembly, Action.ATTEND_MEETING)
    target = me
    if body.member is not None and body.member != me.pk:
        authorise(request, meeting.assembly, Action.FACILITATE)
        target = current_member_or_404(meeting.assembly, body.member)
    services.do_set_attendance(meeting, target, body.present)
    return meeting_out(meeting)


class NotesIn(BodyIn):
    notes: str


@authed(
    router.put,
    "/assemblies/{slug}/meetings/{number}/notes",
    MeetingOut,
    "Replace the notes (note-taker or facilitator)",
    (400, 403, 409),
    status=200,
)
def notes(request: HttpRequest, slug: str, number: int, body: NotesIn) -> MeetingOut:
    meeting = _minutes_of(request, slug, number)
    services.do_update_notes(meeting, body.notes)
    meeting.refresh_from_db()
    return meeting_out(meeting)


class LinkIn(BodyIn):
    proposal: int


@authed(
    router.post,
    "/assemblies/{slug}/meetings/{number}/decisions",
    MeetingOut,
    "Link a decision taken at the meeting",
    (403, 404, 409),
    status=200,
)
def link(request: HttpRequest, slug: str, number: int, body: LinkIn) -> MeetingOut:
    meeting = _minutes_of(request, slug, number)
    proposal = proposal_by_number(meeting.assembly, body.proposal)
    if proposal is None:
        raise Refused("not_found", "There is no such proposal in this assembly.", 404)
    services.do_link_decision(meeting, proposal)
    return meeting_out(meeting)


@authed(
    router.post,
    "/assemblies/{slug}/meetings/{number}/minutes",
    MeetingOut,
    "Publish the minutes to the ledger",
    (403, 409),
)
def publish(request: HttpRequest, slug: str, number: int) -> Status[MeetingOut]:
    meeting = _meeting(slug, number)
    member = member_for(request, meeting.assembly, Action.PUBLISH_MINUTES)
    services.do_publish_minutes(meeting, member, now())
    meeting.refresh_from_db()
    return Status(201, meeting_out(meeting))


api.add_router("/", router)
