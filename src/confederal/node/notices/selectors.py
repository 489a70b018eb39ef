"""What waits for a person: their inbox, computed when read, and their mail settings."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache

from django.conf import settings
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from confederal.ledger import Phrase
from confederal.node.accounts.models import Preferences
from confederal.node.assemblies.models import Assembly, Member
from confederal.node.decisions.models import Ballot, Proposal
from confederal.node.decisions.selectors import due_for_review
from confederal.node.meetings.models import Meeting
from confederal.node.roles.models import Lottery, RoleTerm
from confederal.node.words import day, say

from .models import Mail, MailSettings, Notice, ReadMark

__all__ = [
    "IMMEDIATE_BY_DEFAULT",
    "KINDS",
    "Item",
    "Shared",
    "digests_due",
    "inbox",
    "mail_enabled",
    "mail_settings",
    "mails_due",
    "preferences_of",
    "unread_count",
]

StrOrPromise = str | Promise

#: The kinds of notice a person may have mailed at once, with what the settings page calls them.
KINDS: dict[str, StrOrPromise] = {
    "reply": gettext_lazy("Replies to what you wrote"),
    "mention": gettext_lazy("Mentions of your name"),
    "vote_opened": gettext_lazy("Votes opened in your assemblies"),
    "objection": gettext_lazy("Objections to your proposals"),
    "amended": gettext_lazy("Proposals amended after you voted"),
    "outcome": gettext_lazy("Outcomes of votes"),
}
IMMEDIATE_BY_DEFAULT = ("reply", "mention")
#: Meetings this close are "coming"; stored notices this old leave the inbox.
MEETINGS_AHEAD = timedelta(days=7)
NOTICES_KEPT = timedelta(days=30)
NOTICES_SHOWN = 50
#: Decisions due for review wait in the assembly's own list; the inbox shows the oldest few of each assembly.
REVIEWS_SHOWN = 5
#: The ballots that ask the proposal's author for an answer.
OBJECTIONS = ("object", "block")


@dataclass(frozen=True)
class Item:
    """One thing in a person's inbox: a sentence, where to go, and when it came (newest first)."""

    key: str
    kind: str
    text: str
    assembly: str
    url: str
    when: datetime
    deadline: datetime | None = None
    read: bool = False
    #: The assembly's key, for what every member of it sees alike.
    assembly_id: int = 0


def _at(assembly: Assembly, path: str) -> str:
    """An address inside an assembly's pages (``proposals/3/``), without resolving every one anew."""
    return _assembly_url(assembly.slug) + path


@lru_cache(maxsize=4096)
def _assembly_url(slug: str) -> str:
    return reverse("assembly", args=[slug])


def _open_votes(assemblies: dict[int, Assembly], now: datetime) -> Iterator[Item]:
    """Every open vote of these assemblies (whose members' ballots are taken off per person)."""
    waiting = Proposal.objects.filter(assembly_id__in=assemblies, status=Proposal.Status.OPEN, opens_at__lte=now).only(
        "assembly_id", "number", "title", "opens_at", "closes_at"
    )
    for proposal in waiting:
        assembly = assemblies[proposal.assembly_id]
        yield Item(
            f"vote:{proposal.pk}",
            "vote",
            _("Your vote is awaited on “%(title)s”.") % {"title": proposal.title},
            assembly.name,
            _at(assembly, f"proposals/{proposal.number}/"),
            proposal.opens_at,
            proposal.closes_at,
            assembly_id=assembly.pk,
        )


def _votes(members: dict[int, Member], open_votes: list[Item]) -> list[Item]:
    """The open votes without this person's ballot."""
    ids = [int(item.key[5:]) for item in open_votes]
    cast = set(Ballot.objects.filter(member_id__in=members, proposal_id__in=ids).values_list("proposal_id", flat=True))
    return [item for item, pk in zip(open_votes, ids, strict=True) if pk not in cast]


def _objections(members: dict[int, Member], assemblies: dict[int, Assembly]) -> Iterator[Item]:
    ballots = Ballot.objects.filter(
        proposal__author_id__in=members,
        proposal__status=Proposal.Status.OPEN,
        proposal__method__in=("consent", "consensus"),
    ).select_related("proposal", "member")
    for ballot in ballots:
        if ballot.choice not in OBJECTIONS:
            continue
        proposal = ballot.proposal
        assembly = assemblies[proposal.assembly_id]
        text = (
            _("%(name)s objects to your proposal “%(title)s”.")
            if ballot.choice == "object"
            else _("%(name)s blocks your proposal “%(title)s”.")
        )
        yield Item(
            f"objection:{ballot.pk}:{ballot.changed_at.timestamp():.0f}",
            "objection",
            text % {"name": ballot.member.public_name, "title": proposal.title},
            assembly.name,
            _at(assembly, f"proposals/{proposal.number}/"),
            ballot.changed_at,
            proposal.closes_at,
        )


def _meetings(assemblies: dict[int, Assembly], now: datetime) -> Iterator[Item]:
    coming = Meeting.objects.filter(
        assembly_id__in=assemblies,
        status=Meeting.Status.PLANNED,
        starts_at__gte=now,
        starts_at__lte=now + MEETINGS_AHEAD,
    ).only("assembly_id", "number", "title", "starts_at")
    for meeting in coming:
        assembly = assemblies[meeting.assembly_id]
        yield Item(
            f"meeting:{meeting.pk}",
            "meeting",
            _("The meeting “%(title)s” is coming.") % {"title": meeting.title},
            assembly.name,
            _at(assembly, f"meetings/{meeting.number}/"),
            # It came into the inbox when it came within a week.
            meeting.starts_at - MEETINGS_AHEAD,
            meeting.starts_at,
            assembly_id=assembly.pk,
        )


def _draws(assemblies: dict[int, Assembly]) -> Iterator[Item]:
    pending = Lottery.objects.filter(assembly_id__in=assemblies, result__isnull=True).only(
        "assembly_id", "number", "role", "announced_at"
    )
    for lottery in pending:
        assembly = assemblies[lottery.assembly_id]
        yield Item(
            f"draw:{lottery.pk}",
            "draw",
            _("The draw for the role “%(role)s” awaits randomness.") % {"role": lottery.role},
            assembly.name,
            _at(assembly, f"lotteries/{lottery.number}"),
            lottery.announced_at,
            assembly_id=assembly.pk,
        )


def _mandates(members: dict[int, Member], assemblies: dict[int, Assembly], now: datetime) -> Iterator[Item]:
    today = now.date()
    held = RoleTerm.objects.filter(
        member_id__in=members, start__lte=today, end__gt=today, ended_early_on__isnull=True
    ).only("assembly_id", "role", "start", "end", "created_at")
    for term in held:
        assembly = assemblies[term.assembly_id]
        yield Item(
            f"mandate:{term.pk}",
            "mandate",
            _("You hold the role “%(role)s” until %(end)s.") % {"role": term.role, "end": day(term.end)},
            assembly.name,
            _at(assembly, "roles/"),
            term.created_at,
        )


def _reviews(assemblies: dict[int, Assembly], now: datetime) -> Iterator[Item]:
    for assembly in assemblies.values():
        for proposal in due_for_review(assembly, now.date(), limit=REVIEWS_SHOWN):
            assert proposal.review_on is not None  # due: its review date has come
            yield Item(
                f"review:{proposal.pk}:{proposal.review_on}",
                "review",
                _("The decision “%(title)s” is due for review.") % {"title": proposal.title},
                assembly.name,
                _at(assembly, f"proposals/{proposal.number}/"),
                datetime.combine(proposal.review_on, datetime.min.time(), tzinfo=now.tzinfo),
                assembly_id=assembly.pk,
            )


def _notices(user: User, assemblies: dict[int, Assembly], now: datetime) -> Iterator[Item]:
    recent = Notice.objects.filter(user=user, created_at__gte=now - NOTICES_KEPT)[:NOTICES_SHOWN]
    for notice in recent:
        assembly = assemblies.get(notice.assembly_id) if notice.assembly_id else None
        yield Item(
            f"notice:{notice.pk}",
            notice.kind,
            say(Phrase(notice.message, notice.params)),
            assembly.name if assembly else "",
            notice.url,
            notice.created_at,
            read=notice.read_at is not None,
        )


@dataclass
class Shared:
    """What every member of an assembly sees alike — open votes, meetings coming, draws, reviews due — read once
    for many people (the digests of a batch), per language. A fresh one for each inbox page."""

    now: datetime
    items: dict[tuple[str, int], tuple[list[Item], list[Item]]] = field(default_factory=dict)

    def of(self, assemblies: dict[int, Assembly]) -> tuple[list[Item], list[Item]]:
        """The open votes and the other shared items of these assemblies."""
        language = get_language() or ""
        missing = {pk: a for pk, a in assemblies.items() if (language, pk) not in self.items}
        if missing:
            found: dict[int, tuple[list[Item], list[Item]]] = {pk: ([], []) for pk in missing}
            for item in _open_votes(missing, self.now):
                found[item.assembly_id][0].append(item)
            for item in [*_meetings(missing, self.now), *_draws(missing), *_reviews(missing, self.now)]:
                found[item.assembly_id][1].append(item)
            for pk, pair in found.items():
                self.items[(language, pk)] = pair
        votes: list[Item] = []
        rest: list[Item] = []
        for pk in assemblies:
            pair = self.items[(language, pk)]
            votes += pair[0]
            rest += pair[1]
        return votes, rest


def inbox(user: User, now: datetime, since: datetime | None = None, shared: Shared | None = None) -> list[Item]:
    """Everything that waits for ``user`` across their assemblies on this node, newest first.

    About ten indexed queries, whatever the number of assemblies and decisions: votes not cast, objections to
    the person's open proposals, meetings in the next seven days, draws awaiting randomness, roles held,
    decisions due for review (one small query per assembly), and the notices of the last thirty days.
    With ``since``, only what came after it (a digest); with ``shared``, what the person's assemblies show
    everyone is read once for many people.
    """
    members = {m.pk: m for m in Member.objects.filter(user=user, left_at__isnull=True).select_related("assembly")}
    assemblies = {m.assembly_id: m.assembly for m in members.values()}
    items: list[Item] = []
    if assemblies:
        open_votes, alike = (shared or Shared(now)).of(assemblies)
        items += _votes(members, open_votes)
        items += _objections(members, assemblies)
        items += alike
        items += _mandates(members, assemblies, now)
    items += _notices(user, assemblies, now)
    if since is not None:
        items = [item for item in items if item.when > since]
    read = set(ReadMark.objects.filter(user=user, key__in=[i.key for i in items]).values_list("key", flat=True))
    items = [item if item.read or item.key not in read else Item(**{**item.__dict__, "read": True}) for item in items]
    items.sort(key=lambda item: (item.when, item.key), reverse=True)
    return items


def unread_count(user: User, now: datetime) -> int:
    """How many items of the inbox are not marked read (the header's count)."""
    return sum(1 for item in inbox(user, now) if not item.read)


def mail_enabled() -> bool:
    """Whether this node sends mail at all (``CONFEDERAL_EMAIL_URL`` is set)."""
    return settings.EMAIL_SERVER is not None


def mail_settings(user: User) -> MailSettings:
    """The person's mail settings; an unsaved default row (replies and mentions at once, no digest) if none."""
    found = MailSettings.objects.filter(user=user).first()
    return found or MailSettings(user=user, immediate=list(IMMEDIATE_BY_DEFAULT))


def preferences_of(user: User) -> Preferences | None:
    """The person's time zone and language, if they chose any."""
    return Preferences.objects.filter(user=user).first()


def digests_due(now: datetime, after: int, limit: int) -> list[MailSettings]:
    """The next ``limit`` people (by key, after ``after``) whose digest is due at ``now``: read in batches."""
    due = MailSettings.objects.filter(digest_due_at__lte=now, pk__gt=after).exclude(digest=MailSettings.Digest.OFF)
    return list(due.select_related("user").order_by("pk")[:limit])


def mails_due(now: datetime, limit: int) -> list[Mail]:
    """Mail waiting to be sent, oldest first: never sent and due for (another) attempt."""
    return list(Mail.objects.filter(sent_at__isnull=True, next_attempt_at__lte=now).order_by("next_attempt_at")[:limit])
