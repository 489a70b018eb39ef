"""`confederal demo` and `confederal append` as a person would run them."""

from __future__ import annotations

import json
import socket
import subprocess
import time
import urllib.request
from datetime import UTC, datetime, timedelta

import pytest

from confederal.cli.demo import resume_steps
from tests.support.nodes import CONFEDERAL, NodeDB, base_env, free_port, run, stop, wait_for_http


def _start_demo(data_dir, port, pace=None):
    env = base_env(data_dir)
    if pace is not None:
        env["CONFEDERAL_DEMO_PACE"] = pace
    return subprocess.Popen(
        [CONFEDERAL, "demo", "--data-dir", str(data_dir), "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _json(url):
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    with urllib.request.urlopen(request) as response:
        return json.load(response)


def _ledger_size(url):
    return _json(url + "/ledgers/food-hub/")["size"]


@pytest.fixture
def demos():
    """Start demos; any still running when the test ends (a failed assertion) is stopped with its nodes."""
    started = []

    def start(data_dir, port, pace=None):
        started.append(_start_demo(data_dir, port, pace))
        return started[-1]

    yield start
    for proc in started:
        stop(proc, timeout=30)


def _story(data_dir, proc, until, timeout=300):
    """The story's saved state once ``until`` holds for it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stdout.read()
        try:
            state = json.loads((data_dir / "story.json").read_text())
        except (OSError, ValueError):
            state = None
        if state and until(state):
            return state
        time.sleep(0.5)
    stop(proc, timeout=30)
    said = [line for line in proc.stdout.read().splitlines() if "[story]" in line]
    raise AssertionError(f"the story did not get there in {timeout} s; it said:\n" + "\n".join(said[-15:]))


def _food_hub_entries(data_dir):
    """The food hub's entries as its database holds them, in order (read with the demo stopped)."""
    return NodeDB(sqlite_path=data_dir / "food-hub" / "confederal.sqlite3").execute(
        "SELECT seq, body FROM ledgers_ledgerentry WHERE ledger_id = "
        "(SELECT id FROM ledgers_ledger WHERE slug = 'food-hub') ORDER BY seq"
    )


# One demo, run twice (seeding three nodes costs most of a minute of CPU): the first run seeds and is stopped
# with Ctrl-C in the middle of its council story; the second reuses the data and finishes the story.
@pytest.mark.slow
@pytest.mark.nodb  # the demo keeps its own SQLite databases whatever CONFEDERAL_DATABASE_URL says
def test_the_demo_seeds_once_stops_mid_story_on_ctrl_c_and_picks_it_up_with_the_same_data_and_council(tmp_path, demos):
    port = free_port(4)  # the demo's other nodes take PORT+1 and PORT+2, its mail sink PORT+3
    url = f"http://127.0.0.1:{port}"
    data = tmp_path / "demo"
    demo = demos(data, port, pace="0.05")
    wait_for_http(url + "/ledgers", demo)
    assert _ledger_size(url) > 20
    with urllib.request.urlopen(url + "/ledgers/food-hub/") as page:
        assert b"Ledger of Riverside Food Hub" in page.read()
    # The other two assemblies run on their own nodes, next door, with their own keys.
    for offset, slug in ((1, "energy-coop"), (2, "housing")):
        wait_for_http(f"http://127.0.0.1:{port + offset}/ledgers", demo)
        other = _json(f"http://127.0.0.1:{port + offset}/ledgers/{slug}/")
        assert other["origin"] == f"127.0.0.1:{port + offset}/ledgers/{slug}"
        public_key = other["verifier_key"].rsplit("+", 1)[1]
        assert public_key != _json(url + "/ledgers/food-hub/")["verifier_key"].rsplit("+", 1)[1]
    before = _story(data, demo, lambda s: "appointed:food-hub" in s["steps"])
    # The demo members who chose a daily digest got their first at once, from each node, at the mail sink.
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not _mails(data):
        time.sleep(0.5)
    senders = {line for m in _mails(data) for line in m.read_text().splitlines() if line.startswith("From: ")}
    assert senders, "no mail reached the demo's mail sink"
    assert all("@demo.example.org" in sender for sender in senders)
    assert stop(demo, timeout=30) == 0  # Ctrl-C
    assert not json.loads((data / "story.json").read_text())["finished"]
    written = _food_hub_entries(data)
    first_output = demo.stdout.read()
    assert f"http://127.0.0.1:{port + 2}/" in first_output
    assert "Seeded a new demo" in first_output
    assert f"{data / 'mail'}/" in first_output
    assert f"{url}/ledgers/food-hub/" in first_output
    assert "Stopped. Nothing was lost" in first_output

    again = demos(data, port, pace="0.05")
    after = _story(data, again, lambda s: s["finished"])
    steps = after["steps"]
    assert steps["federation"] == before["steps"]["federation"]
    assert steps["council"] == before["steps"]["council"]
    federations = _json(url + "/api/federations")
    assert [f["id"] for f in federations] == [steps["federation"]]
    council = f"/api/federations/{steps['federation']}/councils/{steps['council']['id']}"
    # Every node tallies the motion the resumed story voted on: 2 for (Amara, Kwame), 1 against (Oscar).
    for offset in range(3):
        tally = {}
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            (motion,) = _json(f"http://127.0.0.1:{port + offset}{council}")["archive"]["motions"]
            tally = (motion["for"], motion["against"])
            if tally == (2, 1):
                break
            time.sleep(1)
        assert tally == (2, 1), offset
    again.terminate()  # SIGTERM, as a service manager would send
    assert again.wait(30) == 0
    output = again.stdout.read()
    assert "Reusing the demo data" in output
    assert "picking the story up where it stopped" in output
    assert "Stopped. Nothing was lost" in output
    # What the first run wrote is what the second run kept, the story's later entries after it.
    kept = _food_hub_entries(data)
    assert len(kept) > len(written)
    assert kept[: len(written)] == written


def _mails(data):
    return sorted((data / "mail").glob("*.eml"))


@pytest.mark.nodb  # a pure function of the story's steps
def test_a_resumed_story_convenes_anew_only_when_its_council_ran_out():
    now = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)

    def at(minutes):
        return (now + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")

    before_council = {"federation": "f1", "joined:housing": True}
    assert resume_steps(before_council, now) == (before_council, False)
    sitting = {**before_council, "council": {"id": "c1", "ends": at(5)}, "appointed:food-hub": True, "motion": "m1"}
    assert resume_steps(sitting, now) == (sitting, False)
    ran_out = {**sitting, "council": {"id": "c1", "ends": at(1)}, "vote:food": True, "seated": True}
    assert resume_steps(ran_out, now) == (before_council, True)
    voted = {**ran_out, "vote:housing": True}
    assert resume_steps(voted, now) == (voted, False)


@pytest.mark.nodb  # the demo keeps its own SQLite databases whatever CONFEDERAL_DATABASE_URL says
@pytest.mark.parametrize("busy_node", [0, 1], ids=["its-own-port", "a-neighbours-port"])
def test_the_demo_says_clearly_when_a_port_is_taken_before_seeding_anything(tmp_path, busy_node):
    port = free_port(4)  # the demo's other nodes take PORT+1 and PORT+2, its mail sink PORT+3
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", port + busy_node))
        busy.listen()
        result = run(
            [CONFEDERAL, "demo", "--data-dir", str(tmp_path / "d"), "--port", str(port)], env=base_env(tmp_path / "d")
        )
    assert result.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port + busy_node}" in result.stderr
    assert "--port" in result.stderr
    assert not (tmp_path / "d" / "food-hub" / "confederal.sqlite3").exists()


def _append(node, *args, stdin=None):
    return run([CONFEDERAL, "append", *args], env=node.env, input=stdin)


def test_append_writes_an_operators_note_and_refuses_bad_input_without_changing_anything(node, tmp_path):
    size = _ledger_size(node.url)
    good = tmp_path / "metric.json"
    good.write_text('{"name": "meals_served", "value": 214, "unit": "meals", "period": "this week"}')
    result = _append(node, "food-hub", "--kind", "metric", "--body", str(good))
    assert result.returncode == 0, result.stderr
    assert f"Appended entry {size} " in result.stdout
    assert "note of this node's operator" in result.stdout
    assert _ledger_size(node.url) == size + 1
    entry = _entry(node.url, size)
    assert entry["by_operator"] is True
    assert entry["summary"] == "meals served: 214 meals (this week)"

    cases = [
        ("{not json", "not valid JSON"),
        ('{"name": "kwh", "value": 12.5, "unit": "kWh"}', "value must be a whole number"),
        ('{"name": "' + "x" * 70_000 + '", "value": 1, "unit": "kWh"}', "name must be text of at most 80"),
        ("[1, 2]", "must be a JSON object"),
        ('{"name": "kwh", "value": 1, "unit": "kWh", "by": "the assembly"}', "has no field by"),
    ]
    for text, message in cases:
        result = _append(node, "food-hub", "--kind", "metric", stdin=text)
        assert result.returncode == 2
        assert "nothing was written" in result.stderr, result.stderr
        assert message in result.stderr, result.stderr
    # An operator cannot write what only the assembly's own acts write.
    for kind in ("decision", "mandate.grant", "role.assignment"):
        result = _append(node, "food-hub", "--kind", kind, "--body", str(good))
        assert result.returncode == 2
        assert f"A {kind} record is written only by the act it records, never by hand." in result.stderr
        assert "An operator may append: finance.txn, metric." in result.stderr
    result = _append(node, "food-hub", "--kind", "Not A Kind", "--body", str(good))
    assert result.returncode == 2
    assert "Not A Kind is not a kind of record." in result.stderr
    result = _append(node, "no-such-ledger", "--kind", "metric", "--body", str(good))
    assert result.returncode == 2
    assert "no ledger called 'no-such-ledger'" in result.stderr
    result = _append(node, "food-hub", "--kind", "metric", "--body", str(tmp_path / "missing.json"))
    assert result.returncode == 2
    assert "cannot read" in result.stderr
    assert _ledger_size(node.url) == size + 1


def _entry(url, seq):
    with urllib.request.urlopen(f"{url}/api/ledgers/food-hub/entries/{seq}") as response:
        return json.load(response)


@pytest.mark.nodb  # argument parsing only
def test_verify_usage_errors_exit_2(tmp_path):
    result = run([CONFEDERAL, "verify"])
    assert result.returncode == 2
    assert "target" in result.stderr


def test_a_restarted_node_signs_entries_a_crash_left_without_a_checkpoint(node):
    import re

    from tests.support import tamper

    assert stop(node.proc) == 0
    size = tamper.size(node.db)
    # As if the node died between committing the last entry and signing its checkpoint.
    tamper.drop_checkpoint(node.db, size)
    port = int(re.search(r":(\d+)$", node.url).group(1))
    node.proc = subprocess.Popen(
        [CONFEDERAL, "serve", "--port", str(port)],
        env=node.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    wait_for_http(node.url + "/ledgers", node.proc)
    assert _ledger_size(node.url) == size
    assert stop(node.proc) == 0
    assert f"Signed a checkpoint left pending at {size} entries" in node.proc.stdout.read()
