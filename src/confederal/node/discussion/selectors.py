"""Reads for discussions: what a thread is about, who may read and write it, its comments, sense checks."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

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
from .models import Comment, Revision, SenseAnswer, SenseCheck, Stance, Thread

__all__ = [
    "Place",
    "Shown",
    "aid_key",
    "answers",
    "comment_or_404",
    "comment_rows",
    "earlier_versions",
    "federation_place_or_404",
    "mentionable",
    "mine",
    "open_checks",
    "people",
    "place_or_404",
    "public",
    "readable",
    "rendered",
    "sense_check_or_404",
    "tally",
    "thread_comments",
    "writer",
]


@dataclass(frozen=True)
class Place:
    """What a thread is about, its title, the page it is on (``url``) and its own address (``base``).

    An assembly's thing is ``kind`` and ``number`` in ``assembly``; a federation's (a council, an aid request) is
    ``kind`` and ``key`` in ``federation``. ``circle`` holds the assemblies on this node whose members read and write
    the thread; ``public``: anyone reads it too.
    """

    kind: str
    title: str
    url: str
    base: str
    circle: tuple[Assembly, ...]
    assembly: Assembly | None = None
    number: int = 0
    federation: str = ""
    key: str = ""
    public: bool = False

    def lookup(self, prefix: str = "") -> dict[str, Any]:
        """The filter that finds this place's thread (``prefix``: through a relation, such as ``thread__``)."""
        if self.assembly is not None:
            where: dict[str, Any] = {"assembly": self.assembly, "kind": self.kind, "number": self.number}
        else:
            where = {"assembly": None, "federation": self.federation, "kind": self.kind, "key": self.key}
        return {prefix + name: value for name, value in where.items()}


def _in_assembly(assembly: Assembly, kind: str, number: int, title: str, url: str) -> Place:
    base = reverse("thread", args=[assembly.slug, kind, number])
    return Place(kind, title, url, base, (assembly,), assembly=assembly, number=number, public=public(assembly))


def place_or_404(assembly: Assembly, kind: str, number: int) -> Place:
    """The proposal, meeting or sense check a thread is about, or 404."""
    slug = assembly.slug
    if kind == Thread.Kind.PROPOSAL:
        proposal = get_object_or_404(Proposal, assembly=assembly, number=number)
        title = f"#{number} {proposal.title}"
        return _in_assembly(assembly, kind, number, title, reverse("proposal", args=[slug, number]))
    if kind == Thread.Kind.MEETING:
        meeting = get_object_or_404(Meeting, assembly=assembly, number=number)
        return _in_assembly(assembly, kind, number, meeting.title, reverse("meeting", args=[slug, number]))
    if kind == Thread.Kind.CHECK:
        check = get_object_or_404(SenseCheck, assembly=assembly, number=number)
        return _in_assembly(assembly, kind, number, check.question, reverse("sense-check", args=[slug, number]))
    raise Http404


def aid_key(ref: str) -> str:
    """An aid request's short, address-safe name for its thread (its ref holds an origin, with slashes)."""
    return hashlib.sha256(ref.encode()).hexdigest()[:24]


def federation_place_or_404(federation_id: str, kind: str, key: str, moment: datetime) -> Place:
    """The council or aid request of a federation a thread is about, or 404. Its readers and writers are the members
    of the federation's member assemblies on this node (delegates among them)."""
    from confederal.node.federation import selectors as federation

    fed = federation.federation(federation_id)
    if fed is None:
        raise Http404
    circle = tuple(a for a in Assembly.objects.select_related("ledger") if fed.state.is_member(a.ledger.origin))
    base = reverse("federation-thread", args=[federation_id, kind, key])
    if kind == Thread.Kind.COUNCIL:
        council = federation.council(key, moment, fed)
        if council is None:
            raise Http404
        url = reverse("council", args=[federation_id, key])
        return Place(kind, council.state.charter.objective, url, base, circle, federation=federation_id, key=key)
    if kind == Thread.Kind.AID:
        fund = federation.fund(fed, moment.date())
        asked = next((r for r in fund.requests if aid_key(r.ref) == key), None) if fund else None
        if asked is None:
            raise Http404
        title = f"{fed.title(asked.origin)}: {asked.request.purpose}"
        url = reverse("aid-discussion", args=[federation_id, key])
        return Place(kind, title, url, base, circle, federation=federation_id, key=key)
    raise Http404


def public(assembly: Assembly) -> bool:
    """Whether the charter lets anyone read the assembly's discussions (else only its members)."""
    return Charter.from_json(assembly.charter).public_discussion


def writer(user: User | AnonymousUser, place: Place) -> Member | None:
    """The person's membership through which they write here (the first of the place's assemblies), if any."""
    for assembly in place.circle:
        member = membership(user, assembly)
        if member is not None:
            return member
    return None


def readable(user: User | AnonymousUser, place: Place) -> bool:
    """Whether this person may read the thread."""
    return place.public or writer(user, place) is not None


def _members(place: Place) -> QuerySet[Member]:
    return Member.objects.filter(assembly__in=place.circle, left_at__isnull=True)


def people(place: Place) -> dict[str, str]:
    """Who may be mentioned in the thread (the members of its assemblies, by sign-in name) and where a mention links."""
    if place.assembly is not None:
        link = reverse("assembly", args=[place.assembly.slug]) + "#members"
    else:
        link = reverse("federation", args=[place.federation])
    return dict.fromkeys(_members(place).values_list("user__username", flat=True), link)


def mentionable(place: Place, names: set[str]) -> list[User]:
    """The people among these sign-in names who read the thread as members of its assemblies."""
    ids = _members(place).filter(user__username__in=names).values_list("user_id", flat=True)
    return list(User.objects.filter(pk__in=ids))


@dataclass
class Shown:
    """A comment as the page shows it: its HTML (already safe), its earlier versions, its replies."""

    comment: Comment
    html: str
    revisions: list[tuple[datetime, str]]
    mine: bool
    replies: list[Shown] = field(default_factory=list)


def rendered(text: str, place: Place) -> str:
    """Markdown written for ``place`` (a sense check's text) as safe HTML, mentions linked."""
    return render(text, people(place))


def thread_comments(place: Place, user: User | AnonymousUser) -> list[Shown]:
    """The thread's comments, oldest first, each with its replies under it (one level)."""
    thread = Thread.objects.filter(**place.lookup()).first()
    if thread is None:
        return []
    names = people(place)
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


def earlier_versions(comment: Comment) -> list[Revision]:
    """A comment's earlier versions, oldest first (prefetched by :func:`comment_rows`)."""
    return list(comment.revisions.all())


def comment_or_404(place: Place, number: int) -> Comment:
    """The thread's comment with this number, or 404."""
    return get_object_or_404(Comment.objects.select_related("thread"), number=number, **place.lookup("thread__"))


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
