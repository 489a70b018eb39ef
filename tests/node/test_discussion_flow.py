"""Discussions: people talk about a proposal before deciding, and take back what they said if they want.

Ana, Fay and Nico are members of Oak Street Garden; Otto is signed in but not a member; a visitor is not
signed in. Comments are not in the ledger; replies and mentions tell the person concerned.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from confederal.node.decisions.models import Proposal
from confederal.node.decisions.services import check_vote, do_vote
from confederal.node.discussion.models import Comment, Revision, SenseAnswer, SenseCheck
from confederal.node.ledgers.models import LedgerEntry
from confederal.node.notices.models import Notice

from .cell import build_cell


@pytest.fixture
def cell(db):
    return build_cell()


def _page(cell):
    return f"/assemblies/oak-street/proposals/{cell.proposal.number}/"


def _thread(cell):
    return f"/assemblies/oak-street/discussion/proposal/{cell.proposal.number}"


def _as(client, name):
    client.logout()
    if name:
        client.force_login(User.objects.get(username=name))
    return client


def _write(client, cell, body, parent=""):
    return client.post(_thread(cell), {"body": body, "parent": parent})


def _state():
    return (
        list(Comment.objects.values_list("number", "body", "edited_at", "taken_back_at")),
        Revision.objects.count(),
        Notice.objects.count(),
        LedgerEntry.objects.count(),
    )


def test_it_lets_members_discuss_a_proposal_reply_and_mention_and_tells_only_those_concerned(cell, client):
    entries = LedgerEntry.objects.count()
    answer = _write(_as(client, "ana"), cell, "Beans want **sun**: the south bed?")
    assert answer.status_code == 303
    assert answer["Location"] == _page(cell) + "#comment-1"
    _write(_as(client, "fay"), cell, "Agreed; @nico knows the soil there.", parent="1")
    notices = {(n.user.username, n.kind) for n in Notice.objects.select_related("user")}
    assert notices == {("ana", "reply"), ("nico", "mention")}  # nobody else is told of a new comment
    reply = Notice.objects.get(kind="reply")
    assert reply.url == _page(cell) + "#comment-2"
    assert reply.params["name"] == "Fay"
    # A reply to a reply goes beside it: one level of nesting.
    _write(_as(client, "nico"), cell, "Yes, the south bed drains well.", parent="2")
    assert Comment.objects.get(number=3).parent.number == 1
    assert LedgerEntry.objects.count() == entries  # comments are not ledger entries

    page = _as(client, "ana").get(_page(cell)).content.decode()
    assert "<strong>sun</strong>" in page
    assert 'class="mention">@nico</a>' in page
    assert page.index('id="comment-1"') < page.index('id="comment-2"') < page.index('id="comment-3"')
    assert 'hx-get="/assemblies/oak-street/discussion/proposal/' in page
    assert 'hx-trigger="every 10s"' in page


def test_it_keeps_the_history_of_an_edit_visible_and_tells_only_the_newly_mentioned(cell, client):
    timezone.now()
    _write(_as(client, "ana"), cell, "Plant in March.")
    edit = f"{_thread(cell)}/1/edit"
    assert client.get(edit).status_code == 200
    assert client.post(edit, {"body": "Plant in April, ask @fay."}).status_code == 303
    assert client.post(edit, {"body": "Plant in April, ask @fay and @nico."}).status_code == 303
    assert sorted(Notice.objects.values_list("user__username", flat=True)) == ["fay", "nico"]  # each told once
    page = client.get(_page(cell)).content.decode()
    assert "Plant in April, ask" in page
    assert "edited" in page
    assert "Plant in March." in page  # the earlier versions are listed under "edited"
    assert Revision.objects.count() == 2
    # Someone else cannot change it.
    before = _state()
    refused = _as(client, "fay").post(edit, {"body": "Plant never."}, follow=True)
    assert "Only the person who wrote a comment" in refused.content.decode()
    assert _state() == before


def test_it_lets_an_author_take_back_a_comment_and_the_replies_keep_their_place(cell, client):
    _write(_as(client, "ana"), cell, "Something I regret.")
    _write(_as(client, "fay"), cell, "I answer it.", parent="1")
    before = _state()
    assert _as(client, "fay").post(f"{_thread(cell)}/1/take-back").status_code == 303
    assert _state() == before  # only its author can
    client.post(f"{_thread(cell)}/1/edit", {"body": "x"})
    _as(client, "ana").post(f"{_thread(cell)}/1/edit", {"body": "Something I regret even more."})
    assert client.post(f"{_thread(cell)}/1/take-back").status_code == 303
    first = Comment.objects.get(number=1)
    assert first.body == ""
    assert first.taken_back_at is not None
    assert not first.revisions.exists()
    page = client.get(_page(cell)).content.decode()
    assert "Ana took this comment back." in page
    assert "regret" not in page
    assert page.index("Ana took this comment back.") < page.index("I answer it.")
    # Taken back stays taken back.
    again = client.post(f"{_thread(cell)}/1/edit", {"body": "Back again"}, follow=True)
    assert "was taken back" in again.content.decode()


def test_it_shows_the_discussion_to_members_only_unless_the_charter_makes_it_public(cell, client):
    now = timezone.now()
    _write(_as(client, "ana"), cell, "Talk among members.")
    assert "Talk among members." in client.get(_page(cell)).content.decode()
    for name in ("otto", None):
        page = _as(client, name).get(_page(cell)).content.decode()
        assert "Talk among members." not in page
        assert "Only members of the assembly read" in page
        assert client.get(_thread(cell)).status_code == 403
    # The assembly decides to open its discussions: by an amendment from the charter page's form, adopted.
    charter = _as(client, "ana").get("/assemblies/oak-street/charter").content.decode()
    assert '<option value="discussion">' in charter
    proposed = client.post("/assemblies/oak-street/charter/amend", {"rule": "discussion", "value": "public"})
    assert proposed.status_code == 303
    amendment = Proposal.objects.get(kind="amendment")
    assert amendment.payload["changes"] == {"discussion": "public"}
    now = timezone.now()
    for name in ("ana", "fay", "nico"):
        do_vote(cell.members[name], amendment, check_vote(cell.members[name], amendment, "consent", now), now)
    amendment.refresh_from_db()
    assert amendment.outcome["status"] == "adopted"
    for name in ("otto", None):
        page = _as(client, name).get(_page(cell)).content.decode()
        assert "Talk among members." in page
        assert "Anyone may read this discussion" in page
        assert 'id="comment-form"' not in page  # still only members write
        before = _state()
        refused = _write(client, cell, "A visitor's word.")
        assert refused.status_code == 303
        assert _state() == before


def test_it_refuses_oversized_unreadable_or_misplaced_comments_and_changes_nothing(cell, client):
    _write(_as(client, "ana"), cell, "First.")
    before = _state()
    cases = [
        ("x" * 10_001, "", "at most 10,000 characters"),
        ("   ", "", "Write something first."),
        ("bad \u202e text", "", "control characters"),
        ("a reply", "99", "no such comment"),
        ("a reply", "-1", "no such comment"),
        ("a reply", "1" * 20, "no such comment"),
    ]
    for body, parent, why in cases:
        answer = _write(client, cell, body, parent)
        assert answer.status_code == 303
        assert why in client.get(answer["Location"]).content.decode()
        assert _state() == before
    assert client.post(f"{_thread(cell)}/1/edit", {"body": "y" * 10_001}).status_code == 303
    assert client.post("/assemblies/oak-street/discussion/proposal/999", {"body": "hi"}).status_code == 404
    assert client.post("/assemblies/oak-street/discussion/nothing/1", {"body": "hi"}).status_code == 404
    assert client.get(f"{_thread(cell)}/7/edit").status_code == 404
    assert _state() == before
    # Neither a visitor nor a signed-in non-member writes.
    for name in ("otto", None):
        _write(_as(client, name), cell, "Let me in.")
        assert _state() == before


def test_it_shows_scripts_and_javascript_links_as_text_never_as_code(cell, client):
    body = (
        '<script>alert("x")</script> <img src=x onerror=alert(1)> [click](javascript:alert(1)) '
        "[site](https://example.org) [mail](mailto:a@example.org) [data](data:text/html,hi)"
    )
    _write(_as(client, "ana"), cell, body)
    page = client.get(_page(cell)).content.decode()
    assert "<script>alert" not in page
    assert "<img src=x" not in page
    assert "&lt;script&gt;alert" in page
    assert 'href="javascript:' not in page
    assert 'href="data:' not in page
    assert "[click](javascript:alert(1))" in page
    assert '<a href="https://example.org" rel="nofollow ugc noopener">site</a>' in page
    assert '<a href="mailto:a@example.org" rel="nofollow ugc noopener">mail</a>' in page


def test_it_refreshes_the_thread_only_when_something_changed(cell, client):
    _write(_as(client, "ana"), cell, "One.")
    fragment = client.get(_thread(cell), headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert "One." in fragment.content.decode()
    version = fragment.content.decode().split("?v=", 1)[1].split('"', 1)[0]
    assert client.get(_thread(cell) + "?v=" + version).status_code == 204
    _write(_as(client, "fay"), cell, "Two.")
    assert client.get(_thread(cell) + "?v=" + version).status_code == 200


def test_it_discusses_meetings_too(cell, client):
    meeting = f"/assemblies/oak-street/meetings/{cell.meeting.number}/"
    answer = _as(client, "ana").post(
        f"/assemblies/oak-street/discussion/meeting/{cell.meeting.number}", {"body": "Bring seeds."}
    )
    assert answer["Location"] == meeting + "#comment-1"
    assert "Bring seeds." in client.get(meeting).content.decode()


def test_it_asks_how_members_feel_before_a_proposal(cell, client):
    now = timezone.now()
    _as(client, "ana")
    closes = (now + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    answer = client.post(
        "/assemblies/oak-street/checks/new",
        {
            "question": "Shall we keep bees?",
            "text": "Two hives by the **shed**. <script>x</script>",
            "closes_at": closes,
        },
    )
    assert answer.status_code == 303
    assert answer["Location"] == "/assemblies/oak-street/checks/1/"
    check = SenseCheck.objects.get()
    assert "Shall we keep bees?" in client.get("/assemblies/oak-street/").content.decode()
    answer_url = "/assemblies/oak-street/checks/1/answer"
    client.post(answer_url, {"stance": "for", "line": "Honey!"})
    _as(client, "fay").post(answer_url, {"stance": "concerns", "line": "Stings near the children."})
    client.post(answer_url, {"stance": "against", "line": "Thought again."})  # changed while open
    assert SenseAnswer.objects.filter(sense_check=check).count() == 2
    page = client.get("/assemblies/oak-street/checks/1/").content.decode()
    assert "1 is for it" in page
    assert "0 have concerns" in page
    assert "1 is against it" in page
    assert "Two hives by the <strong>shed</strong>. &lt;script&gt;" in page
    assert "Thought again." in page
    assert "Honey!" in page
    assert "/proposals/new?title=Shall+we+keep+bees%3F" in page
    prefilled = client.get("/assemblies/oak-street/proposals/new?title=Shall+we+keep+bees%3F").content.decode()
    assert 'value="Shall we keep bees?"' in prefilled
    # It has its own thread.
    client.post("/assemblies/oak-street/discussion/check/1", {"body": "Ask the neighbours."})
    assert "Ask the neighbours." in client.get("/assemblies/oak-street/checks/1/").content.decode()
    # Refused: a bad stance, a non-member, a bad closing time; nothing changes.
    before = list(SenseAnswer.objects.values_list("member_id", "stance", "line"))
    client.post(answer_url, {"stance": "maybe"})
    _as(client, "otto").post(answer_url, {"stance": "for"})
    assert list(SenseAnswer.objects.values_list("member_id", "stance", "line")) == before
    assert "/checks/" not in client.get("/assemblies/oak-street/").content.decode()  # members only
    assert client.get("/assemblies/oak-street/checks/1/").status_code == 303
    _as(client, "ana")
    for closes_at in ("soon", (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")):
        refused = client.post("/assemblies/oak-street/checks/new", {"question": "Bees?", "closes_at": closes_at})
        assert refused.status_code == 400
    assert SenseCheck.objects.count() == 1
