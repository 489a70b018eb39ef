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
from confederal.node.ledgers.services import LedgerInputError, Record, check_fits, check_operator_record, do_append
from confederal.records import MetricNote
from tests.support.records import decision, metric


def _decisions(*titles):
    return [Record(decision(i + 1, title)) for i, title in enumerate(titles)]


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
    seqs = do_append(ledger, _decisions("Decision 0", "Decision 1", "Decision 2"), now)
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
    do_append(ledger, [Record(metric(i)) for i in range(600)], now)
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
    ("payload", "code"),
    [
        ({"amount": 12.5}, "float"),
        ({"votes": 2**60}, "unsafe_integer"),
        ({"Bad Key": 1}, "bad_key"),
        ({"minutes": "x" * 70_000}, "too_large"),
    ],
)
def test_a_record_that_does_not_fit_is_refused_and_changes_nothing(ledger, now, payload, code):
    do_append(ledger, _decisions("kept"), now)
    before = (models.LedgerEntry.objects.count(), models.Checkpoint.objects.count(), _stored(ledger))
    with pytest.raises(LedgerInputError) as err:
        check_fits("decision", {"payload": payload})
    assert err.value.code == code
    assert err.value.message
    with pytest.raises(LedgerInputError) as err:
        do_append(
            ledger, [Record(decision(2, payload=payload))], now
        )  # unchecked input is refused by the append itself
    assert err.value.code == code
    ledger.refresh_from_db()
    assert (models.LedgerEntry.objects.count(), models.Checkpoint.objects.count(), _stored(ledger)) == before
    assert ledger.size == 1


def test_a_kind_nobody_declared_is_refused_at_the_append(ledger, now):
    class Forged(MetricNote):
        kind = "decision"  # pretends to be a decision, but is not the declared body

    with pytest.raises(LedgerInputError) as err:
        do_append(ledger, [Record(Forged("meals", 1, "meals"))], now)
    assert err.value.code == "unknown_kind"
    with pytest.raises(LedgerInputError) as err:
        check_fits("Decision!", {"title": "x"})
    assert err.value.code == "bad_kind"
    assert ledger.size == 0


def test_a_batch_with_one_bad_record_stores_none_of_them(ledger, now):
    with pytest.raises(LedgerInputError):
        do_append(ledger, [Record(decision(1)), Record(decision(2, payload={"x": 1.5}))], now)
    ledger.refresh_from_db()
    assert ledger.size == 0
    assert not models.LedgerEntry.objects.exists()


@pytest.mark.parametrize(
    ("kind", "data", "code"),
    [
        ("metric", b"{not json", "malformed_json"),
        ("metric", b'{"name": "kwh", "value": 1.0, "unit": "kWh"}', "bad_field"),
        ("metric", b"[1, 2]", "bad_body"),
        ("metric", b'{"name": "kwh", "value": 3, "unit": "kWh", "colour": "red"}', "unknown_field"),
        ("decision", b'{"title": "We decided"}', "not_operator_kind"),
        ("mandate.grant", b"{}", "not_operator_kind"),
        ("no.such", b"{}", "not_operator_kind"),
    ],
)
def test_an_operators_note_from_a_file_is_checked_with_clear_errors(kind, data, code):
    with pytest.raises(LedgerInputError) as err:
        check_operator_record(kind, data)
    assert err.value.code == code
    assert err.value.message


def test_an_operators_note_is_written_as_the_operators_not_as_the_assemblys(ledger, now):
    from confederal.ledger import did_key
    from confederal.node.ledgers.keys import node_signer, operator_signer

    note = check_operator_record("metric", b'{"name": "kwh", "value": 3, "unit": "kWh", "name": "energy"}')
    assert note.json() == {"name": "energy", "value": 3, "unit": "kWh"}  # duplicate keys: the last wins
    do_append(ledger, [note, *_decisions("Adopted by vote")], now)
    by_hand, voted = (decode_entry(b) for b in _stored(ledger))
    assert by_hand.author == did_key(operator_signer().verifier.public_key)
    assert voted.author == did_key(node_signer().verifier.public_key)
    assert by_hand.author != voted.author


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
    do_append(ledger, _decisions("A", "B"), now)
    assert seen_by_another_connection == [2]


@pytest.mark.django_db(transaction=True)
def test_a_crash_before_signing_loses_nothing_acknowledged_and_the_next_checkpoint_covers_it(now, monkeypatch):
    ledger = services.do_create_ledger("housing", "Housing group", now)

    def crash(*args, **kwargs):
        raise RuntimeError("power cut")

    monkeypatch.setattr(services, "sign_note", crash)
    with pytest.raises(services.CheckpointPending) as pending:
        do_append(ledger, _decisions("Kept"), now)
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
        do_append(ledger, _decisions("x"), now)
    assert isinstance(pending.value.reason, KeyError_)
    assert "Refusing to sign" in str(pending.value.reason)
    assert selectors.latest_checkpoint(ledger).size == 0
