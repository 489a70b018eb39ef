"""What people read on the proposal and charter pages: sentences, never JSON; a ballot filled in with one's vote."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from confederal.charter import describe_rule
from confederal.node.decisions import services
from confederal.node.decisions.views import amendment_value
from confederal.node.errors import Refused
from confederal.node.words import say

from .cell import build_cell


@pytest.fixture
def cell(db):
    return build_cell(extra_members=1)


def _page(client, cell, who: str, path: str) -> str:
    client.force_login(cell.users[who])
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


def test_after_voting_a_member_reads_their_vote_in_words_and_the_ballot_is_filled_in(client, cell):
    member = cell.members["ana"]
    proposal = services.do_propose(
        services.check_propose(
            member, title="Where", method="approval", options=["Market square", "Town hall", "Park"]
        ),
        timezone.now(),
    )
    ids = [o["id"] for o in proposal.options]
    choice = services.check_vote(member, proposal, [ids[0], ids[2]], timezone.now())
    services.do_vote(member, proposal, choice, timezone.now())
    html = _page(client, cell, "ana", f"/assemblies/{cell.assembly.slug}/proposals/{proposal.number}/")
    assert "You approved Market square and Park." in html
    assert "[&quot;" not in html
    assert '["' not in html
    checked = re.findall(r'value="([^"]+)" id="a-[^"]+" checked', html)
    assert checked == [ids[0], ids[2]]


def test_a_ranked_ballot_and_a_score_ballot_are_filled_in_again(client, cell):
    member = cell.members["ana"]
    ranked = services.do_propose(
        services.check_propose(member, title="Rank", method="schulze", options=["A", "B", "C"]), timezone.now()
    )
    ids = [o["id"] for o in ranked.options]
    services.do_vote(
        member, ranked, services.check_vote(member, ranked, [ids[2], ids[0]], timezone.now()), timezone.now()
    )
    html = _page(client, cell, "ana", f"/assemblies/{cell.assembly.slug}/proposals/{ranked.number}/")
    assert "You ranked 1. C, 2. A." in html
    assert re.search(rf'name="rank-{ids[2]}"><option value="">—</option><option selected>1</option>', html)


def test_the_charter_page_says_each_rule_in_a_sentence(client, cell):
    html = _page(client, cell, "ana", f"/assemblies/{cell.assembly.slug}/charter")
    assert "Quorum: half of the members take part" in html
    assert "Facilitator: terms of 30 days, at most 2 terms in a row, then 1 term off; chosen by rota" in html
    assert "{&#x27;" not in html
    assert "&quot;num" not in html
    assert "term_days" not in html


@pytest.mark.parametrize(
    ("rule", "typed", "value"),
    [
        ("quorum", "2/3", {"num": 2, "den": 3}),
        ("max_size", "12", 12),
        ("method", "Simple majority", "simple_majority"),
        ("chores", "sweeping, dishes", ["sweeping", "dishes"]),
        (
            "roles.chair",
            "14, 1, 2, Lottery",
            {"term_days": 14, "max_consecutive_terms": 1, "cooldown_terms": 2, "rotation": "lottery"},
        ),
        ("roles.chair", "remove", None),
        ("quorum", '{"num": 1, "den": 3}', {"num": 1, "den": 3}),
    ],
)
def test_an_amendment_is_typed_as_people_write_it(rule, typed, value):
    assert amendment_value(rule, typed) == value


def test_rules_read_as_sentences_with_plurals():
    assert say(describe_rule("voting_days", 1)) == "A vote stays open for 1 day"
    assert say(describe_rule("voting_days", 7)) == "A vote stays open for 7 days"
    assert (
        say(describe_rule("threshold", {"num": 2, "den": 3}))
        == "A super majority is two thirds of those voting for or against"
    )
    assert say(describe_rule("quorum", {"num": 3, "den": 7})) == "Quorum: 3 in 7 of the members take part"
    assert say(describe_rule("roles.chair", None)) == "Chair: the role is removed"


def test_a_closed_vote_says_what_won_by_its_label_and_how_many_took_part(client, cell):
    member = cell.members["ana"]
    proposal = services.do_propose(
        services.check_propose(member, title="When", method="time_poll", options=["Tue 18:30", "Wed 19:00"]),
        timezone.now(),
    )
    first, second = (o["id"] for o in proposal.options)
    for who in cell.members:
        voter = cell.members[who]
        choice = services.check_vote(voter, proposal, {first: "yes", second: "no"}, timezone.now())
        services.do_vote(voter, proposal, choice, timezone.now())
    services.do_close(proposal, proposal.closes_at)
    html = _page(client, cell, "ana", f"/assemblies/{cell.assembly.slug}/proposals/{proposal.number}/")
    assert "Tue 18:30 chosen. 4 of 4 members took part; 2 needed." in html
    assert "Tue 18:30: 4 yes, 0 if need be, 0 no · Wed 19:00: 0 yes, 0 if need be, 4 no" in html
    assert f"Chosen: {first} " not in html


def test_an_amendment_is_titled_with_its_rules_in_words_never_their_json(cell):
    draft = services.check_amendment(
        cell.members["ana"], {"quorum": {"num": 2, "den": 3}, "time_zone": "Europe/Berlin"}, None, "", timezone.now()
    )
    assert "{" not in draft.title
    assert "num" not in draft.title
    assert say(describe_rule("quorum", {"num": 2, "den": 3})) in draft.title


def test_an_amendment_to_a_time_zone_nobody_knows_is_refused(cell):
    with pytest.raises(Refused) as refused:
        services.check_amendment(cell.members["ana"], {"time_zone": "Atlantis/Capital"}, None, "", timezone.now())
    assert refused.value.code == "bad_time_zone"
