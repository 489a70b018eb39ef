"""The mutual-aid fund across three real nodes: dues from every member, a request granted by the members' own
decisions and paid in both ledgers, the same fund on every node — and a node down during the grant catching up."""

from __future__ import annotations

import pytest

from tests.support.federation import each, same_everywhere, wait_until

from .test_councils_across_nodes import federate

pytestmark = pytest.mark.slow


def fund_of(fed):
    return lambda node: node.try_get(f"/api/federations/{fed}/fund")


def request_on(node, fed, ref):
    fund = node.try_get(f"/api/federations/{fed}/fund") or {}
    return next((r for r in fund.get("requests", []) if r["request"] == ref), None)


def ask(trio, fed):
    """Everyone pays dues; the housing group asks for 40.00 EUR; every node sees the request."""
    each(trio, lambda n: n.step("dues", "--federation", fed))
    housing = trio[2]
    ref = housing.step("ask", "--federation", fed, "--amount", "40.00")["request"]
    for node in trio:
        wait_until(f"{node.slug} sees the request", lambda n=node: request_on(n, fed, ref))
    return ref


def vote(node, fed, ref):
    return node.step("aid-vote", "--federation", fed, "--request", ref, "--choice", "for")


def settle(givers, housing, fed, ref):
    """Each giver pays its share once its node sees the grant; the housing group records what arrived."""
    for node in givers:
        wait_until(f"{node.slug} sees the grant", lambda n=node: (request_on(n, fed, ref) or {}).get("granted"))
        node.step("give", "--federation", fed, "--request", ref)
    origins = {n.origin for n in givers}

    def arrived():
        found = request_on(housing, fed, ref) or {"shares": []}
        return {s["assembly"] for s in found["shares"] if s["given"] and s["given"] >= s["share"]} >= origins

    wait_until("housing sees the shares paid", arrived)
    housing.step("receive", "--federation", fed, "--request", ref)


def test_dues_a_grant_and_its_payment_agree_on_every_node(trio):
    food, energy, housing = trio
    fed = federate(trio)
    ref = ask(trio, fed)
    each(trio, lambda n: vote(n, fed, ref))
    settle((food, energy), housing, fed, ref)
    fund = wait_until(
        "every node shows the same paid grant",
        lambda: (f := same_everywhere(trio, fund_of(fed))) and f["requests"][0]["paid"] and f,
        detail=lambda: [fund_of(fed)(n) for n in trio],
    )
    assert {a["assembly"] for a in fund["assemblies"]} == {n.origin for n in trio}
    assert all(a["paid"]["minor"] == a["owed"]["minor"] > 0 for a in fund["assemblies"])
    request = fund["requests"][0]
    assert request["votes"] == dict.fromkeys(sorted(n.origin for n in trio), "for")
    assert sum(s["share"] for s in request["shares"]) == 4_000
    assert all(s["given"] == s["received"] == s["share"] for s in request["shares"])
    assert not fund["mismatches"]
    held = sum(a["held"]["minor"] for a in fund["assemblies"])
    assert [t["minor"] for t in fund["total"]] == [held]
    assert held == sum(a["paid"]["minor"] for a in fund["assemblies"]) - 4_000


def test_a_node_down_during_the_grant_catches_up_and_agrees(trio):
    food, energy, housing = trio
    fed = federate(trio)
    ref = ask(trio, fed)
    # Before the co-op goes down, the others must hold the same copy of its ledger (its dues decide the shares).
    wait_until("every node shows the same fund", lambda: same_everywhere(trio, fund_of(fed)))
    energy.stop()
    # Two of three is a majority: the food hub and the housing group grant it while the co-op's node is down.
    vote(food, fed, ref)
    vote(housing, fed, ref)
    settle((food,), housing, fed, ref)
    wait_until(
        "the two running nodes agree on the grant, the food hub's share paid, the co-op's still owed",
        lambda: (
            (r := same_everywhere([food, housing], lambda n: request_on(n, fed, ref)))
            and r["granted"]
            and not r["paid"]
        ),
    )
    energy.start()
    wait_until("the co-op catches up on the grant", lambda: (request_on(energy, fed, ref) or {}).get("granted"))
    settle((energy,), housing, fed, ref)
    fund = wait_until(
        "all three agree on the paid grant",
        lambda: (f := same_everywhere(trio, fund_of(fed))) and f["requests"][0]["paid"] and f,
        detail=lambda: [fund_of(fed)(n) for n in trio],
    )
    assert not fund["mismatches"]
    assert len(fund["requests"][0]["votes"]) == 2
