"""Reads of meetings for pages and the API."""

from __future__ import annotations

from datetime import datetime

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from confederal.node.assemblies.models import Assembly
from confederal.node.decisions.models import Proposal

from .models import AgendaItem, Meeting

__all__ = [
    "MEETINGS_PAGE_SIZE",
    "agenda",
    "agenda_titles",
    "attendance",
    "calendar_meetings",
    "decision_numbers",
    "linkable_proposals",
    "linked_decisions",
    "meeting_or_404",
    "meetings",
    "meetings_page",
    "past_meetings",
    "present_names",
    "upcoming_meetings",
]


def meeting_or_404(assembly: Assembly, number: int) -> Meeting:
    """The assembly's meeting with this number, or 404."""
    return get_object_or_404(Meeting.objects.select_related("assembly"), assembly=assembly, number=number)


def meetings(assembly: Assembly, limit: int = 100) -> list[Meeting]:
    """The assembly's meetings, newest first."""
    return list(assembly.meetings.order_by("-starts_at")[:limit])


def upcoming_meetings(assembly: Assembly, moment: datetime, limit: int = 5) -> QuerySet[Meeting]:
    """Planned meetings that have not ended by ``moment``, soonest first."""
    return assembly.meetings.filter(ends_at__gte=moment, status=Meeting.Status.PLANNED).order_by("starts_at")[:limit]


def past_meetings(assembly: Assembly, limit: int = 5) -> QuerySet[Meeting]:
    """Meetings held or cancelled, newest first."""
    return assembly.meetings.exclude(status=Meeting.Status.PLANNED).order_by("-starts_at")[:limit]


def calendar_meetings(assembly: Assembly) -> QuerySet[Meeting]:
    """Every meeting not cancelled, in order: the assembly's calendar."""
    return assembly.meetings.exclude(status=Meeting.Status.CANCELLED).order_by("starts_at")


def agenda(meeting: Meeting) -> QuerySet[AgendaItem]:
    """The meeting's agenda items."""
    return meeting.agenda.all()


def agenda_titles(meeting: Meeting) -> list[str]:
    """The titles of the meeting's agenda items, in order."""
    return list(meeting.agenda.values_list("title", flat=True))


def attendance(meeting: Meeting) -> dict[int, bool]:
    """Who was marked present (True) or absent (False), by member id."""
    return {a.member_id: a.present for a in meeting.attendance.all()}


def present_names(meeting: Meeting) -> list[str]:
    """The public names of those present, sorted."""
    return sorted(a.member.public_name for a in meeting.attendance.select_related("member") if a.present)


def linked_decisions(meeting: Meeting) -> QuerySet[Proposal]:
    """The proposals linked to the meeting, by number."""
    return meeting.decisions.order_by("number")


def decision_numbers(meeting: Meeting) -> list[int]:
    """The numbers of the proposals linked to the meeting."""
    return list(meeting.decisions.order_by("number").values_list("number", flat=True))


def linkable_proposals(assembly: Assembly, meeting: Meeting, limit: int = 30) -> QuerySet[Proposal]:
    """The assembly's latest proposals not yet linked to the meeting."""
    return assembly.proposals.exclude(pk__in=meeting.decisions.values("pk")).order_by("-number")[:limit]


#: How many meetings one page of an assembly's list of meetings shows.
MEETINGS_PAGE_SIZE = 20


def meetings_page(assembly: Assembly, number: int) -> Page[Meeting]:
    """One page of all the assembly's meetings, latest first (the last page if ``number`` is past it)."""
    return Paginator(assembly.meetings.order_by("-starts_at"), MEETINGS_PAGE_SIZE).get_page(number)
