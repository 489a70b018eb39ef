"""Faults across real nodes: one killed mid-council and restarted, one forking its history, one sending bad data."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from tests.support import tamper
from tests.support.federation import HostilePeer, same_everywhere, start_federation, stop_federation, wait_until

from .test_councils_across_nodes import appoint, convene, delegates_seen, federate


def followed(node, origin):
    data = node.try_get("/federation/peers") or {"followed": []}
    return next((f for f in data["followed"] if f["origin"] == origin), None)


def test_it_keeps_a_killed_nodes_vote_and_converges_after_restart_while_the_others_carry_on(trio):
    food, energy, housing = trio
    fed = federate(trio)
    council = convene(trio, fed, seconds=180)
    for node, name in zip(trio, ("Amara", "Kwame", "Nadia"), strict=True):
        appoint(node, council, name, q1="for")
    wait_until(
        "every node sees the three mandates",
        lambda: same_everywhere(trio, delegates_seen(trio, fed, council)) == ("Amara", "Kwame", "Nadia"),
    )
    motion = food.step("motion", "--council", council, "--title", "Blockade", "--question", "q1")["motion"]
    wait_until("the energy co-op sees the motion", lambda: energy.archive(fed, council)["motions"])

    # Kwame's vote is acknowledged, then the power goes at once.
    acknowledged = energy.step("vote", "--council", council, "--motion", motion, "--choice", "for")["vote"]
    energy.kill()

    # The other two carry on without waiting for it.
    wait_until("housing sees the motion", lambda: housing.archive(fed, council)["motions"])
    housing.step("vote", "--council", council, "--motion", motion, "--choice", "for")

    def housing_vote_seen(node):
        data = node.archive(fed, council)
        return data and any(v["delegate"] == "Nadia" for v in data["motions"][0]["votes"])

    wait_until("the food hub sees housing's vote while the co-op is down", lambda: housing_vote_seen(food))
    food.step("vote", "--council", council, "--motion", motion, "--choice", "for")

    energy.start()
    assert energy.get("/ledgers/energy-coop/")["size"] > acknowledged  # nothing acknowledged was lost

    def decided(node):
        data = node.archive(fed, council)
        m = data["motions"][0] if data and data["motions"] else None
        return (m["for"], sorted(v["delegate"] for v in m["votes"]), m["decided_at"]) if m and m["decided_at"] else None

    # The restarted node catches up by pulling, verifying and folding its peers' ledgers again; once, with the whole
    # suite sharing two cores, that took longer than a minute. It may take a while, but it must come.
    result = wait_until(
        "all three converge on the same decided motion", lambda: same_everywhere(trio, decided), timeout=150
    )
    assert result[:2] == (3, ["Amara", "Kwame", "Nadia"])
    assert same_everywhere(trio, lambda n: n.archive(fed, council))


def test_it_catches_a_node_that_rewrites_its_history_and_keeps_both_signed_checkpoints(trio):
    food, energy, housing = trio
    size = food.get("/ledgers/food-hub/")["size"]
    for node in (energy, housing):
        wait_until(
            f"{node.slug} follows the food hub", lambda n=node: (followed(n, food.origin) or {}).get("size") == size
        )

    food.stop()
    seq = tamper.find_entry(food.node.db, b"Kitchen rent, first month")
    tamper.rewrite_history(food.node.db, food.node.data_dir, seq, b"Kitchen rent, first month", b"Kitchen rent, waived")
    food.start()

    for node in (energy, housing):
        evidence = wait_until(
            f"{node.slug} keeps proof of the fork",
            lambda n=node: [
                f for f in (n.try_get("/federation/peers") or {}).get("forks", []) if f["origin"] == food.origin
            ],
        )
        earlier, later = evidence[0]["earlier"], evidence[0]["later"]
        assert earlier.startswith(food.origin + "\n")
        assert later.startswith(food.origin + "\n")
        assert earlier != later
        state = followed(node, food.origin)
        assert state["forked"] is True
        assert state["size"] == size  # nothing of the rewritten history was taken
        with urllib.request.urlopen(node.url + "/federation/peers") as page:
            html = page.read().decode()
        assert "fork" in html.lower()
        assert later.splitlines()[2] in html


@pytest.fixture
def hostile(templates, tmp_path):
    """The food hub's node behind a hostile proxy, and the energy co-op's node following only the proxy."""
    food_template, energy_template = templates[0], templates[1]
    proxy = HostilePeer(food_template.url)
    proxy.mode = "not-json"
    nodes = start_federation([food_template, energy_template], tmp_path, peers={"energy-coop": [proxy.url]})
    yield proxy, nodes
    stop_federation(nodes)
    proxy.close()


def peer_error(node, proxy):
    """What went wrong with the proxy as a peer, as the node's operator reads it (the public list says it in a word)."""
    rows = node.node.db.execute("SELECT last_error FROM federation_peer WHERE url = %s", (proxy.url,))
    public = next(
        (p for p in (node.try_get("/federation/peers") or {"peers": []})["peers"] if p["url"] == proxy.url), {}
    )
    assert "last_error" not in public
    assert "detail" not in public
    return rows[0][0] if rows else None


def test_it_rejects_malformed_and_oversized_peer_data_and_stores_nothing_of_it(hostile):
    proxy, (food, energy) = hostile
    assert "not JSON" in wait_until("the bad list is refused", lambda: peer_error(energy, proxy))
    assert followed(energy, food.origin) is None

    for mode, says in (
        ("corrupt", "entry bundle"),
        ("oversized", "larger than"),
        ("gzip-bomb", "inflates past"),
    ):
        proxy.mode = mode
        error = wait_until(
            f"the {mode} answer is refused",
            lambda s=says: (e := peer_error(energy, proxy)) and s in e and e,
            detail=lambda: (peer_error(energy, proxy), proxy.served[-3:]),
        )
        assert says in error
        assert (followed(energy, food.origin) or {"size": 0})["size"] == 0, mode

    # Nor does the witness endpoint take a malformed or oversized request.
    for body, status in ((b"not a tlog-witness request", 400), (b"x" * (100 << 10), 413)):
        request = urllib.request.Request(energy.url + "/witness/add-checkpoint", data=body, method="POST")
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        assert refused.value.code == status
    assert energy.node.db.execute(
        "SELECT COUNT(*) FROM federation_witnessstate WHERE origin LIKE %s",
        ("%:" + str(proxy.url.rsplit(":", 1)[1]) + "/%",),
    ) == [(0,)]

    # The same path with honest answers stores everything: the refusals above were about the data.
    proxy.mode = "honest"
    size = food.get("/ledgers/food-hub/")["size"]
    wait_until("the honest answer is taken", lambda: (followed(energy, food.origin) or {}).get("size") == size)
    # The entries are committed before the round goes on to cosignatures and only then clears the
    # peer's error, so the error lags the entries by a moment.
    wait_until("the peer is shown healthy again", lambda: peer_error(energy, proxy) == "")
