"""The audit a reader runs, over a ledger held in memory: what passes, and what each kind of tampering is called."""

from __future__ import annotations

from dataclasses import replace

import pytest

from confederal.ledger import (
    AuditFailure,
    Checkpoint,
    Entry,
    Failure,
    FetchError,
    Signer,
    TreeLevels,
    audit_ledger,
    decode_bundle,
    did_key,
    encode_bundle,
    encode_entry,
    leaf_hash,
    leaf_hashes,
    sign_note,
    tile_files,
)

ORIGIN = "node.example/ledgers/food-hub"
KEY = Signer(ORIGIN, b"\x11" * 32)


def entries(count: int, change: dict[int, dict] | None = None) -> list[bytes]:
    out, prev = [], None
    for seq in range(count):
        body = (change or {}).get(seq, {"title": f"Decision {seq}"})
        data = encode_entry(Entry(ORIGIN, seq, prev, "2026-11-22T12:00:00Z", "decision", did_key(b"\x01" * 32), body))
        out.append(data)
        prev = leaf_hash(data)
    return out


def publish(items: list[bytes], signer: Signer = KEY) -> dict[str, bytes]:
    tree = TreeLevels(leaf_hashes(items))
    files = tile_files(items, tree.read)
    files["checkpoint"] = sign_note(Checkpoint(ORIGIN, len(items), tree.root()).text, [signer]).encode()
    return files


def reader(files: dict[str, bytes]):
    def read(path: str) -> bytes:
        if path not in files:
            raise FetchError(path, "no such file", missing=True)
        return files[path]

    return read


def fails(files, failure: Failure, last_seen: str | None = None, **kw) -> AuditFailure:
    with pytest.raises(AuditFailure) as caught:
        audit_ledger(reader(files), KEY.verifier, last_seen, **kw)
    assert caught.value.failure == failure, caught.value.message
    return caught.value


def test_an_honest_ledger_passes_and_says_what_was_checked():
    report = audit_ledger(reader(publish(entries(600))), KEY.verifier)
    assert report.checkpoint.size == 600
    assert len(report.passed) == 4


def test_an_empty_ledger_passes():
    assert audit_ledger(reader(publish([])), KEY.verifier).checkpoint.size == 0


def test_partial_tiles_dropped_after_the_ledger_grew_are_read_from_the_full_tiles():
    grown = publish(entries(600))
    old = publish(entries(300))
    # Only partial tiles whose full tile now exists may go; the level-1 partial must stay.
    files = {p: d for p, d in grown.items() if ".p/" not in p}
    files |= {"checkpoint": old["checkpoint"], "tile/1/000.p/1": old["tile/1/000.p/1"]}
    assert "tile/entries/001.p/44" not in files
    assert "tile/0/001.p/44" not in files
    assert audit_ledger(reader(files), KEY.verifier).checkpoint.size == 300


def test_an_edited_entry_is_altered():
    files = publish(entries(300))
    files["tile/entries/000"] = encode_bundle(
        [
            e.replace(b"Decision 7", b"Decision 8") if i == 7 else e
            for i, e in enumerate(decode_bundle(files["tile/entries/000"]))
        ]
    )
    assert "Entry 7 has been altered" in fails(files, Failure.ENTRY_ALTERED).message


def test_a_dropped_entry_is_missing():
    files = publish(entries(300))
    bundle = decode_bundle(files["tile/entries/001.p/44"])
    files["tile/entries/001.p/44"] = encode_bundle(bundle[:3] + bundle[4:])
    assert "259" in fails(files, Failure.ENTRY_MISSING).message


def test_swapped_entries_are_reordered():
    files = publish(entries(300))
    bundle = decode_bundle(files["tile/entries/000"])
    bundle[3], bundle[4] = bundle[4], bundle[3]
    files["tile/entries/000"] = encode_bundle(bundle)
    assert "position 3 holds entry 4" in fails(files, Failure.ENTRIES_REORDERED).message


def test_a_changed_upper_tile_is_a_wrong_root():
    files = publish(entries(600))
    files["tile/1/000.p/2"] = bytes(64)
    fails(files, Failure.WRONG_ROOT)


def test_entries_that_do_not_add_up_to_the_signed_root_are_a_wrong_root():
    files = publish(entries(300))
    files["checkpoint"] = publish(entries(300, {5: {"title": "other"}}))["checkpoint"]
    honest = publish(entries(300))
    files.update({p: d for p, d in honest.items() if p != "checkpoint"})
    fails(files, Failure.WRONG_ROOT)


def test_a_non_canonical_entry_or_a_broken_bundle_is_malformed():
    files = publish(entries(10))
    bundle = decode_bundle(files["tile/entries/000.p/10"])
    bundle[2] = bundle[2].replace(b'{"author"', b'{ "author"')
    files["tile/entries/000.p/10"] = encode_bundle(bundle)
    fails(files, Failure.MALFORMED_ENTRY)
    files["tile/entries/000.p/10"] = b"\x00\x09short"
    fails(files, Failure.MALFORMED_ENTRY)


def test_an_entry_from_another_ledger_is_malformed():
    stranger = [
        replace(Entry(ORIGIN, 0, None, "2026-11-22T12:00:00Z", "decision", did_key(b"\x01" * 32)), log="x.example/l")
    ]
    items = [encode_entry(stranger[0])]
    fails(publish(items), Failure.MALFORMED_ENTRY)


def test_signature_and_key_failures_are_told_apart():
    files = publish(entries(5))
    files["checkpoint"] = files["checkpoint"].replace(b"\n5\n", b"\n4\n", 1)
    fails(files, Failure.BAD_SIGNATURE)
    fails(publish(entries(5), Signer(ORIGIN, b"\x12" * 32)), Failure.WRONG_KEY)
    other_origin = Signer("elsewhere.example/l", b"\x11" * 32)
    fails({"checkpoint": sign_note(Checkpoint(other_origin.name, 0, bytes(32)).text, [KEY])}, Failure.WRONG_KEY)
    fails({"checkpoint": b"not a note"}, Failure.MALFORMED_CHECKPOINT)


def test_history_must_extend_what_was_seen_and_both_checkpoints_are_kept_as_proof():
    seen = publish(entries(300))["checkpoint"].decode()
    assert audit_ledger(reader(publish(entries(310))), KEY.verifier, seen).checkpoint.size == 310
    forked = publish(entries(310, {5: {"title": "rewritten"}}))
    failure = fails(forked, Failure.INCONSISTENT_HISTORY, seen)
    assert failure.evidence == (seen, forked["checkpoint"].decode())
    assert "gone back in time" in fails(publish(entries(200)), Failure.INCONSISTENT_HISTORY, seen).message
    fails(publish(entries(300, {299: {"title": "same size, other root"}})), Failure.INCONSISTENT_HISTORY, seen)


def test_a_missing_tile_is_a_fetch_failure_and_a_huge_claim_is_refused_before_reading():
    files = publish(entries(300))
    del files["tile/0/000"]
    fails(files, Failure.FETCH)
    fails(publish(entries(300)), Failure.TOO_LARGE, max_entries=299)
    huge = {"checkpoint": sign_note(Checkpoint(ORIGIN, 2**62, bytes(32)).text, [KEY]).encode()}
    fails(huge, Failure.TOO_LARGE)
