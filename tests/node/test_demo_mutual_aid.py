"""The demo's mutual-aid story on one node: the three assemblies (books opened at founding) federate under the
typed rule, all pay dues, the housing group asks for legal fees, the members grant it and both sides record it."""

import pytest
from django.core.management import call_command

from confederal.node.assemblies.models import Assembly
from confederal.node.decisions.models import Proposal
from confederal.node.demo import seed_demo
from confederal.node.federation import selectors, story
from confederal.node.federation.management.commands.federation import CHARTER


@pytest.mark.slow
@pytest.mark.django_db
def test_the_demo_assemblies_fund_and_pay_a_grant(now):
    assert seed_demo(now)
    food, energy, housing = (Assembly.objects.get(slug=s) for s in ("food-hub", "energy-coop", "housing"))
    mutual_aid = Proposal.objects.get(assembly=food, title__startswith="Put 5% of contributions")
    assert mutual_aid.status == Proposal.Status.CLOSED
    assert mutual_aid.outcome["status"] == "adopted", mutual_aid.outcome
    charter = {**CHARTER, "name": "River Valley Federation", "max_council_days": 30}
    story.decide(food, {"action": "found", "charter": charter}, now)
    fed = selectors.federations()[0]
    for assembly in (energy, housing):
        story.decide(assembly, {"action": "join", "federation": fed.id}, now)
    for assembly in (food, energy, housing):
        story.pay_dues(assembly, fed.id, now)
    ref = story.ask_for_aid(housing, fed.id, "Legal fees for the pipeline blockade", "40.00", 14, now)
    for assembly in (food, energy, housing):
        story.decide(assembly, {"action": "aid_vote", "federation": fed.id, "request": ref, "choice": "for"}, now)
    for assembly in (food, energy):
        story.give_share(assembly, fed.id, ref, now)
    assert len(story.receive_shares(housing, fed.id, ref, now)) == 2
    state = selectors.fund(selectors.federation(fed.id), now.date())
    request = state.request(ref)
    assert request.paid_in_full
    assert sum(request.shares.values()) == 4_000
    assert not state.mismatches
    assert all(h.paid == h.owed > 0 for h in state.holders)
    call_command("federation", "fund", "--federation", fed.id)
