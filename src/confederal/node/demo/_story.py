"""What every demo story is told with: dated steps, and the acts members take, each through its service."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import User

from confederal.records import Amount
from confederal.roles import Rotation

from ..assemblies.models import Assembly, Member
from ..assemblies.services import (
    charter_of,
    check_found_assembly,
    do_accept_invitation,
    do_create_invitation,
    do_decide_join_request,
    do_found_assembly,
    do_request_to_join,
)
from ..decisions.models import Proposal
from ..decisions.services import (
    check_amend_proposal,
    check_propose,
    do_amend_proposal,
    do_change_vote,
    do_close,
    do_propose,
    do_vote,
)
from ..discussion import selectors as discussion_selectors
from ..discussion import services as discussion
from ..meetings.services import (
    check_schedule,
    do_link_decision,
    do_publish_minutes,
    do_schedule,
    do_set_attendance,
    do_update_notes,
)
from ..roles.services import do_add_randomness, do_announce_lottery, do_draw_lottery, do_rotate

__all__ = [
    "DEMO_PASSWORD",
    "Because",
    "Story",
    "account",
    "amend",
    "ask",
    "change_vote",
    "decide",
    "discuss",
    "fill",
    "first_day",
    "found",
    "found_together",
    "invite",
    "meeting",
    "money",
    "replay",
    "sense_check",
    "username_of",
    "vote",
]

# Shown on the demo's sign-in page: these accounts exist only in demo data.
DEMO_PASSWORD = "confederal-demo"  # noqa: S105


def money(euros: int, cents: int = 0) -> Amount:
    return Amount(euros * 100 + cents, "EUR")


@dataclass
class Story:
    """One assembly's history as a list of dated steps, replayed in order."""

    assembly: Assembly | None = None
    members: dict[str, Member] = field(default_factory=dict)
    steps: list[tuple[float, Callable[[datetime], None]]] = field(default_factory=list)
    saved: dict[str, Proposal] = field(default_factory=dict)

    def at(self, day: float) -> Callable[[Callable[[datetime], None]], None]:
        def add(step: Callable[[datetime], None]) -> None:
            self.steps.append((day, step))

        return add


def username_of(name: str) -> str:
    """A demo member's sign-in name: their first name in lower case, without accents."""
    return name.lower().replace("í", "i").replace("é", "e").replace("ñ", "n").replace("á", "a")


def account(name: str) -> User:
    username = username_of(name)
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User.objects.create_user(username=username, password=DEMO_PASSWORD)
    return user


def found(
    story: Story, founder: str, *, name: str, slug: str, focus: str, principles: str, now: datetime, **changes: Any
) -> None:
    request = check_found_assembly(
        account(founder),
        name=name,
        slug=slug,
        focus=focus,
        principles=principles,
        public_name=founder,
        today=now.date(),
        changes=changes,
    )
    story.assembly = do_found_assembly(request, now)
    story.members[founder] = story.assembly.members.get()


def found_together(
    story: Story, founder: str, people: list[str], roles: tuple[str, ...], now: datetime, **charter: Any
) -> None:
    """Found the assembly, invite everyone else a minute apart, then fill ``roles`` an hour later."""
    found(story, founder, now=now, **charter)
    for i, name in enumerate(p for p in people if p != founder):
        invite(story, founder, name, now + timedelta(minutes=i + 1))
    assert story.assembly is not None
    for role in roles:
        fill(story.assembly, role, now + timedelta(hours=1))


def fill(assembly: Assembly, role: str, now: datetime) -> None:
    """Fill a role as its charter says: by rota at once, or by a fair lottery announced, then drawn."""
    if charter_of(assembly).roles[role].value.rotation is not Rotation.LOTTERY:
        do_rotate(assembly, role, now)
        return
    lottery = do_announce_lottery(assembly, role, now)
    first = assembly.members.filter(left_at__isnull=True).order_by("joined_at", "pk").first()
    assert first is not None
    # A fixed contribution keeps the demo the same on every machine; a real member's is fresh randomness.
    do_add_randomness(lottery, first, now + timedelta(minutes=1), hashlib.sha256(assembly.slug.encode()).hexdigest())
    do_draw_lottery(lottery, now + timedelta(minutes=2))


def invite(story: Story, by: str, name: str, now: datetime) -> None:
    assert story.assembly is not None
    invitation = do_create_invitation(story.members[by], now)
    story.members[name] = do_accept_invitation(account(name), invitation, name, now)


def ask(story: Story, name: str, approver: str, now: datetime) -> None:
    assert story.assembly is not None
    request = do_request_to_join(account(name), story.assembly, name, "I'd like to help.", now)
    member = do_decide_join_request(story.members[approver], request, True, now)
    assert member is not None
    story.members[name] = member


@dataclass(frozen=True)
class Because:
    """A vote with its reason: an objection, a block and a stand-aside always say why."""

    choice: str
    reason: str


def vote(story: Story, proposal: Proposal, choices: dict[str, Any], now: datetime) -> None:
    for name, choice in choices.items():
        if isinstance(choice, Because):
            do_vote(story.members[name], proposal, choice.choice, now, choice.reason)
        else:
            do_vote(story.members[name], proposal, choice, now)


def change_vote(story: Story, proposal: Proposal, name: str, choice: Because | str, now: datetime) -> None:
    """A member changes their vote: an objector who consents withdraws the objection."""
    if isinstance(choice, Because):
        do_change_vote(story.members[name], proposal, choice.choice, now, choice.reason)
    else:
        do_change_vote(story.members[name], proposal, choice, now)


def amend(story: Story, proposal: Proposal, text: str, note: str, now: datetime) -> Proposal:
    """The proposer answers an objection with a new version of the text (consents and stand-asides are reset)."""
    amended, _reset = do_amend_proposal(
        check_amend_proposal(proposal.author, proposal, text=text, note=note, now=now), now
    )
    return amended


def decide(
    story: Story,
    author: str,
    title: str,
    choices: dict[str, Any],
    now: datetime,
    *,
    close: bool = True,
    text: str = "",
    method: str | None = None,
    options: tuple[str, ...] = (),
    days: int = 3,
) -> Proposal:
    proposal = do_propose(
        check_propose(story.members[author], title=title, text=text, method=method, options=options, voting_days=days),
        now,
    )
    vote(story, proposal, choices, now + timedelta(hours=2))
    if close:
        proposal = do_close(proposal, proposal.closes_at)
    return proposal


def meeting(
    story: Story,
    by: str,
    title: str,
    start: datetime,
    present: list[str],
    agenda: list[str],
    notes: str,
    decisions: list[Proposal],
    publisher: str | None,
) -> None:
    member = story.members[by]
    meeting = do_schedule(
        check_schedule(
            member,
            title=title,
            starts_at=start,
            minutes=90,
            place="Community hall",
            agenda=agenda,
            now=start - timedelta(days=3),
        )
    )
    if publisher is None:
        return
    for name in present:
        do_set_attendance(meeting, story.members[name], True)
    do_update_notes(meeting, notes)
    for proposal in decisions:
        do_link_decision(meeting, proposal)
    do_publish_minutes(meeting, story.members[publisher], start + timedelta(hours=2))


def first_day(now: datetime, days_ago: int, hour: int, minute: int = 0) -> datetime:
    """The story's first day: ``days_ago`` days before ``now``, at the hour its members meet."""
    return (now - timedelta(days=days_ago)).replace(hour=hour, minute=minute, second=0, microsecond=0)


def replay(story: Story, start: datetime) -> None:
    for day, step in sorted(story.steps, key=lambda s: s[0]):
        step(start + timedelta(days=day))


def discuss(
    story: Story, proposal: Proposal, comments: list[tuple[str, str, int | None]], now: datetime, edit: str = ""
) -> None:
    """Members talk about a proposal: ``(name, Markdown, number of the comment answered)``, ten minutes apart; then the
    first author edits their comment to ``edit`` (if given), so its earlier version shows."""
    assert story.assembly is not None
    place = discussion_selectors.place_or_404(story.assembly, "proposal", proposal.number)
    written = []
    for i, (name, body, parent) in enumerate(comments):
        draft = discussion.check_comment(story.members[name].user, place, body, parent)
        written.append(discussion.do_comment(draft, now + timedelta(minutes=10 * i)))
    if edit:
        first = written[0]
        text = discussion.check_edit(first.author, place, first, edit)
        discussion.do_edit(place, first, text, now + timedelta(minutes=10 * len(comments)))


def sense_check(
    story: Story, by: str, question: str, text: str, answers: dict[str, tuple[str, str]], now: datetime, days: int = 5
) -> None:
    """A member asks how people feel (open for ``days``); the others answer ``(stance, line)``."""
    draft = discussion.check_sense_check(story.members[by], question, text, now + timedelta(days=days), now)
    check = discussion.do_sense_check(draft, now)
    for i, (name, (stance, line)) in enumerate(answers.items()):
        at = now + timedelta(hours=1 + i)
        member = story.members[name]
        discussion.do_answer(member, check, discussion.check_answer(member, check, stance, line, at), at)
