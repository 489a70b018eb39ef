"""A federation of three real nodes: a council convened, mandated, voting, recalling and dissolving by itself.

Every step is an assembly's own decision on its own node; every node folds the
council from the member ledgers it pulled and verified, and all must agree.
"""

from __future__ import annotations

from tests.support.federation import later, same_everywhere, wait_until

DELEGATES = {"food-hub": "Amara", "energy-coop": "Kwame", "housing": "Nadia"}


def federate(trio, breach="refuse"):
    """Found a federation on the first node and have the other two assemblies join it; return its id."""
    founder, *others = trio
    fed = founder.step("found", "--name", "River Valley", "--days", "30", "--breach", breach)["federation"]
    for node in others:
        wait_until(f"{node.slug} knows the federation", lambda n=node: n.try_get(f"/federations/{fed}/"))
        node.step("join", "--federation", fed)

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
    for node in trio[1:]:
        wait_until(f"{node.slug} knows the council", lambda n=node: n.archive(fed, council))
        node.step("join-council", "--council", council)

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


def current_delegate(data, origin):
    seat = next(s for s in data["seats"] if s["assembly"] == origin)
    live = [g for g in seat["mandates"] if g["ended_at"] is None]
    return live[0]["delegate"] if live else None


def delegates_seen(trio, fed, council):
    def read(node):
        data = node.archive(fed, council)
        return tuple(current_delegate(data, n.origin) for n in trio) if data else None

    return read


def test_it_runs_a_council_from_convening_to_dissolution_with_the_same_result_on_every_node(trio):
    fed = federate(trio)
    council = convene(trio, fed, seconds=75)
    for node in trio:
        appoint(node, council, DELEGATES[node.slug], q1="for")
    wait_until(
        "every node sees the three mandates",
        lambda: same_everywhere(trio, delegates_seen(trio, fed, council)) == tuple(DELEGATES.values()),
    )

    motion = trio[1].step("motion", "--council", council, "--title", "Blockade on 12 December", "--question", "q1")[
        "motion"
    ]
    for node in trio:
        wait_until(f"{node.slug} sees the motion", lambda n=node: n.archive(fed, council)["motions"])
        assert node.step("vote", "--council", council, "--motion", motion, "--choice", "for")["vote"] >= 0

    def tally(node):
        data = node.archive(fed, council)
        m = data["motions"][0] if data and data["motions"] else None
        return (m["for"], m["against"], m["adopted"], m["decided_at"]) if m and m["decided_at"] else None

    result = wait_until("the motion is decided alike everywhere", lambda: same_everywhere(trio, tally))
    assert result[:3] == (3, 0, True)

    def dissolved(node):
        data = node.archive(fed, council)
        return data if data and data["status"] == "dissolved" else None

    archive = wait_until("the council dissolves on every node", lambda: same_everywhere(trio, dissolved), timeout=120)
    for seat in archive["seats"]:
        assert [g["end"] for g in seat["mandates"]] == ["dissolved"]

    # Each member assembly thanks its delegate in its own ledger, and every node carries all three sunsets.
    def sunsets(node):
        data = node.try_get(f"/federations/{fed}/councils/{council}/") or {}
        found = data.get("sunsets", [])
        return found if len(found) == 3 else None

    thanks = wait_until("every node shows the three sunset records", lambda: same_everywhere(trio, sunsets))
    assert sorted(name for s in thanks for name in s["thanks"]) == sorted(DELEGATES.values())
    assert len({s["archive"] for s in thanks}) == 1  # the same archive, hashed alike by each assembly
