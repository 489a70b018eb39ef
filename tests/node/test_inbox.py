"""Each person's inbox: what waits for them across their assemblies, newest first, marked read one by one or all."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from confederal.ledger import Phrase
from confederal.node.decisions.services import (
    check_change_vote,
    check_propose,
    check_vote,
    do_change_vote,
    do_propose,
    do_vote,
)
from confederal.node.meetings.services import check_schedule, do_schedule
from confederal.node.notices import selectors
from confederal.node.notices.models import Mail
from confederal.node.notices.services import do_notify
from confederal.node.settings import email_from_url

from .cell import build_cell
from .test_mail import _reply_to as reply_to


@pytest.fixture
def cell(db):
    cell = build_cell()
    now = timezone.now()
    do_schedule(
        check_schedule(
            cell.members["ana"],
            title="Seed swap",
            starts_at=now + timedelta(days=2),
            minutes=60,
            place="",
            agenda=["Seeds"],
            now=now,
        )
    )
    return cell


def _as(cell, name):
    client = Client()
    client.force_login(cell.users[name])
    return client


def _texts(cell, name):
    return [item.text for item in selectors.inbox(cell.users[name], timezone.now())]


def test_it_shows_fay_the_vote_the_meeting_her_role_and_a_reply(cell):
    do_notify(
        [cell.users["fay"]],
        kind="reply",
        phrase=Phrase("%(name)s replied to you on “%(title)s”.", {"name": "Ana", "title": "Plant beans in April"}),
        url=f"/assemblies/{cell.assembly.slug}/proposals/{cell.proposal.number}/",
        now=timezone.now(),
        assembly=cell.assembly,
    )
    page = _as(cell, "fay").get("/inbox/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "Your vote is awaited on “Plant beans in April”." in text
    assert "The meeting “Seed swap” is coming." in text
    assert "You hold the role “facilitator”" in text
    assert "Ana replied to you on “Plant beans in April”." in text
    assert "Inbox (4)" in text  # the header counts what is unread
    # The meeting that started five minutes ago is not "coming".
    assert "Spring meeting" not in text


def test_it_tells_the_author_of_an_objection_and_drops_the_vote_once_cast(cell):
    proposal = cell.proposal
    do_vote(
        cell.members["fay"],
        proposal,
        check_vote(cell.members["fay"], proposal, "object", timezone.now(), reason="April is too cold here."),
        timezone.now(),
        reason="April is too cold here.",
    )
    assert "Fay objects to your proposal “Plant beans in April”." in _texts(cell, "ana")
    assert not any("Plant beans" in text for text in _texts(cell, "fay"))


def test_it_shows_an_objection_once_though_its_author_chose_to_have_it_mailed(cell, smtp, settings):
    settings.EMAIL_SERVER = email_from_url(smtp.url)
    ana = _as(cell, "ana")
    ana.post("/accounts/mail", {"email": "ana@example.org", "immediate": ["objection"], "digest": "off"})
    fay = cell.members["fay"]
    now = timezone.now()
    why = "April is too cold here."
    do_vote(fay, cell.proposal, check_vote(fay, cell.proposal, "object", now, reason=why), now, reason=why)
    about = [text for text in _texts(cell, "ana") if "objection" in text.lower() or "objects" in text]
    assert about == ["Fay objects to your proposal “Plant beans in April”."]
    page = ana.get("/inbox/").content.decode()
    assert page.count("objects to your proposal") == 1
    assert "An objection to your proposal" not in page
    (mail,) = Mail.objects.filter(user=cell.users["ana"], kind="objection")
    assert "An objection to your proposal" in mail.subject
    # Withdrawn, it leaves the inbox, and the notice that says so stays.
    later = now + timedelta(minutes=1)
    do_change_vote(fay, cell.proposal, check_change_vote(fay, cell.proposal, "consent", later), later)
    assert "Fay withdrew the objection to your proposal #1, Plant beans in April." in _texts(cell, "ana")
    assert not any("objects to" in text for text in _texts(cell, "ana"))


def test_it_lists_newest_first(cell):
    later = timezone.now() + timedelta(minutes=1)
    do_propose(check_propose(cell.members["nico"], title="Buy a wheelbarrow", method="consent"), later)
    items = selectors.inbox(cell.users["fay"], later + timedelta(seconds=1))
    assert items[0].text == "Your vote is awaited on “Buy a wheelbarrow”."
    assert [item.when for item in items] == sorted((item.when for item in items), reverse=True)


def test_it_marks_one_item_read_then_all_and_read_items_stay(cell):
    fay = _as(cell, "fay")
    first = selectors.inbox(cell.users["fay"], timezone.now())
    vote = next(item for item in first if item.kind == "vote")
    answer = fay.post("/inbox/read", {"key": vote.key})
    assert answer.status_code == 303
    after = {item.key: item for item in selectors.inbox(cell.users["fay"], timezone.now())}
    assert after[vote.key].read
    assert sum(not item.read for item in after.values()) == len(first) - 1
    page = fay.get("/inbox/").content.decode()
    assert 'class="inbox-item read"' in page
    fay.post("/inbox/read", {"all": "1"})
    again = selectors.inbox(cell.users["fay"], timezone.now())
    assert [item.key for item in again] == [item.key for item in first]  # faded, not gone
    assert all(item.read for item in again)
    assert "Inbox (" not in fay.get("/inbox/").content.decode()


def test_it_ignores_keys_that_are_not_items_and_never_fails(cell):
    answer = _as(cell, "fay").post("/inbox/read", {"key": ["", "x" * 500, "notice:abc"]})
    assert answer.status_code == 303
    assert all(not item.read for item in selectors.inbox(cell.users["fay"], timezone.now()))


def test_it_shows_someone_in_no_assembly_an_empty_inbox(cell):
    page = _as(cell, "otto").get("/inbox/").content.decode()
    assert "Nothing waits for you" in page


def test_it_sends_visitors_to_sign_in(cell):
    assert Client().get("/inbox/").status_code == 302


def test_it_reads_what_an_assembly_shows_once_for_many_people_and_each_still_sees_their_own(cell):
    now = timezone.now()
    fay = cell.members["fay"]
    do_vote(fay, cell.proposal, check_vote(fay, cell.proposal, "consent", now), now)
    shared = selectors.Shared(now + timedelta(seconds=1))
    for name in ("ana", "fay", "nico"):
        alone = selectors.inbox(cell.users[name], now + timedelta(seconds=1))
        assert selectors.inbox(cell.users[name], now + timedelta(seconds=1), shared=shared) == alone
    assert "Your vote is awaited on “Plant beans in April”." not in _texts(cell, "fay")
    assert "Your vote is awaited on “Plant beans in April”." in _texts(cell, "nico")


def test_it_reads_a_batch_of_inboxes_together_as_each_person_alone_would_see_theirs(cell):
    now = timezone.now()
    fay = cell.members["fay"]
    why = "April is too cold here."
    do_vote(fay, cell.proposal, check_vote(fay, cell.proposal, "object", now, reason=why), now, reason=why)
    reply_to(cell, "nico", now)
    later = now + timedelta(seconds=1)
    people = [cell.users[name] for name in ("ana", "fay", "nico", "otto")]
    together = selectors.inboxes(people, later)
    assert together == {person.pk: selectors.inbox(person, later) for person in people}
    assert together[cell.users["otto"].pk] == []  # in no assembly, and told nothing
    assert selectors.inboxes(people, later, members_only=True)[cell.users["otto"].pk] == []
