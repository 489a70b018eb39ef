"""Meeting pages: schedule, agenda, attendance, notes, decisions taken, minutes, calendar export."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from confederal.meetings import CalendarEvent, ics_calendar
from confederal.node.access import access_assembly, actor, require
from confederal.node.assemblies.models import Assembly, Member
from confederal.node.assemblies.selectors import current_member_or_404, members_by_name
from confederal.node.decisions.selectors import proposal_by_number
from confederal.node.errors import Refused
from confederal.node.web import Done, act, act_as_member, member_form, now
from confederal.node.zones import local_moment
from confederal.permissions import Action, may

from . import selectors, services
from .models import Meeting


def _meeting(slug: str, number: int) -> tuple[Assembly, Meeting]:
    assembly = access_assembly(slug)
    return assembly, selectors.meeting_or_404(assembly, number)


def _as_member(
    request: HttpRequest, slug: str, number: int, needs: Action, action: Callable[[Member, Meeting], Done | None]
) -> HttpResponse:
    """A form's action on the meeting by a member who may do ``needs``; back to its page."""
    assembly, meeting = _meeting(slug, number)
    back = reverse("meeting", args=[slug, number])
    return act_as_member(request, assembly, needs, back, lambda member: action(member, meeting))


def _zone_name() -> str:
    return timezone.get_current_timezone_name()


@require_http_methods(["GET", "POST"])
def schedule(request: HttpRequest, slug: str) -> HttpResponse:
    assembly = access_assembly(slug)

    def form(member: Member) -> HttpResponse:
        if request.method == "GET":
            context = {"assembly": assembly, "values": {"minutes": "90"}, "zone": _zone_name()}
            return render(request, "meetings/schedule.html", context)
        values = {k: request.POST.get(k, "") for k in ("title", "date", "time", "minutes", "place", "agenda")}

        def plan() -> Done:
            # The time is local to the zone the middleware made current: the person's own, else the assembly's.
            starts = local_moment(values["date"], values["time"])
            minutes = values["minutes"].strip()
            if not minutes.isdecimal() or len(minutes) > 4:
                raise Refused("bad_length", _("Give the length in minutes."))
            draft = services.check_schedule(
                member,
                title=values["title"],
                starts_at=starts,
                minutes=int(minutes),
                place=values["place"],
                agenda=values["agenda"].splitlines(),
                now=now(),
            )
            meeting = services.do_schedule(draft)
            return Done(_("The meeting is scheduled."), reverse("meeting", args=[slug, meeting.number]))

        def again() -> HttpResponse:
            context = {"assembly": assembly, "values": values, "zone": _zone_name()}
            return render(request, "meetings/schedule.html", context, status=400)

        return act(request, reverse("schedule", args=[slug]), plan, again)

    return member_form(request, assembly, Action.SCHEDULE_MEETING, reverse("assembly", args=[slug]), form)


@require_safe
def meetings_list(request: HttpRequest, slug: str) -> HttpResponse:
    """Every meeting of the assembly, latest first, a page at a time."""
    assembly = access_assembly(slug)
    number = request.GET.get("page", "1")
    page = selectors.meetings_page(assembly, int(number) if number.isdecimal() and len(number) < 9 else 1)
    return render(request, "meetings/list.html", {"assembly": assembly, "page": page})


@require_safe
def meeting_page(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    assembly, meeting = _meeting(slug, number)
    who, me = actor(request.user, assembly, now().date())
    attendance = selectors.attendance(meeting)
    members = members_by_name(assembly)
    linkable = selectors.linkable_proposals(assembly, meeting)
    return render(
        request,
        "meetings/meeting.html",
        {
            "assembly": assembly,
            "meeting": meeting,
            "agenda": selectors.agenda(meeting),
            "members": [(m, attendance.get(m.pk)) for m in members],
            "me": me,
            "my_presence": attendance.get(me.pk) if me else None,
            "decisions": selectors.linked_decisions(meeting),
            "linkable": linkable,
            "can_attend": may(who, Action.ATTEND_MEETING),
            "can_facilitate": may(who, Action.FACILITATE),
            "can_publish": may(who, Action.PUBLISH_MINUTES),
            "planned": meeting.status == Meeting.Status.PLANNED,
            # Controls appear only when they can work: attendance from an hour before, minutes once it started.
            "attendance_open": services.attendance_open(meeting, now()),
            "started": now() >= meeting.starts_at,
        },
    )


@require_POST
def attend(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    def mark(me: Member, meeting: Meeting) -> Done:
        target = me
        who = request.POST.get("member", "")
        if who and who != str(me.pk):
            # Checking in someone else is the facilitator's job.
            require(request.user, meeting.assembly, Action.FACILITATE, now().date())
            target = current_member_or_404(meeting.assembly, int(who) if who.isdecimal() else 0)
        services.check_attendance_open(meeting, now())
        present = request.POST.get("present", "1") == "1"
        services.do_set_attendance(meeting, target, present)
        names = {"name": target.public_name}
        if target.pk == me.pk:
            return Done(_("You are marked present.") if present else _("You are no longer marked present."))
        return Done(_("%(name)s is marked present.") % names if present else _("%(name)s is marked absent.") % names)

    return _as_member(request, slug, number, Action.ATTEND_MEETING, mark)


@require_POST
def notes(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    assembly, meeting = _meeting(slug, number)

    def save_notes() -> Done:
        require(request.user, assembly, Action.PUBLISH_MINUTES, now().date())
        services.do_update_notes(meeting, request.POST.get("notes", ""))
        return Done(_("Notes saved."))

    return act(request, reverse("meeting", args=[slug, number]), save_notes)


@require_POST
def link_decision(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    assembly, meeting = _meeting(slug, number)

    def link() -> Done:
        require(request.user, assembly, Action.PUBLISH_MINUTES, now().date())
        text = request.POST.get("proposal", "")
        proposal = proposal_by_number(assembly, int(text) if text.isdecimal() and len(text) < 9 else 0)
        if proposal is None:
            raise Refused("not_found", _("Choose a proposal of this assembly."), 404)
        services.do_link_decision(meeting, proposal)
        return Done(_("Proposal %(number)s is linked to this meeting.") % {"number": proposal.number})

    return act(request, reverse("meeting", args=[slug, number]), link)


@require_POST
def publish_minutes(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    def publish(member: Member, meeting: Meeting) -> Done:
        services.do_publish_minutes(meeting, member, now())
        return Done(_("The minutes are published in the assembly's ledger."))

    return _as_member(request, slug, number, Action.PUBLISH_MINUTES, publish)


def _event(request: HttpRequest, slug: str, meeting: Meeting) -> CalendarEvent:
    host = request.get_host().split(":")[0]
    return CalendarEvent(
        uid=f"meeting-{meeting.pk}@{host}",
        start=meeting.starts_at,
        end=meeting.ends_at,
        summary=meeting.title,
        stamp=now(),
        location=meeting.place,
        description="\n".join(selectors.agenda_titles(meeting)),
        url=request.build_absolute_uri(reverse("meeting", args=[slug, meeting.number])),
    )


def _ics(text: str, filename: str) -> HttpResponse:
    response = HttpResponse(text, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_safe
def meeting_ics(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    assembly, meeting = _meeting(slug, number)
    calendar = ics_calendar(assembly.name, [_event(request, slug, meeting)], _zone_name())
    return _ics(calendar, f"{slug}-meeting-{number}.ics")


@require_safe
def assembly_ics(request: HttpRequest, slug: str) -> HttpResponse:
    assembly = access_assembly(slug)
    meetings = selectors.calendar_meetings(assembly)
    calendar = ics_calendar(assembly.name, [_event(request, slug, m) for m in meetings], _zone_name())
    return _ics(calendar, f"{slug}-meetings.ics")
