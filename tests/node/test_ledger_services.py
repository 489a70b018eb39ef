"""Appending to a ledger through the services: what is stored, what is signed, and when."""

import threading
from datetime import timedelta

import pytest
from django.db import connections

from confederal.ledger import (
    TreeLevels,
    decode_entry,
    leaf_hashes,
    open_checkpoint,
    root_from_leaf_hashes,
)
from confederal.node.ledgers import models, selectors, services
from confederal.node.ledgers.keys import KeyError_, ledger_verifier
from confederal.node.ledgers.services import LedgerInputError, Record, check_record, check_record_bytes, do_append


def _stored(ledger):
    return [
        bytes(b)
        for b in models.LedgerEntry.objects.filter(ledger=ledger).order_by("seq").values_list("body", flat=True)
    ]


def test_it_signs_an_empty_checkpoint_when_a_ledger_is_created(ledger):
    checkpoint = selectors.latest_checkpoint(ledger)
    opened = open_checkpoint(checkpoint.note, ledger_verifier(ledger))
    assert (opened.checkpoint.size, opened.checkpoint.origin) == (0, ledger.origin)
    assert ledger.origin.endswith("/ledgers/food-hub")


def test_it_appends_in_order_and_signs_a_checkpoint_covering_the_entries(ledger, now):
    seqs = do_append(ledger, [check_record("decision", {"title": f"Decision {i}"}) for i in range(3)], now)
    assert seqs == [0, 1, 2]
    stored = _stored(ledger)
    entries = [decode_entry(b) for b in stored]
    assert [e.body["title"] for e in entries] == ["Decision 0", "Decision 1", "Decision 2"]
    assert all(e.log == ledger.origin and e.time == "2026-11-22T12:00:00Z" for e in entries)
    hashes = leaf_hashes(stored)
    assert [e.prev for e in entries] == [None, hashes[0], hashes[1]]
    opened = open_checkpoint(selectors.latest_checkpoint(ledger).note, ledger_verifier(ledger))
    assert opened.checkpoint.size == 3
    assert opened.checkpoint.root == root_from_leaf_hashes(hashes)


def test_it_keeps_the_tile_level_hashes_a_tree_needs(ledger, now):
    do_append(ledger, [check_record("metric", {"name": "meals_served", "value": i}) for i in range(600)], now)
    tree = TreeLevels(leaf_hashes(_stored(ledger)))
    rows = {(r.level, r.index): bytes(r.hash) for r in models.SubtreeHash.objects.filter(ledger=ledger)}
    assert rows == {(8, 0): tree.levels[8][0], (8, 1): tree.levels[8][1]}
    # Any subtree a proof needs can be rebuilt from them.
    assert selectors.read_subtrees(ledger, [(9, 0), (3, 70), (0, 599)]) == [
        tree.levels[9][0],
        tree.levels[3][70],
        tree.levels[0][599],
    ]
    assert selectors.ledger_root(ledger, 600) == tree.root()
    assert selectors.ledger_root(ledger, 257) == tree.root(257)


@pytest.mark.parametrize(
    ("kind", "body", "code"),
    [
        ("decision", {"amount": 12.5}, "float"),
        ("decision", {"votes": 2**60}, "unsafe_integer"),
        ("decision", {"Bad Key": 1}, "bad_key"),
        ("decision", {"minutes": "x" * 70_000}, "too_large"),
        ("decision", ["not", "an", "object"], "bad_body"),
        ("Decision!", {"title": "x"}, "bad_kind"),
    ],
)
def test_a_record_that_does_not_fit_is_refused_and_changes_nothing(ledger, now, kind, body, code):
    do_append(ledger, [check_record("decision", {"title": "kept"})], now)
    before = (models.LedgerEntry.objects.count(), models.Checkpoint.objects.count(), _stored(ledger))
    with pytest.raises(LedgerInputError) as err:
        check_record(kind, body)
    assert err.value.code == code
    assert err.value.message
    with pytest.raises(LedgerInputError):
        do_append(ledger, [Record(kind, body)], now)  # unchecked input is refused by the append itself
    ledger.refresh_from_db()
    assert (models.LedgerEntry.objects.count(), models.Checkpoint.objects.count(), _stored(ledger)) == before
    assert ledger.size == 1


def test_a_batch_with_one_bad_record_stores_none_of_them(ledger, now):
    with pytest.raises(LedgerInputError):
        do_append(ledger, [Record("decision", {"title": "fine"}), Record("decision", {"x": 1.5})], now)
    ledger.refresh_from_db()
    assert ledger.size == 0
    assert not models.LedgerEntry.objects.exists()


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"{not json", "malformed_json"),
        (b'{"a": 1.0}', "float"),
        (b'{"a": 1, "a": 2}', None),  # duplicate keys in input: the last wins, the stored entry is canonical
        (b"[1, 2]", "bad_body"),
    ],
)
def test_record_bytes_from_files_are_parsed_with_clear_errors(data, code):
    if code is None:
        assert check_record_bytes("decision", data).body == {"a": 2}
        return
    with pytest.raises(LedgerInputError) as err:
        check_record_bytes("decision", data)
    assert err.value.code == code


@pytest.mark.django_db(transaction=True)
def test_entries_are_committed_before_the_checkpoint_covering_them_is_signed(now, monkeypatch):
    ledger = services.do_create_ledger("energy-coop", "Energy co-op", now)
    seen_by_another_connection = []
    real_sign_note = services.sign_note

    def spying_sign_note(text, signers):
        # Look from a separate connection: only committed rows are visible there.
        def look():
            try:
                seen_by_another_connection.append(models.LedgerEntry.objects.filter(ledger_id=ledger.pk).count())
            finally:
                connections.close_all()

        t = threading.Thread(target=look)
        t.start()
        t.join()
        return real_sign_note(text, signers)

    monkeypatch.setattr(services, "sign_note", spying_sign_note)
    do_append(ledger, [check_record("decision", {"title": "A"}), check_record("decision", {"title": "B"})], now)
    assert seen_by_another_connection == [2]


@pytest.mark.django_db(transaction=True)
def test_a_crash_before_signing_loses_nothing_acknowledged_and_the_next_checkpoint_covers_it(now, monkeypatch):
    ledger = services.do_create_ledger("housing", "Housing group", now)

    def crash(*args, **kwargs):
        raise RuntimeError("power cut")

    monkeypatch.setattr(services, "sign_note", crash)
    with pytest.raises(services.CheckpointPending) as pending:
        do_append(ledger, [check_record("decision", {"title": "Kept"})], now)
    assert pending.value.seqs == [0]
    monkeypatch.undo()
    assert models.LedgerEntry.objects.filter(ledger=ledger).count() == 1
    assert selectors.latest_checkpoint(ledger).size == 0
    # What a node does when it starts again:
    signed = services.do_sign_pending_checkpoints(now + timedelta(seconds=1))
    assert [c.size for c in signed] == [1]
    assert selectors.latest_checkpoint(ledger).size == 1
    assert services.do_sign_pending_checkpoints(now + timedelta(seconds=2)) == []


def test_signing_refuses_a_key_that_is_not_the_ledgers(ledger, now):
    models.Ledger.objects.filter(pk=ledger.pk).update(
        verifier_key="127.0.0.1:8000/ledgers/food-hub+00000000+AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE="
    )
    ledger.refresh_from_db()
    with pytest.raises(services.CheckpointPending) as pending:
        do_append(ledger, [check_record("decision", {"title": "x"})], now)
    assert isinstance(pending.value.reason, KeyError_)
    assert "Refusing to sign" in str(pending.value.reason)
    assert selectors.latest_checkpoint(ledger).size == 0
