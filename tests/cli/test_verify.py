"""`confederal verify` against a real node process, before and after each kind of tampering.

The node runs as its own process; the tampering goes straight to its database
(and, for rewrites, uses its signing key), as a dishonest operator could.
"""

from __future__ import annotations

import urllib.request
from pathlib import Path

import pytest

from confederal.ledger import Signer, TileRef, entry_bundles_for_size, hash_tiles_for_size, parse_checkpoint, parse_note
from tests.support import tamper
from tests.support.nodes import CONFEDERAL, free_port, run


@pytest.fixture
def node(honest_node):
    """One node process serves every test here; each test's tampering is undone after it."""
    return honest_node


def verify(target: str, state: Path, *extra: str):
    return run([CONFEDERAL, "verify", "--state-dir", str(state), *extra, target])


def expect(result, code: int, *phrases: str) -> None:
    output = result.stdout + result.stderr
    assert result.returncode == code, output
    for phrase in phrases:
        assert phrase in output, output


def test_it_passes_an_honest_ledger_and_remembers_what_it_saw(node, state):
    n = tamper.size(node.db)
    first = verify(node.ledger_url, state)
    expect(first, 0, "First time checking this ledger", f"All {n} entries are well-formed", "All checks passed")
    second = verify(node.ledger_url + "/checkpoint", state)
    expect(second, 0, f"The ledger extends the checkpoint you saw before ({n} entries)")
    assert "First time" not in second.stdout


def test_an_edited_entry_is_caught(node, state):
    seq = tamper.find_entry(node.db, tamper.RENT)
    tamper.edit_entry(node.db, seq, tamper.RENT, b'"minor":92000')
    expect(verify(node.ledger_url, state), 14, f"Entry {seq} has been altered")


def test_an_edited_entry_whose_hash_was_also_changed_is_caught(node, state):
    seq = tamper.find_entry(node.db, tamper.RENT)
    body = tamper.entry_body(node.db, seq).replace(tamper.RENT, b'"minor":92000')
    from confederal.ledger import leaf_hash

    tamper.set_entry(node.db, seq, body, leaf_hash(body))
    expected = f"Entry {seq} has been altered: entry {seq + 1} records a different hash for it"
    expect(verify(node.ledger_url, state), 14, expected)


def test_a_dropped_entry_is_caught(node, state):
    tamper.drop_entry(node.db, 7)
    expect(verify(node.ledger_url, state), 15, "Entries are missing from the ledger: 7")


def test_reordered_entries_are_caught(node, state):
    tamper.swap_entries(node.db, 3, 4)
    expect(verify(node.ledger_url, state), 16, "Entries are out of order: position 3 holds entry 4")


def test_entries_appended_under_a_forked_history_are_caught_and_the_proof_kept(node, state):
    expect(verify(node.ledger_url, state), 0)
    seen = tamper.latest_note(node.db)
    n = tamper.size(node.db)
    seq = tamper.find_entry(node.db, tamper.RENT)
    tamper.rewrite_history(node.db, node.data_dir, seq, tamper.RENT, b'"minor":92000', extra=2)
    # The rewritten ledger is internally consistent and properly signed: only history betrays it.
    fresh = verify(node.ledger_url, state.parent / "someone-else")
    expect(fresh, 0, f"holds {n + 2} entries")
    result = verify(node.ledger_url, state)
    expect(result, 18, "history was rewritten", "Two signed checkpoints disagree")
    (evidence,) = (state / "evidence").iterdir()
    kept = evidence.read_text()
    assert seen in kept
    assert tamper.latest_note(node.db) in kept


def test_a_rewrite_of_the_same_size_is_caught(node, state):
    expect(verify(node.ledger_url, state), 0)
    seq = tamper.find_entry(node.db, tamper.RENT)
    tamper.rewrite_history(node.db, node.data_dir, seq, tamper.RENT, b'"minor":92000', extra=0)
    expect(verify(node.ledger_url, state), 18, "history was rewritten")


def test_a_ledger_rolled_back_to_an_older_state_is_caught(node, state):
    expect(verify(node.ledger_url, state), 0)
    n = tamper.size(node.db)
    tamper.roll_back(node.db, node.data_dir, n - 2)
    expect(verify(node.ledger_url, state), 18, "gone back in time", f"you saw {n} entries before", f"now shows {n - 2}")


def test_a_checkpoint_changed_after_signing_has_a_bad_signature(node, state):
    note = tamper.latest_note(node.db)
    text = parse_note(note).text
    checkpoint = parse_checkpoint(text)
    forged = note.replace(f"\n{checkpoint.size}\n", f"\n{checkpoint.size - 1}\n", 1)
    tamper.set_latest_note(node.db, forged)
    expect(verify(node.ledger_url, state), 11, "signature does not verify")


def test_a_checkpoint_signed_by_another_key_is_refused(node, state):
    expect(verify(node.ledger_url, state), 0)  # pins the real key
    tamper.resign_with(node.db, Signer(tamper.origin(node.db), b"\x09" * 32))
    expect(verify(node.ledger_url, state), 10, "not signed by the key you trust")


def test_a_key_given_by_hand_must_be_the_ledgers_key(node, state):
    other = Signer(tamper.origin(node.db), b"\x0a" * 32).verifier.vkey
    expect(verify(node.ledger_url, state, "--key", other), 10, "not signed by the key you trust")
    expect(verify(node.ledger_url, state, "--key", "not-a-key"), 2, "is not a verifier key")


def test_a_pinned_key_is_not_silently_replaced(node, state):
    expect(verify(node.ledger_url, state), 0)
    other = Signer(tamper.origin(node.db), b"\x0b" * 32).verifier.vkey
    expect(verify(node.ledger_url, state, "--key", other), 10, "was pinned", "--forget")


def test_a_malformed_checkpoint_is_named(node, state):
    tamper.set_latest_note(node.db, "this is not a checkpoint\n")
    expect(verify(node.ledger_url, state), 12, "checkpoint is malformed")


def test_a_non_canonical_entry_is_malformed(node, state):
    body = tamper.entry_body(node.db, 2)
    tamper.set_entry(node.db, 2, body.replace(b'{"author"', b'{ "author"', 1))
    expect(verify(node.ledger_url, state), 13, "Entry 2 is malformed", "not in canonical form")


def test_an_address_that_starts_presenting_another_ledger_is_refused(node, state):
    expect(verify(node.ledger_url, state), 0)
    tamper.rename_ledger(
        node.db, "elsewhere.example/ledgers/food-hub", Signer("elsewhere.example/ledgers/food-hub", b"\x0c" * 32), 5
    )
    # Under its new name the shorter history would pass as a first contact; the address gives it away.
    expect(
        verify(node.ledger_url, state), 19, "it served the ledger", "now presents elsewhere.example/ledgers/food-hub"
    )
    expect(
        verify(node.ledger_url, state, "--forget"),
        0,
        "First time checking this ledger",
        "calls itself elsewhere.example",
    )


def test_quiet_still_shows_that_a_key_was_trusted_on_first_contact(node, state):
    result = verify(node.ledger_url, state, "--quiet")
    expect(result, 0)
    assert result.stdout == ""
    assert "trusting the key it publishes" in result.stderr


def test_verify_refuses_impossible_options(node, state):
    expect(verify(node.ledger_url, state, "--timeout", "-1"), 2, "between 0 and 3600")
    n = tamper.size(node.db)
    expect(verify(node.ledger_url, state, "--max-entries", "5"), 4, f"claims {n} entries", "stops at 5")


def test_an_unreachable_node_and_a_bad_target_are_reported_plainly(tmp_path, state):
    expect(verify(f"http://127.0.0.1:{free_port()}/ledgers/x", state), 3, "Could not fetch", "cannot reach it")
    expect(verify(str(tmp_path / "missing"), state), 2, "neither an http(s) URL nor a directory")


def _mirror(url: str, to: Path) -> str:
    """Copy a ledger's public files into a directory, as a mirror or a USB stick would hold them."""
    note = urllib.request.urlopen(url + "/checkpoint").read()
    size = parse_checkpoint(parse_note(note).text).size
    (to / "checkpoint").parent.mkdir(parents=True, exist_ok=True)
    (to / "checkpoint").write_bytes(note)
    tiles: list[TileRef] = [*hash_tiles_for_size(size), *entry_bundles_for_size(size)]
    for tile in tiles:
        target = to / tile.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(urllib.request.urlopen(f"{url}/{tile.path}").read())
    return note.decode()


def test_a_copy_in_a_directory_verifies_with_the_key_and_fails_when_a_file_is_edited(node, state, tmp_path):
    copy = tmp_path / "copy"
    _mirror(node.ledger_url, copy)
    key = (
        Signer.from_skey((node.data_dir / "signing.key").read_text().strip())
        .with_name(tamper.origin(node.db))
        .verifier.vkey
    )
    expect(verify(str(copy), state), 2, "give the ledger's verifier key with --key")
    expect(verify(str(copy), state, "--key", key, "--no-remember"), 0, "All checks passed", "Nothing was remembered")
    bundle = copy / f"tile/entries/000.p/{tamper.size(node.db)}"
    bundle.write_bytes(bundle.read_bytes().replace(tamper.RENT, b'"minor":92000'))
    expect(
        verify(str(copy), state, "--key", key), 14, f"Entry {tamper.find_entry(node.db, tamper.RENT)} has been altered"
    )


def test_a_copy_with_a_special_file_in_place_of_a_tile_is_refused(node, state, tmp_path):
    import os

    copy = tmp_path / "copy"
    _mirror(node.ledger_url, copy)
    bundle = copy / f"tile/entries/000.p/{tamper.size(node.db)}"
    bundle.unlink()
    os.mkfifo(bundle)
    key = (
        Signer.from_skey((node.data_dir / "signing.key").read_text().strip())
        .with_name(tamper.origin(node.db))
        .verifier.vkey
    )
    expect(verify(str(copy), state, "--key", key), 3, "not a regular file")


@pytest.mark.parametrize("level", ["0", "entries"])
def test_a_copy_missing_a_tile_is_a_fetch_failure(node, state, tmp_path, level):
    copy = tmp_path / "copy"
    _mirror(node.ledger_url, copy)
    (copy / f"tile/{level}/000.p/{tamper.size(node.db)}").unlink()
    key = (
        Signer.from_skey((node.data_dir / "signing.key").read_text().strip())
        .with_name(tamper.origin(node.db))
        .verifier.vkey
    )
    expect(verify(str(copy), state, "--key", key), 3, "no such file")
