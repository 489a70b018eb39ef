"""What waits for a person: their inbox, computed when read, and their mail settings."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache

from django.conf import settings
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from confederal.ledger import N_, Phrase
from confederal.node.accounts.models import Preferences
from confederal.node.assemblies.models import Assembly, Member
from confederal.node.decisions.models import Ballot, Proposal
from confederal.node.federation import selectors as federation
from confederal.node.federation.models import FederationRecord
from confederal.node.meetings.models import Meeting
from confederal.node.roles.models import Lottery, RoleTerm
from confederal.node.words import day, say

from .models import Mail, MailSettings, Notice, ReadMark

__all__ = [
    "IMMEDIATE_BY_DEFAULT",
    "KINDS",
    "OBJECTION_RAISED",
    "Item",
    "Shared",
    "digests_due",
    "inbox",
    "inboxes",
    "mail_enabled",
    "mail_settings",
    "mails_due",
    "preferences_of",
    "preferences_of_many",
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
#: The oldest few of each assembly are read together, this many assemblies to a query (one for nearly everyone).
REVIEWS_PER_QUERY = 100
#: The ballots that ask the proposal's author for an answer.
OBJECTIONS = ("object", "block")
#: The notice of a new objection (decisions), mailed to the author; the inbox shows the objection itself instead.
OBJECTION_RAISED = N_("An objection to your proposal #%(number)s, %(title)s: amend it, or ask what would resolve it.")


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
    waiting = Proposal.objects.filter(
        assembly_id__in=assemblies, status=Proposal.Status.OPEN, opens_at__lte=now
    ).values_list("pk", "assembly_id", "number", "title", "opens_at", "closes_at")
    awaited = _("Your vote is awaited on “%(title)s”.")
    for pk, assembly_id, number, title, opens_at, closes_at in waiting:
        assembly = assemblies[assembly_id]
        yield Item(
            f"vote:{pk}",
            "vote",
            awaited % {"title": title},
            assembly.name,
            _at(assembly, f"proposals/{number}/"),
            opens_at,
            closes_at,
            assembly_id=assembly.pk,
        )


def _cast(members: Iterable[int], open_votes: list[Item]) -> set[tuple[int, int]]:
    """(member, proposal) of every ballot these members cast on these open votes: one query for many people."""
    ids = {int(item.key[5:]) for item in open_votes}
    if not ids:
        return set()
    return set(
        Ballot.objects.filter(member_id__in=list(members), proposal_id__in=ids).values_list("member_id", "proposal_id")
    )


def _votes(members: dict[int, Member], open_votes: list[Item], cast: set[tuple[int, int]]) -> list[Item]:
    """The open votes of the person's assemblies that none of their memberships cast a ballot on."""
    mine = {member.assembly_id: pk for pk, member in members.items()}
    return [item for item in open_votes if (mine.get(item.assembly_id, 0), int(item.key[5:])) not in cast]


def _objections(members: dict[int, Member]) -> dict[int, list[Item]]:
    """Objections and blocks on the open proposals these members wrote, by author: one query for many people.

    The open proposals are found first (by their author), then their ballots by the ballots' own index; a secret
    ballot names nobody.
    """
    proposals = Proposal.objects.filter(
        author_id__in=list(members), status=Proposal.Status.OPEN, method__in=("consent", "consensus")
    )
    ballots = (
        Ballot.objects.filter(proposal_id__in=proposals.values("pk"))
        .select_related("proposal", "member")
        .only(
            "choice",
            "changed_at",
            "member__public_name",
            "proposal__author_id",
            "proposal__assembly_id",
            "proposal__number",
            "proposal__title",
            "proposal__closes_at",
            "proposal__secret",
        )
    )
    found: dict[int, list[Item]] = defaultdict(list)
    for ballot in ballots:
        if ballot.choice not in OBJECTIONS:
            continue
        proposal = ballot.proposal
        assembly = members[proposal.author_id].assembly
        if proposal.secret:
            text = (
                _("Someone objects to your proposal “%(title)s”.")
                if ballot.choice == "object"
                else _("Someone blocks your proposal “%(title)s”.")
            )
        else:
            text = (
                _("%(name)s objects to your proposal “%(title)s”.")
                if ballot.choice == "object"
                else _("%(name)s blocks your proposal “%(title)s”.")
            )
        found[proposal.author_id].append(
            Item(
                f"objection:{ballot.pk}:{ballot.changed_at.timestamp():.0f}",
                "objection",
                text % {"name": ballot.member.public_name, "title": proposal.title},
                assembly.name,
                _at(assembly, f"proposals/{proposal.number}/"),
                ballot.changed_at,
                proposal.closes_at,
            )
        )
    return found


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


def _roles(members: dict[int, Member], now: datetime) -> dict[int, list[Item]]:
    """The roles these members hold today, by member: one query for many people."""
    today = now.date()
    held = RoleTerm.objects.filter(
        member_id__in=list(members), start__lte=today, end__gt=today, ended_early_on__isnull=True
    ).only("member_id", "role", "start", "end", "created_at")
    found: dict[int, list[Item]] = defaultdict(list)
    for term in held:
        assembly = members[term.member_id].assembly
        found[term.member_id].append(
            Item(
                f"mandate:{term.pk}",
                "mandate",
                _("You hold the role “%(role)s” until %(end)s.") % {"role": term.role, "end": day(term.end)},
                assembly.name,
                _at(assembly, "roles/"),
                term.created_at,
            )
        )
    return found


def _reviews(assemblies: dict[int, Assembly], now: datetime) -> Iterator[Item]:
    """The oldest few decisions due for review of each assembly, in one query: a ``UNION ALL`` of a short read of
    the partial index ``proposal_review_due`` for each assembly, which stops after the first few rows.

    Only a closed, adopted decision has a review date: the status is not asked of the database (SQLite would
    then take the status index and sort thousands), only checked.
    """
    pks = list(assemblies)
    if not pks:
        return
    # One assembly's short read, compiled once; the others differ only by the assembly's key.
    part, params = (
        Proposal.objects.filter(assembly_id=pks[0], review_on__lte=now.date(), reviewed_at__isnull=True)
        .order_by("review_on", "number")
        .only("assembly_id", "number", "title", "review_on", "status")[:REVIEWS_SHOWN]
        .query.sql_with_params()
    )
    at = params.index(pks[0])
    due: list[Proposal] = []
    for start in range(0, len(pks), REVIEWS_PER_QUERY):
        chunk = pks[start : start + REVIEWS_PER_QUERY]
        # Django's union() refuses a LIMIT in each part on SQLite; the same parts as subqueries work on both.
        sql = " UNION ALL ".join(f"SELECT * FROM ({part}) AS due{i}" for i in range(len(chunk)))  # noqa: S608 (compiled by Django, values bound)
        due += Proposal.objects.raw(sql, [p if n != at else pk for pk in chunk for n, p in enumerate(params)])
    for proposal in due:
        assert proposal.review_on is not None  # due: its review date has come
        if proposal.status != Proposal.Status.CLOSED:
            continue
        assembly = assemblies[proposal.assembly_id]
        yield Item(
            f"review:{proposal.pk}:{proposal.review_on}",
            "review",
            _("The decision “%(title)s” is due for review.") % {"title": proposal.title},
            assembly.name,
            _at(assembly, f"proposals/{proposal.number}/"),
            datetime.combine(proposal.review_on, datetime.min.time(), tzinfo=now.tzinfo),
            assembly_id=assembly.pk,
        )


def _notices(users: list[int], assemblies: dict[int, Assembly], now: datetime) -> dict[int, list[Item]]:
    """The notices of the last thirty days, the newest fifty of each person, by person.

    A new objection is left out: the computed item says it while it stands (its notice is still mailed).
    """
    recent = Notice.objects.filter(user_id__in=users, created_at__gte=now - NOTICES_KEPT).exclude(
        kind="objection", message=OBJECTION_RAISED
    )
    if len(users) == 1:
        recent = recent[:NOTICES_SHOWN]
    found: dict[int, list[Item]] = defaultdict(list)
    for notice in recent:
        kept = found[notice.user_id]
        if len(kept) >= NOTICES_SHOWN:
            continue
        assembly = assemblies.get(notice.assembly_id) if notice.assembly_id else None
        kept.append(
            Item(
                f"notice:{notice.pk}",
                notice.kind,
                say(Phrase(notice.message, notice.params)),
                assembly.name if assembly else "",
                notice.url,
                notice.created_at,
                read=notice.read_at is not None,
            )
        )
    return found


def _short(*parts: object) -> str:
    """A key of fixed length for what a long address names (read marks keep at most 64 characters)."""
    return hashlib.sha256(":".join(str(p) for p in parts).encode()).hexdigest()[:32]


def _grants(members: dict[int, Member]) -> dict[str, set[str]]:
    """The councils each (origin, public name) of these memberships was sent to: one query for many people."""
    origins = {member.assembly.ledger.origin: member for member in members.values()}
    found: dict[str, set[str]] = defaultdict(set)
    grants = FederationRecord.objects.filter(kind="mandate.grant", origin__in=list(origins)).values_list(
        "origin", "subject", "body"
    )
    for origin, council_id, body in grants:
        if isinstance(body, dict) and body.get("delegate") == origins[origin].public_name:
            found[council_id].add(origin)
    return found


def _delegations(
    members: dict[int, Member], councils: dict[str, list[tuple[str, int]]], shared: Shared
) -> dict[int, list[Item]]:
    """Each live mandate these members hold in a council not yet dissolved, and its open motions without their
    assembly's vote, by member. ``councils``: the (origin, member) sent to each council."""
    found: dict[int, list[Item]] = defaultdict(list)
    for council_id, seats in councils.items():
        item = shared.council(council_id)
        if item is None or item.state.status == "dissolved":
            continue
        state = item.state
        url = reverse("council", args=[item.federation.id, council_id])
        for origin, member_pk in seats:
            member = members[member_pk]
            seat = state.seats.get(origin)
            grant = seat.current if seat is not None and seat.left_at is None else None
            if grant is None or grant.delegate != member.public_name or not grant.live(shared.now):
                continue
            assembly = member.assembly
            found[member_pk].append(
                Item(
                    f"delegate:{_short(council_id, origin, grant.seq)}",
                    "delegate",
                    _("You are the delegate of %(assembly)s to the council “%(council)s”.")
                    % {"assembly": assembly.name, "council": state.charter.objective},
                    assembly.name,
                    url,
                    grant.granted_at,
                    grant.expires_at,
                )
            )
            if state.status != "sitting":
                continue
            for motion in state.motions:
                if motion.decided_at is None and origin not in motion.votes:
                    found[member_pk].append(
                        Item(
                            f"council-vote:{_short(council_id, motion.id, origin)}",
                            "council_vote",
                            _("The council awaits your vote, as delegate, on “%(title)s”.") % {"title": motion.title},
                            assembly.name,
                            url,
                            motion.opened_at,
                            state.charter.ends_at,
                        )
                    )
    return found


@dataclass
class Shared:
    """What every member of an assembly sees alike — open votes, meetings coming, draws, reviews due — and the
    councils folded, read once for many people (the digests of a batch), per language. A fresh one for each
    inbox page."""

    now: datetime
    items: dict[tuple[str, int], tuple[list[Item], list[Item]]] = field(default_factory=dict)
    councils: dict[str, federation.Council | None] = field(default_factory=dict)

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

    def council(self, council_id: str) -> federation.Council | None:
        """A council as this node folds it now, folded once for many people."""
        if council_id not in self.councils:
            self.councils[council_id] = federation.council(council_id, self.now)
        return self.councils[council_id]


def inboxes(
    users: list[User],
    now: datetime,
    since: dict[int, datetime | None] | None = None,
    shared: Shared | None = None,
    *,
    members_only: bool = False,
) -> dict[int, list[Item]]:
    """Everything that waits for each of ``users`` across their assemblies on this node, newest first, by person.

    The same dozen indexed queries for one person or a batch of many, whatever the number of their assemblies and
    decisions: their memberships; what their assemblies show everyone (open votes, meetings in the next seven days,
    draws awaiting randomness, the oldest decisions due for review of each assembly, read once per ``shared``);
    their ballots on those votes, objections to their open proposals, roles held, council mandates, the notices of
    the last thirty days, and their read marks. With ``since`` (by person), only what came after it (a digest).
    Someone in no assembly here gets only their notices (with ``members_only``, nothing: a digest is for members).
    """
    shared = shared or Shared(now)
    ids = [user.pk for user in users]
    members = {
        m.pk: m for m in Member.objects.filter(user_id__in=ids, left_at__isnull=True).select_related("assembly__ledger")
    }
    by_user: dict[int, dict[int, Member]] = defaultdict(dict)
    for member in members.values():
        by_user[member.user_id][member.pk] = member
    everywhere = {m.assembly_id: m.assembly for m in members.values()}
    open_votes, _alike = shared.of(everywhere) if everywhere else ([], [])
    cast = _cast(members, open_votes)
    objections = _objections(members) if members else {}
    roles = _roles(members, now) if members else {}
    councils: dict[str, list[tuple[str, int]]] = defaultdict(list)
    if members:
        for council_id, origins in _grants(members).items():
            councils[council_id] = [
                (m.assembly.ledger.origin, pk) for pk, m in members.items() if m.assembly.ledger.origin in origins
            ]
    delegations = _delegations(members, councils, shared)
    notices = _notices(ids, everywhere, now)
    found: dict[int, list[Item]] = {}
    for user in users:
        mine = by_user.get(user.pk, {})
        if members_only and not mine:
            found[user.pk] = []
            continue
        assemblies = {m.assembly_id: m.assembly for m in mine.values()}
        items: list[Item] = []
        if assemblies:
            votes, alike = shared.of(assemblies)
            items += _votes(mine, votes, cast)
            items += alike
            for pk in mine:
                items += objections.get(pk, [])
                items += roles.get(pk, [])
                items += delegations.get(pk, [])
        items += notices.get(user.pk, [])
        after = (since or {}).get(user.pk)
        if after is not None:
            items = [item for item in items if item.when > after]
        found[user.pk] = items
    read = _read(ids, found)
    for user in users:
        items = [
            item if item.read or (user.pk, item.key) not in read else Item(**{**item.__dict__, "read": True})
            for item in found[user.pk]
        ]
        items.sort(key=lambda item: (item.when, item.key), reverse=True)
        found[user.pk] = items
    return found


def _read(users: list[int], items: dict[int, list[Item]]) -> set[tuple[int, str]]:
    """(person, key) of the items these people marked read."""
    keys = {item.key for found in items.values() for item in found if not item.read}
    if not keys:
        return set()
    marks = ReadMark.objects.filter(user_id__in=users, key__in=keys).values_list("user_id", "key")
    return set(marks)


def inbox(user: User, now: datetime, since: datetime | None = None, shared: Shared | None = None) -> list[Item]:
    """Everything that waits for ``user`` across their assemblies on this node, newest first (see ``inboxes``)."""
    return inboxes([user], now, {user.pk: since}, shared)[user.pk]


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


def preferences_of_many(users: list[User]) -> dict[int, Preferences]:
    """The time zones and languages these people chose, by person (one query for a batch)."""
    return {p.user_id: p for p in Preferences.objects.filter(user_id__in=[u.pk for u in users])}


def digests_due(now: datetime, after: int, limit: int) -> list[MailSettings]:
    """The next ``limit`` people (by key, after ``after``) whose digest is due at ``now``: read in batches."""
    due = MailSettings.objects.filter(digest_due_at__lte=now, pk__gt=after).exclude(digest=MailSettings.Digest.OFF)
    return list(due.select_related("user").order_by("pk")[:limit])


def mails_due(now: datetime, limit: int) -> list[Mail]:
    """Mail waiting to be sent, oldest first: never sent and due for (another) attempt."""
    return list(Mail.objects.filter(sent_at__isnull=True, next_attempt_at__lte=now).order_by("next_attempt_at")[:limit])
