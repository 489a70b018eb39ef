"""A node restored from its backup is the same node to a peer that followed it: same key, same history, no fork."""

from __future__ import annotations

import shutil

import pytest

from tests.support.federation import start_federation, stop_federation, wait_until
from tests.support.nodes import CONFEDERAL, _pg_admin, run

NOTE = '{"name": "meals_served", "value": 215, "unit": "meals", "period": "this week"}'


@pytest.fixture
def pair(templates, tmp_path):
    """The food hub's node and the energy co-op's, each following the other."""
    nodes = start_federation(templates[:2], tmp_path)
    yield nodes
    stop_federation(nodes)


def followed(node, origin):
    data = node.try_get("/federation/peers") or {"followed": []}
    return next((f for f in data["followed"] if f["origin"] == origin), None)


@pytest.mark.slow
def test_a_peer_follows_a_restored_node_as_the_same_node(pair, tmp_path):
    food, energy = pair
    size = food.get("/ledgers/food-hub/")["size"]
    wait_until("the co-op follows the food hub", lambda: (followed(energy, food.origin) or {}).get("size") == size)

    made = run([CONFEDERAL, "backup", str(tmp_path / "backup")], env=food.node.env)
    assert made.returncode == 0, made.stderr
    food.stop()
    shutil.rmtree(food.node.data_dir)
    if food.node.db.pg_url:
        _pg_admin(f'DROP DATABASE "{food.node.db.pg_url.rsplit("/", 1)[1]}" WITH (FORCE)')
    restored = run([CONFEDERAL, "restore", str(tmp_path / "backup")], env=food.node.env)
    assert restored.returncode == 0, restored.stderr
    food.start()

    # The restored node signs a new entry; the peer checks it against the key and history it pinned, and takes it.
    appended = run([CONFEDERAL, "append", "food-hub", "--kind", "metric"], env=food.node.env, input=NOTE)
    assert appended.returncode == 0, appended.stderr
    state = wait_until(
        "the co-op takes the restored node's new entry",
        lambda: (f := followed(energy, food.origin)) and f["size"] == size + 1 and f,
        detail=lambda: followed(energy, food.origin),
    )
    assert state["forked"] is False
    assert [f for f in energy.get("/federation/peers").get("forks", []) if f["origin"] == food.origin] == []
