"""What `confederal backup` writes and what `confederal restore` refuses, before anything changes (the services).

The whole journey — a backup while a real node appends, a wipe, a restore — is tests/cli/test_backup_restore.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.conf import settings

from confederal.node.backups.services import check_backup, check_restore, do_backup
from confederal.node.errors import Refused
from confederal.node.ledgers import selectors
from confederal.node.ledgers.services import Record, check_ledger_slug, do_append, do_create_ledger
from tests.support.records import metric


def _refused(call, *args, **kwargs) -> str:
    with pytest.raises(Refused) as refused:
        call(*args, **kwargs)
    return refused.value.message


def test_a_backup_goes_only_into_a_new_or_empty_folder_and_leaves_what_is_there(db, tmp_path):
    full = tmp_path / "full"
    full.mkdir()
    (full / "earlier").write_text("an earlier backup")
    assert "is not empty" in _refused(check_backup, full, None)
    assert (full / "earlier").read_text() == "an earlier backup"
    (tmp_path / "file").write_text("x")
    assert "already exists and is not a folder" in _refused(check_backup, tmp_path / "file", None)
    assert "does not exist" in _refused(check_backup, tmp_path / "no" / "such", None)
    (tmp_path / "empty").mkdir()
    assert check_backup(tmp_path / "empty", None).target == tmp_path / "empty"


def test_a_backup_that_fails_midway_leaves_nothing_behind(db, tmp_path, now, settings):
    settings.SIGNING_KEY_FILE = tmp_path / "a-folder-not-a-key"
    settings.SIGNING_KEY_FILE.mkdir()
    target = tmp_path / "backups" / "monday"
    target.parent.mkdir()
    assert "could not be written" in _refused(do_backup, check_backup(target, None), now)
    assert list(target.parent.iterdir()) == []  # neither the target nor a half-written folder beside it


@pytest.fixture
def backed_up(transactional_db, tmp_path, now):
    """A node with one ledger of two entries, backed up with one verifier pin: (backup folder, manifest, ledger)."""
    ledger = do_create_ledger(check_ledger_slug("food-hub"), "Riverside Food Hub", now)
    do_append(ledger, [Record(metric(214)), Record(metric(215))], now)
    pins = tmp_path / "pins"
    (pins / "ledgers").mkdir(parents=True)
    (pins / "ledgers" / "abc.json").write_text('{"origin": "x"}')
    manifest = do_backup(check_backup(tmp_path / "backup", pins), now)
    return tmp_path / "backup", manifest, ledger


def test_a_backup_lists_every_file_by_digest_and_every_ledger_by_size_and_root(backed_up):
    backup, manifest, ledger = backed_up
    assert json.loads((backup / "manifest.json").read_text()) == manifest
    (listed,) = manifest["ledgers"]
    checkpoint = selectors.latest_checkpoint(ledger)
    assert (listed["slug"], listed["size"], listed["root"]) == ("food-hub", 2, bytes(checkpoint.root).hex())
    assert listed["verifier_key"] == ledger.verifier_key
    assert manifest["node_key"].rsplit("+", 1)[1] == ledger.verifier_key.rsplit("+", 1)[1]
    assert set(manifest["files"]) == {
        manifest["database"]["file"],
        "signing.key",
        "secret.key",
        "verify-state/ledgers/abc.json",
    }
    assert (backup / "signing.key").read_text() == Path(settings.SIGNING_KEY_FILE).read_text()
    assert manifest["verify_state"] == {"ledgers_pinned": 1}


def _damage(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    ("damage", "says"),
    [
        (lambda b, m: _damage(b / "manifest.json"), "its manifest does not match the manifest's digest"),
        (lambda b, m: _damage(b / m["database"]["file"]), "does not match its digest in the manifest"),
        (lambda b, m: (b / "signing.key").unlink(), "signing.key is missing"),
        (lambda b, m: (b / "manifest.sha256").unlink(), "manifest.sha256 is missing"),
        (lambda b, m: (b / "verify-state" / "ledgers" / "abc.json").write_text("{}"), "does not match its digest"),
    ],
    ids=["manifest", "database", "key", "manifest-digest", "pin"],
)
def test_a_damaged_backup_is_refused_before_anything_changes(backed_up, tmp_path, damage, says):
    backup, manifest, ledger = backed_up
    key = Path(settings.SIGNING_KEY_FILE).read_bytes()
    damage(backup, manifest)
    message = _refused(check_restore, backup, force=True, verify_state=tmp_path / "restored-pins")
    assert says in message
    assert message.startswith("The backup is damaged")
    assert message.endswith("Nothing was restored.")
    assert Path(settings.SIGNING_KEY_FILE).read_bytes() == key
    ledger.refresh_from_db()
    assert ledger.size == 2
    assert not (tmp_path / "restored-pins").exists()


def test_a_node_that_holds_data_is_not_overwritten_unless_forced(backed_up, tmp_path):
    backup = backed_up[0]
    message = _refused(check_restore, backup, force=False, verify_state=tmp_path / "pins")
    assert "This node already holds data (1 ledger and 0 accounts" in message
    assert "run again with --force" in message
    plan = check_restore(backup, force=True, verify_state=tmp_path / "pins")
    assert plan.held is not None
