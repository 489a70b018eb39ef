"""Reads of proposals and ballots for pages and the API."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from confederal.node.assemblies.models import Assembly, Member

from .models import Ballot, Proposal, ProposalVersion

__all__ = [
    "ARCHIVE_PAGE_SIZE",
    "ArchiveFilter",
    "amendments",
    "archive_page",
    "ballot_of",
    "ballots_by_name",
    "due_for_review",
    "open_numbers",
    "open_proposals",
    "participants",
    "proposal_by_number",
    "proposal_or_404",
    "proposals",
    "reasons_given",
    "recently_closed",
    "standing_objections",
    "versions",
    "voted_on",
]


def proposal_or_404(assembly: Assembly, number: int) -> Proposal:
    """The assembly's proposal with this number (with its author), or 404."""
    return get_object_or_404(Proposal.objects.select_related("author", "assembly"), assembly=assembly, number=number)


def proposal_by_number(assembly: Assembly, number: int) -> Proposal | None:
    """The assembly's proposal with this number, if there is one."""
    return assembly.proposals.filter(number=number).first()


def proposals(assembly: Assembly, status: str | None = None) -> QuerySet[Proposal]:
    """The assembly's proposals (only those with ``status``, if given), newest first, with their authors."""
    rows = assembly.proposals.select_related("author").order_by("-number")
    return rows if status is None else rows.filter(status=status)


def open_proposals(assembly: Assembly, limit: int = 20) -> list[Proposal]:
    """Open proposals, closing soonest first (number, title and closing time: what a list shows)."""
    rows = assembly.proposals.filter(status=Proposal.Status.OPEN).order_by("closes_at")
    return list(rows.only("assembly", "number", "title", "closes_at")[:limit])


def open_numbers(assembly: Assembly) -> list[int]:
    """The numbers of the assembly's open proposals."""
    return list(assembly.proposals.filter(status=Proposal.Status.OPEN).values_list("number", flat=True))


def recently_closed(assembly: Assembly, limit: int = 8) -> QuerySet[Proposal]:
    """The latest closed proposals, newest first (number, title and outcome: what a list shows)."""
    closed = assembly.proposals.filter(status=Proposal.Status.CLOSED).order_by("-closed_at")
    return closed.only("assembly", "number", "title", "outcome")[:limit]


def amendments(assembly: Assembly, limit: int = 20) -> QuerySet[Proposal]:
    """The latest proposals to amend the charter, newest first."""
    return assembly.proposals.filter(kind=Proposal.Kind.AMENDMENT).order_by("-number")[:limit]


def ballot_of(proposal: Proposal, member: Member | None) -> Ballot | None:
    """The member's ballot on the proposal, if they voted (None for a visitor)."""
    return proposal.ballots.filter(member=member).first() if member else None


def voted_on(member: Member | None, among: Iterable[Proposal]) -> set[int]:
    """The ids of the proposals among ``among`` the member has voted on."""
    if member is None:
        return set()
    return set(member.ballots.filter(proposal__in=list(among)).values_list("proposal_id", flat=True))


def participants(proposal: Proposal) -> int:
    """How many have voted on the proposal."""
    return proposal.ballots.count()


def ballots_by_name(proposal: Proposal) -> list[Ballot]:
    """Every ballot on the proposal, with its voter, by the voter's name."""
    return list(proposal.ballots.select_related("member").order_by("member__public_name"))


def standing_objections(proposal: Proposal, objection: str) -> list[Ballot]:
    """The current members' ballots that object now (``objection`` is the method's answer), oldest first."""
    rows = proposal.ballots.filter(choice=objection, member__left_at__isnull=True).select_related("member")
    return list(rows.order_by("cast_at", "pk"))


def reasons_given(proposal: Proposal) -> list[Ballot]:
    """The ballots that carry a reason, with their voters, by the voter's name."""
    return [b for b in ballots_by_name(proposal) if b.reason]


def versions(proposal: Proposal) -> list[ProposalVersion]:
    """Every version of an amended proposal's text, the first first, with who wrote it (none if never amended)."""
    return list(proposal.versions.select_related("by").order_by("version"))


#: How many proposals one page of an assembly's archive lists.
ARCHIVE_PAGE_SIZE = 20


@dataclass(frozen=True)
class ArchiveFilter:
    """What a reader narrows an assembly's archive to; empty values narrow nothing."""

    words: str = ""
    status: str = ""
    method: str = ""
    since: date | None = None
    until: date | None = None


def archive_page(assembly: Assembly, narrow: ArchiveFilter, number: int) -> Page[Proposal]:
    """One page of every proposal of the assembly ``narrow`` leaves, newest first (the last page if past it).

    Words are searched in the title and the text; days are the days the proposals opened, in the active time zone.
    The rows are read by the (assembly, number) index, newest first.
    """
    rows = assembly.proposals.order_by("-number")
    if narrow.words:
        rows = rows.filter(Q(title__icontains=narrow.words) | Q(text__icontains=narrow.words))
    if narrow.status in Proposal.Status.values:
        rows = rows.filter(status=narrow.status)
    if narrow.method:
        rows = rows.filter(method=narrow.method)
    if narrow.since:
        rows = rows.filter(opens_at__date__gte=narrow.since)
    if narrow.until:
        rows = rows.filter(opens_at__date__lte=narrow.until)
    fields = ("number", "title", "status", "method", "kind", "outcome", "opens_at", "closes_at", "closed_at")
    return Paginator(rows.only(*fields), ARCHIVE_PAGE_SIZE).get_page(number)


def due_for_review(assembly: Assembly, today: date, limit: int | None = None) -> list[Proposal]:
    """Adopted decisions whose review date has come and that nobody has reviewed yet (the ``limit`` oldest).

    Only what a list shows is read: number, title and review date.
    """
    due = assembly.proposals.filter(review_on__lte=today, reviewed_at__isnull=True, status=Proposal.Status.CLOSED)
    return list(due.order_by("review_on", "number").only("assembly", "number", "title", "review_on")[:limit])
