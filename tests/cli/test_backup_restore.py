"""`confederal backup` while a node serves and appends, then wipe, `confederal restore`, and the same node again."""

from __future__ import annotations

import base64
import json
import shutil
import time

import pytest

from tests.support.acts import Founder, api_token, ledgers, restart
from tests.support.nodes import CONFEDERAL, _pg_admin, run, stop

NOTE = '{"name": "meals_served", "value": 214, "unit": "meals", "period": "this week"}'


@pytest.mark.slow
def test_a_node_backed_up_while_it_appends_comes_back_whole_from_its_backup(node, tmp_path, state):
    started = time.monotonic()
    # A reader pins the food hub's key and checkpoint before the backup …
    pinned = run([CONFEDERAL, "verify", node.ledger_url, "--state-dir", str(state)])
    assert pinned.returncode == 0, pinned.stderr
    before = ledgers(node.url)
    # … and the ledger grows past the pin before the backup is taken.
    appended = run([CONFEDERAL, "append", "food-hub", "--kind", "metric"], env=node.env, input=NOTE)
    assert appended.returncode == 0, appended.stderr

    founder = Founder(node.url, api_token(node.env), "during").start()
    try:
        founder.wait_for(3)
        backup_started = time.monotonic()
        backup = tmp_path / "backup"
        made = run([CONFEDERAL, "backup", str(backup), "--verify-state", str(state)], env=node.env)
        backup_ended = time.monotonic()
        assert made.returncode == 0, made.stderr
        founder.wait_for(len(founder.acknowledged) + 2)  # the node carried on appending after the snapshot
    finally:
        founder.stop()
    manifest = json.loads((backup / "manifest.json").read_text())
    snapshot = {ledger["slug"]: ledger for ledger in manifest["ledgers"]}
    assert manifest["database"]["engine"] == ("postgresql" if node.db.pg_url else "sqlite")
    assert snapshot["food-hub"]["size"] == before["food-hub"]["size"] + 1
    assert manifest["verify_state"] == {"ledgers_pinned": 1}
    # Every act acknowledged before the backup started is in it; acts went on while it ran.
    acked_before = [slug for slug, at in founder.acknowledged if at < backup_started]
    assert acked_before
    assert [slug for slug in acked_before if slug not in snapshot] == []
    assert any(at > backup_ended for _, at in founder.acknowledged)
    # The snapshot is one moment of the live node: every ledger in it has a checkpoint the node signed at that size.
    for slug, ledger in snapshot.items():
        rows = node.db.execute(
            "SELECT c.root FROM ledgers_checkpoint c JOIN ledgers_ledger l ON l.id = c.ledger_id "
            "WHERE l.slug = %s AND c.size = %s",
            (slug, ledger["size"]),
        )
        assert [bytes(r[0]).hex() for r in rows] == [ledger["root"]], slug

    # The machine is lost: database, key, and the reader's pins.
    assert stop(node.proc) == 0
    shutil.rmtree(node.data_dir)
    shutil.rmtree(state)
    if node.db.pg_url:
        _pg_admin(f'DROP DATABASE "{node.db.pg_url.rsplit("/", 1)[1]}" WITH (FORCE)')

    restored = run([CONFEDERAL, "restore", str(backup), "--verify-state", str(state)], env=node.env)
    assert restored.returncode == 0, restored.stderr
    assert f"Restored {len(snapshot)} ledgers" in restored.stdout
    assert "pin of 1 ledger restored" in restored.stdout
    restart(node)

    after = ledgers(node.url)
    assert sorted(after) == sorted(snapshot)  # the same ledgers, up to the backup point: nothing after it
    for slug, ledger in snapshot.items():
        assert after[slug]["size"] == ledger["size"], slug
        assert base64.b64decode(after[slug]["root"]).hex() == ledger["root"], slug
        assert after[slug]["verifier_key"] == ledger["verifier_key"], slug
    assert after["food-hub"]["verifier_key"] == before["food-hub"]["verifier_key"]  # the same key: the same node
    # The reader's pins from before the backup hold: same key, and a history that extends what was pinned.
    checked = run([CONFEDERAL, "verify", node.ledger_url, "--state-dir", str(state)])
    assert checked.returncode == 0, checked.stderr
    assert "has not been rewritten since you last checked" in checked.stdout
    # And the restored node signs new acts with that key.
    appended = run([CONFEDERAL, "append", "food-hub", "--kind", "metric"], env=node.env, input=NOTE)
    assert appended.returncode == 0, appended.stderr
    assert run([CONFEDERAL, "verify", node.ledger_url, "--state-dir", str(state)]).returncode == 0
    print(
        f"\nbackup → wipe → restore: {len(snapshot)} ledgers, {sum(x['size'] for x in snapshot.values())} entries; "
        f"backup {backup_ended - backup_started:.1f} s while {len(founder.acknowledged)} acts were acknowledged; "
        f"whole test {time.monotonic() - started:.1f} s"
    )
