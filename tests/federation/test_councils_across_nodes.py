"""A federation of three real nodes: a council convened, mandated, voting, recalling and dissolving by itself.

Every step is an assembly's own decision on its own node; every node folds the
council from the member ledgers it pulled and verified, and all must agree.
"""

from __future__ import annotations

from tests.support.federation import advance_all, each, later, same_everywhere, wait_until
from tests.support.nodes import forge

#: How long the councils sit: a test moves the nodes' clocks past the end rather than waiting for it.
COUNCIL_SECONDS = 600
DELEGATES = {"food-hub": "Amara", "energy-coop": "Kwame", "housing": "Nadia"}


def federate(trio, breach="refuse"):
    """Found a federation on the first node and have the other two assemblies join it; return its id."""
    founder, *others = trio
    fed = founder.step("found", "--name", "River Valley", "--days", "30", "--breach", breach)["federation"]

    def join(node):
        wait_until(f"{node.slug} knows the federation", lambda: node.try_get(f"/federations/{fed}/"))
        node.step("join", "--federation", fed)

    each(others, join)

    def members(node):
        data = node.try_get(f"/federations/{fed}/")
        return sorted(m["origin"] for m in data["members"]) if data else None

    assert wait_until("every node sees three members", lambda: same_everywhere(trio, members)) == sorted(
        n.origin for n in trio
    )
    return fed


def convene(trio, fed, seconds, agenda=("Blockade the pipeline route on 12 December",)):
    """Convene a council on the first node for ``seconds`` (its convener sits at once); the others join it."""
    args = ["convene", "--federation", fed, "--objective", "Stop the river pipeline", "--ends", later(seconds)]
    for text in agenda:
        args += ["--agenda", text]
    council = trio[0].step(*args)["council"]

    def join(node):
        wait_until(f"{node.slug} knows the council", lambda: node.archive(fed, council))
        node.step("join-council", "--council", council)

    each(trio[1:], join)

    def seats(node):
        data = node.archive(fed, council)
        return sorted(s["assembly"] for s in data["seats"] if s["left_at"] is None) if data else None

    wait_until("every node seats all three", lambda: same_everywhere(trio, seats) == sorted(n.origin for n in trio))
    return council


def appoint(node, council, delegate, **instructions):
    args = ["appoint", "--council", council, "--delegate", delegate]
    for question, choice in instructions.items():
        args += ["--instruction", f"{question}={choice}"]
    node.step(*args)


def by_hand(node, tmp_path, body):
    """Write a delegate's act straight into the node's ledger, around every check the pages make."""
    (seq,) = forge(node.node.env, node.slug, [("delegate.act", body)])
    return seq


def grant_of(data, origin, delegate):
    seat = next(s for s in data["seats"] if s["assembly"] == origin)
    return next(g["grant"] for g in seat["mandates"] if g["delegate"] == delegate)


def ignored_everywhere(trio, fed, council, origin, seq):
    def read(node):
        data = node.archive(fed, council)
        found = [i for i in data["ignored"] if i["assembly"] == origin and i["seq"] == seq] if data else []
        return found[0]["why"] if found else None

    return wait_until(f"every node ignores entry {seq} of {origin}", lambda: same_everywhere(trio, read))


def current_delegate(data, origin):
    seat = next(s for s in data["seats"] if s["assembly"] == origin)
    live = [g for g in seat["mandates"] if g["ended_at"] is None]
    return live[0]["delegate"] if live else None


def delegates_seen(trio, fed, council):
    def read(node):
        data = node.archive(fed, council)
        return tuple(current_delegate(data, n.origin) for n in trio) if data else None

    return read


def test_it_runs_a_council_from_convening_to_dissolution_with_the_same_result_on_every_node(trio, tmp_path):
    fed = federate(trio)
    council = convene(trio, fed, seconds=COUNCIL_SECONDS)
    each(trio, lambda node: appoint(node, council, DELEGATES[node.slug], q1="for"))
    wait_until(
        "every node sees the three mandates",
        lambda: same_everywhere(trio, delegates_seen(trio, fed, council)) == tuple(DELEGATES.values()),
    )

    motion = trio[1].step("motion", "--council", council, "--title", "Blockade on 12 December", "--question", "q1")[
        "motion"
    ]

    def vote(node):
        wait_until(f"{node.slug} sees the motion", lambda: node.archive(fed, council)["motions"])
        return node.step("vote", "--council", council, "--motion", motion, "--choice", "for")["vote"]

    assert all(seq >= 0 for seq in each(trio, vote))

    def tally(node):
        data = node.archive(fed, council)
        m = data["motions"][0] if data and data["motions"] else None
        return (m["for"], m["against"], m["adopted"], m["decided_at"]) if m and m["decided_at"] else None

    result = wait_until("the motion is decided alike everywhere", lambda: same_everywhere(trio, tally))
    assert result[:3] == (3, 0, True)

    # Time passes on every node (their clocks move together) until the council's end.
    advance_all(trio, COUNCIL_SECONDS + 1)

    def dissolved(node):
        data = node.archive(fed, council)
        return data if data and data["status"] == "dissolved" else None

    archive = wait_until("the council dissolves on every node", lambda: same_everywhere(trio, dissolved))
    for seat in archive["seats"]:
        assert [g["end"] for g in seat["mandates"]] == ["dissolved"]
    for node in trio:  # the JSON API serves the same archive
        assert node.get(f"/api/federations/{fed}/councils/{council}")["archive"]["motions"] == archive["motions"]

    # Each member assembly thanks its delegate in its own ledger, and every node carries all three sunsets.
    def sunsets(node):
        data = node.try_get(f"/federations/{fed}/councils/{council}/") or {}
        found = data.get("sunsets", [])
        return found if len(found) == 3 else None

    thanks = wait_until("every node shows the three sunset records", lambda: same_everywhere(trio, sunsets))
    assert sorted(name for s in thanks for name in s["thanks"]) == sorted(DELEGATES.values())
    assert len({s["archive"] for s in thanks}) == 1  # the same archive, hashed alike by each assembly

    # A vote written after the end, even straight into a member's ledger, counts nowhere.
    housing = trio[2]
    late = {
        "council": council,
        "grant": grant_of(archive, housing.origin, "Nadia"),
        "act": "vote",
        "motion": {"origin": trio[1].origin, "seq": int(motion.split("#")[1])},
        "choice": "against",
    }
    seq = by_hand(housing, tmp_path, late)
    assert ignored_everywhere(trio, fed, council, housing.origin, seq) == "witnessed after the council ended"
    assert same_everywhere(trio, tally) == result
    refused = housing.step("vote", "--council", council, "--motion", motion, "--choice", "for", ok=False)
    assert "no_delegate" in refused or "dissolved" in refused


def test_it_refuses_a_vote_against_the_mandate_and_recalls_a_delegate_mid_vote(trio, tmp_path):
    food, energy, housing = trio
    fed = federate(trio)
    council = convene(trio, fed, seconds=240)
    appoint(food, council, "Amara", q1="for")
    appoint(energy, council, "Kwame", q1="for")
    appoint(housing, council, "Nadia", q1="judgement")
    wait_until(
        "every node sees the three mandates",
        lambda: same_everywhere(trio, delegates_seen(trio, fed, council)) == ("Amara", "Kwame", "Nadia"),
    )
    motion = food.step("motion", "--council", council, "--title", "Blockade on 12 December", "--question", "q1")[
        "motion"
    ]
    for node in trio:
        wait_until(f"{node.slug} sees the motion", lambda n=node: n.archive(fed, council)["motions"])
    food.step("vote", "--council", council, "--motion", motion, "--choice", "for")

    # Kwame's mandate says "for": the charter refuses his vote against, and nothing is written.
    size = energy.get("/ledgers/energy-coop/")["size"]
    refused = energy.step("vote", "--council", council, "--motion", motion, "--choice", "against", ok=False)
    assert "against_mandate" in refused
    assert energy.get("/ledgers/energy-coop/")["size"] == size
    # The same vote written around the pages is refused by every node's fold.
    archive = energy.archive(fed, council)
    motion_ref = {"origin": food.origin, "seq": int(motion.split("#")[1])}
    breach = {
        "council": council,
        "grant": grant_of(archive, energy.origin, "Kwame"),
        "act": "vote",
        "motion": motion_ref,
        "choice": "against",
    }
    seq = by_hand(energy, tmp_path, breach)
    assert ignored_everywhere(trio, fed, council, energy.origin, seq).startswith("refused:")
    energy.step("vote", "--council", council, "--motion", motion, "--choice", "for")

    # Mid-vote, the housing assembly recalls Nadia before she votes.
    nadia = grant_of(archive, housing.origin, "Nadia")
    housing.step("recall", "--council", council)

    def nadia_recalled(node):
        data = node.archive(fed, council)
        seat = next(s for s in data["seats"] if s["assembly"] == housing.origin) if data else None
        return seat and [g["end"] for g in seat["mandates"]] == ["recalled"]

    wait_until("every node sees the recall", lambda: all(nadia_recalled(n) for n in trio))
    assert "no_delegate" in housing.step("vote", "--council", council, "--motion", motion, "--choice", "for", ok=False)
    stale = {"council": council, "grant": nadia, "act": "vote", "motion": motion_ref, "choice": "for"}
    seq = by_hand(housing, tmp_path, stale)
    assert ignored_everywhere(trio, fed, council, housing.origin, seq) == (
        "the delegate holds no live mandate from this assembly"
    )

    def open_tally(node):
        data = node.archive(fed, council)
        m = data["motions"][0] if data else None
        return (m["for"], m["against"], m["decided_at"]) if m else None

    assert same_everywhere(trio, open_tally) == (2, 0, None)

    # A replacement is appointed at once and her vote counts.
    appoint(housing, council, "Paula", q1="against")
    wait_until(
        "every node sees the replacement",
        lambda: same_everywhere(trio, delegates_seen(trio, fed, council)) == ("Amara", "Kwame", "Paula"),
    )
    housing.step("vote", "--council", council, "--motion", motion, "--choice", "against")

    def decided(node):
        data = node.archive(fed, council)
        m = data["motions"][0] if data else None
        return (
            (m["for"], m["against"], m["adopted"], [v["delegate"] for v in m["votes"]])
            if m and m["decided_at"]
            else None
        )

    result = wait_until("the motion is decided alike everywhere", lambda: same_everywhere(trio, decided))
    assert result[:2] == (2, 1)
    assert sorted(result[3]) == ["Amara", "Kwame", "Paula"]
