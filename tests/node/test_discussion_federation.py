"""Discussions of a federation's councils and aid requests: the members of its assemblies on this node talk, delegates
among them; members of an assembly outside the federation, and visitors, see nothing."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from confederal.ledger import format_time
from confederal.node.assemblies.models import Assembly
from confederal.node.demo import seed_demo
from confederal.node.discussion.models import Comment
from confederal.node.discussion.selectors import aid_key
from confederal.node.federation import selectors, story
from confederal.node.federation.management.commands.federation import CHARTER
from confederal.node.notices.models import Notice
from confederal.node.web import now as node_now


def _as(client, name):
    client.logout()
    if name:
        client.force_login(User.objects.get(username=name))
    return client


@pytest.mark.slow
@pytest.mark.django_db
def test_it_lets_the_federations_members_discuss_a_council_and_an_aid_request(client):
    now = node_now()
    assert seed_demo(timezone.now())
    food, energy = (Assembly.objects.get(slug=s) for s in ("food-hub", "energy-coop"))
    charter = {**CHARTER, "name": "River Valley Federation", "max_council_days": 30}
    story.decide(food, {"action": "found", "charter": charter}, now)
    fed = selectors.federations()[0]
    story.decide(energy, {"action": "join", "federation": fed.id}, now)  # the housing group stays out
    council = {
        "federation": fed.id,
        "objective": "Share the winter fuel order",
        "starts_at": format_time(now.replace(microsecond=0)),
        "ends_at": format_time(now.replace(microsecond=0) + timedelta(days=3)),
        "agenda": [],
    }
    story.decide(food, {"action": "convene", "council": council}, now)
    council_id = selectors.councils_of(fed, now)[0].id
    page = f"/federations/{fed.id}/councils/{council_id}/"
    thread = f"/federations/{fed.id}/discussion/council/{council_id}"

    answer = _as(client, "amara").post(thread, {"body": "We could order together, @efua."})
    assert answer.status_code == 303
    assert answer["Location"] == page + "#comment-1"
    assert Notice.objects.filter(user__username="efua", kind="mention").exists()
    reply = _as(client, "efua").post(thread, {"body": "Yes: 40 households here.", "parent": "1"})
    assert reply.status_code == 303
    shown = client.get(page).content.decode()
    assert "We could order together" in shown
    assert "40 households" in shown
    assert Notice.objects.filter(user__username="amara", kind="reply").exists()

    before = Comment.objects.count()
    for outsider in ("oscar", None):  # a member of an assembly outside the federation; a visitor
        _as(client, outsider)
        assert "We could order together" not in client.get(page).content.decode()
        assert client.get(thread).status_code == 403
        client.post(thread, {"body": "Let us in."})
    assert Comment.objects.count() == before
    assert (
        _as(client, "amara").post(f"/federations/{fed.id}/discussion/council/{'0' * 64}", {"body": "x"}).status_code
        == 404
    )
    assert client.post(f"/federations/{fed.id}/discussion/proposal/1", {"body": "x"}).status_code == 404

    for assembly in (food, energy):
        story.pay_dues(assembly, fed.id, now)
    ref = story.ask_for_aid(energy, fed.id, "A new inverter after the storm", "40.00", 14, now)
    fund = client.get(f"/federations/{fed.id}/fund/").content.decode()
    aid_page = f"/federations/{fed.id}/fund/requests/{aid_key(ref)}/"
    assert aid_page in fund
    answer = client.post(f"/federations/{fed.id}/discussion/aid/{aid_key(ref)}", {"body": "Which model?"})
    assert answer["Location"] == aid_page + "#comment-1"
    assert "Which model?" in client.get(aid_page).content.decode()
    assert "Which model?" not in _as(client, "oscar").get(aid_page).content.decode()
