"""``GET /health``: 200 and a line per part when the node is well; 503 naming the part that is not."""

import re
import time

import pytest

from confederal.node import ticker
from confederal.node.ledgers import keys


@pytest.fixture
def beats():
    saved = dict(ticker._beats)
    ticker._beats.clear()
    yield ticker._beats
    ticker._beats.clear()
    ticker._beats.update(saved)


def read(client):
    answer = client.get("/health")
    return answer.status_code, answer.content.decode()


def test_a_well_node_says_so_part_by_part(client, key_file, ledger, beats):
    ticker._beats["confederal-ticker"] = ticker.Heartbeat("confederal-ticker", 30.0, time.monotonic() - 12)
    status, body = read(client)
    assert status == 200, body
    assert body.startswith("This node is well.")
    assert "Database: answering; it keeps 1 ledger." in body
    assert "Signing key: readable." in body
    assert re.search(r"Clock \(votes closing, roles passing on\): running; last round 1\d s ago\.", body)
    assert "MB free where the node keeps its data." in body
    answer = client.get("/health")
    assert "no-cache" in answer["Cache-Control"]  # a monitor must never read a cached answer
    assert client.post("/health").status_code == 405


def test_a_missing_key_with_ledgers_signed_by_it_needs_the_operator(client, key_file, ledger, beats):
    key_file.unlink()  # lost, after it signed the ledger
    keys._cache.clear()  # as a restarted node
    status, body = read(client)
    assert status == 503
    assert body.startswith("This node needs its operator.")
    assert "Signing key: the key file is missing, but ledgers signed with it exist. Restore it from a backup." in body
    assert not key_file.exists()  # checking never makes a key


def test_an_unreadable_key_needs_the_operator(client, key_file, ledger, beats):
    key_file.write_text("not a key\n")
    keys._cache.clear()
    status, body = read(client)
    assert status == 503
    assert "the key file cannot be read as a key" in body
    assert "not a key" not in body


def test_a_background_loop_that_stopped_finishing_rounds_is_late(client, key_file, ledger, beats):
    stuck = time.monotonic() - 3 * 3.0 - 60  # three missed rounds and more than the grace
    ticker._beats["confederal-federation"] = ticker.Heartbeat("confederal-federation", 3.0, stuck)
    status, body = read(client)
    assert status == 503
    assert "Federation (pulling peers, witnessing): late; its last round finished" in body


def test_a_nearly_full_disk_needs_the_operator(client, key_file, ledger, beats, settings):
    settings.MIN_FREE_MB = 10**12  # more than any disk has
    status, body = read(client)
    assert status == 503
    assert "Disk: only" in body


def test_a_real_loop_beats_as_it_runs(db, beats):
    stop = ticker._every(0.05, lambda now: None, "confederal-test-loop")
    try:
        first = ticker._beats["confederal-test-loop"].last
        deadline = time.monotonic() + 5
        while ticker._beats["confederal-test-loop"].last == first and time.monotonic() < deadline:
            time.sleep(0.02)
        assert ticker._beats["confederal-test-loop"].last > first
    finally:
        stop.set()
    deadline = time.monotonic() + 5
    while "confederal-test-loop" in ticker._beats and time.monotonic() < deadline:
        time.sleep(0.02)
    assert all(beat.name != "confederal-test-loop" for beat in ticker.heartbeats())
