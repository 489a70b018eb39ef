"""Crash figures: a node killed with SIGKILL at random moments while a client appends loses nothing it acknowledged."""

from __future__ import annotations

import argparse
import os
import random
import time

import pytest

from confederal.cli import verify
from tests.support.acts import Founder, api_token, ledgers, restart
from tests.support.nodes import CONFEDERAL, run

TRIALS = 20


def _verify_all(url: str, slugs: list[str], state: str) -> dict[str, int]:
    """`confederal verify`'s own checks on every ledger, in this process (a process per ledger would cost seconds)."""
    parser = argparse.ArgumentParser()
    verify.add_arguments(parser)
    return {
        slug: verify.run(parser.parse_args([f"{url}/ledgers/{slug}", "--state-dir", state, "-q"])) for slug in slugs
    }


@pytest.mark.slow
def test_no_acknowledged_act_is_lost_when_the_node_is_killed_at_random_moments(node, tmp_path):
    seed = int(os.environ.get("CONFEDERAL_CRASH_SEED", random.randrange(1 << 32)))
    chance = random.Random(seed)
    token = api_token(node.env)
    acknowledged: list[str] = []
    started = time.monotonic()
    for trial in range(TRIALS):
        if trial:
            restart(node)
        present = ledgers(node.url)
        lost = [slug for slug in acknowledged if present.get(slug, {}).get("size", 0) < 2]
        assert lost == [], f"acknowledged, then lost after kill {trial} (seed {seed}): {lost}"
        # Two clients, so acts are in flight at every stage (parsing, committing, signing, answering) when it dies.
        founders = [Founder(node.url, token, f"t{trial}-{k}").start() for k in range(2)]
        founders[0].wait_for(1)
        time.sleep(chance.uniform(0, 0.4))
        assert node.proc is not None
        node.proc.kill()  # SIGKILL: no clean-up, no flush, the process is simply gone
        node.proc.wait()
        for founder in founders:
            founder.stop()
            acknowledged += [slug for slug, _ in founder.acknowledged]
    restart(node)
    present = ledgers(node.url)
    assert [slug for slug in acknowledged if present.get(slug, {}).get("size", 0) < 2] == []
    # Every ledger the node serves checks out, acknowledged or not: no half-written act survived a kill.
    results = _verify_all(node.url, sorted(present), str(tmp_path / "pins"))
    assert {slug: code for slug, code in results.items() if code != 0} == {}
    checked = run([CONFEDERAL, "verify", node.ledger_url, "--state-dir", str(tmp_path / "cli-pins")])
    assert checked.returncode == 0, checked.stderr
    print(
        f"\nkill -9 ({'PostgreSQL' if node.db.pg_url else 'SQLite'}, seed {seed}): {TRIALS} trials, "
        f"{len(acknowledged)} acknowledged acts, lost 0; {len(present)} ledgers verified; "
        f"{time.monotonic() - started:.1f} s"
    )
