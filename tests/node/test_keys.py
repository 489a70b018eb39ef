"""The node's signing key file."""

import stat

import pytest

from confederal.ledger import Signer
from confederal.node.ledgers import keys


def test_a_new_node_creates_a_private_key_file(db, key_file):
    signer = keys.node_signer()
    assert key_file.read_text().strip() == signer.skey
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_a_key_file_another_process_created_first_is_used_not_replaced(db, key_file):
    key_file.parent.mkdir(parents=True)
    theirs = Signer("127.0.0.1:8000", b"\x05" * 32)
    key_file.write_text(theirs.skey + "\n")
    keys._create_key_file(key_file)  # loses the race: must not overwrite
    assert keys.node_signer().skey == theirs.skey


def test_a_missing_key_is_not_silently_replaced_once_ledgers_exist(ledger, key_file):
    with pytest.raises(keys.KeyError_, match="Restore it from a backup"):
        keys.node_signer()
    assert not key_file.exists()


def test_a_corrupt_key_file_is_reported(db, key_file):
    key_file.parent.mkdir(parents=True)
    key_file.write_text("PRIVATE+KEY+garbage\n")
    with pytest.raises(keys.KeyError_, match="not a valid key"):
        keys.node_signer()
