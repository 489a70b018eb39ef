"""Reads for discussions: what a thread is about, who may read and write it, its comments, sense checks."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse

from confederal.charter import Charter
from confederal.node.access import membership
from confederal.node.assemblies.models import Assembly, Member
from confederal.node.decisions.models import Proposal
from confederal.node.meetings.models import Meeting

from .markdown import render
from .models import Comment, SenseAnswer, SenseCheck, Stance, Thread

__all__ = [
    "Place",
    "Shown",
    "answers",
    "comment_or_404",
    "comment_rows",
    "mentionable",
    "mine",
    "open_checks",
    "people",
    "place_or_404",
    "public",
    "readable",
    "sense_check_or_404",
    "tally",
    "thread_comments",
]


@dataclass(frozen=True)
class Place:
    """What a thread is about: ``kind`` and ``number`` in ``assembly``, its title and its page."""

    assembly: Assembly
    kind: str
    number: int
    title: str
    url: str


def place_or_404(assembly: Assembly, kind: str, number: int) -> Place:
    """The proposal, meeting or sense check a thread is about, or 404."""
    slug = assembly.slug
    if kind == Thread.Kind.PROPOSAL:
        proposal = get_object_or_404(Proposal, assembly=assembly, number=number)
        return Place(assembly, kind, number, f"#{number} {proposal.title}", reverse("proposal", args=[slug, number]))
    if kind == Thread.Kind.MEETING:
        meeting = get_object_or_404(Meeting, assembly=assembly, number=number)
        return Place(assembly, kind, number, meeting.title, reverse("meeting", args=[slug, number]))
    if kind == Thread.Kind.CHECK:
        check = get_object_or_404(SenseCheck, assembly=assembly, number=number)
        return Place(assembly, kind, number, check.question, reverse("sense-check", args=[slug, number]))
    raise Http404


def public(assembly: Assembly) -> bool:
    """Whether the charter lets anyone read the assembly's discussions (else only its members)."""
    return Charter.from_json(assembly.charter).public_discussion


def readable(user: User | AnonymousUser, assembly: Assembly) -> bool:
    """Whether this person may read the assembly's discussions."""
    return public(assembly) or membership(user, assembly) is not None


def people(assembly: Assembly) -> dict[str, str]:
    """Who may be mentioned in the assembly's threads (its members, by sign-in name) and where a mention links."""
    link = reverse("assembly", args=[assembly.slug]) + "#members"
    names = assembly.members.filter(left_at__isnull=True).values_list("user__username", flat=True)
    return {name: link for name in names}


def mentionable(assembly: Assembly, names: set[str]) -> list[User]:
    """The members of the assembly among these sign-in names."""
    return list(User.objects.filter(username__in=names, memberships__assembly=assembly, memberships__left_at=None))


@dataclass
class Shown:
    """A comment as the page shows it: its HTML (already safe), its earlier versions, its replies."""

    comment: Comment
    html: str
    revisions: list[tuple[datetime, str]]
    mine: bool
    replies: list[Shown] = field(default_factory=list)


def thread_comments(place: Place, user: User | AnonymousUser) -> list[Shown]:
    """The thread's comments, oldest first, each with its replies under it (one level)."""
    thread = Thread.objects.filter(assembly=place.assembly, kind=place.kind, number=place.number).first()
    if thread is None:
        return []
    names = people(place.assembly)
    rows = list(thread.comments.select_related("parent").prefetch_related("revisions"))
    shown: dict[int, Shown] = {}
    top: list[Shown] = []
    for c in rows:
        html = "" if c.taken_back_at else render(c.body, names)
        history = [] if c.taken_back_at else [(r.written_at, render(r.body, names)) for r in c.revisions.all()]
        item = Shown(c, html, history, user.is_authenticated and c.author_id == user.pk)
        shown[c.pk] = item
        parent = shown.get(c.parent_id) if c.parent_id else None
        (parent.replies if parent else top).append(item)
    return top


def comment_rows(place: Place) -> list[Comment]:
    """The thread's comments as stored, oldest first, with their parents and earlier versions (for the API)."""
    return list(
        Comment.objects.filter(thread__assembly=place.assembly, thread__kind=place.kind, thread__number=place.number)
        .select_related("parent")
        .prefetch_related("revisions")
    )


def comment_or_404(place: Place, number: int) -> Comment:
    """The thread's comment with this number, or 404."""
    return get_object_or_404(
        Comment.objects.select_related("thread"),
        thread__assembly=place.assembly,
        thread__kind=place.kind,
        thread__number=place.number,
        number=number,
    )


def open_checks(assembly: Assembly, moment: datetime) -> QuerySet[SenseCheck]:
    """The assembly's sense checks still open, newest first."""
    return SenseCheck.objects.filter(assembly=assembly, closes_at__gt=moment).select_related("author")


def sense_check_or_404(assembly: Assembly, number: int) -> SenseCheck:
    """The assembly's sense check with this number, or 404."""
    return get_object_or_404(SenseCheck.objects.select_related("author"), assembly=assembly, number=number)


def answers(check: SenseCheck) -> QuerySet[SenseAnswer]:
    """Every answer to the check, by name, with the member."""
    return check.answers.select_related("member").order_by("member__public_name")


def tally(check: SenseCheck) -> dict[str, int]:
    """How many members answered each way."""
    counts = Counter(check.answers.values_list("stance", flat=True))
    return {stance.value: counts.get(stance.value, 0) for stance in Stance}


def mine(check: SenseCheck, member: Member | None) -> SenseAnswer | None:
    """The member's own answer, if they gave one."""
    return None if member is None else check.answers.filter(member=member).first()
