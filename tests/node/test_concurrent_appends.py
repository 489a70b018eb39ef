"""Concurrent appends to one ledger serialise: none lost, none duplicated, every checkpoint consistent."""

import threading

import pytest
from django.db import connections

from confederal.ledger import decode_entry, leaf_hashes, open_checkpoint, parse_note, root_from_leaf_hashes
from confederal.node.ledgers import models, selectors, services
from confederal.node.ledgers.keys import ledger_verifier
from confederal.node.ledgers.services import Record, do_append
from tests.support.records import metric

WRITERS = 6
APPENDS_EACH = 15


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_each_get_distinct_contiguous_seqs_and_nothing_is_lost(now):
    ledger = services.do_create_ledger("busy", "A busy assembly", now)
    acknowledged: dict[tuple[int, int], list[int]] = {}
    errors: list[BaseException] = []
    start = threading.Barrier(WRITERS)

    def writer(w: int) -> None:
        try:
            start.wait()
            for i in range(APPENDS_EACH):
                records = [Record(metric(w * 1000 + i * 10 + j, "w")) for j in range(1 + i % 3)]
                acknowledged[(w, i)] = do_append(ledger, records, now)
        except BaseException as exc:  # reported below, with the thread's own traceback
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors

    all_seqs = sorted(s for seqs in acknowledged.values() for s in seqs)
    assert all_seqs == list(range(len(all_seqs)))  # no gap, no duplicate
    for seqs in acknowledged.values():
        assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))  # a batch is contiguous

    bodies = [
        bytes(b)
        for b in models.LedgerEntry.objects.filter(ledger=ledger).order_by("seq").values_list("body", flat=True)
    ]
    values = {decode_entry(b).body["value"] for b in bodies}
    expected = {w * 1000 + i * 10 + j for w in range(WRITERS) for i in range(APPENDS_EACH) for j in range(1 + i % 3)}
    assert values == expected
    hashes = leaf_hashes(bodies)
    assert [decode_entry(b).prev for b in bodies[1:]] == hashes[:-1]

    # Every checkpoint signed along the way is a prefix of the final tree.
    key = ledger_verifier(ledger)
    for row in models.Checkpoint.objects.filter(ledger=ledger):
        opened = open_checkpoint(row.note, key)
        assert opened.checkpoint.root == root_from_leaf_hashes(hashes[: opened.checkpoint.size])
    latest = selectors.latest_checkpoint(ledger)
    assert latest.size == len(all_seqs)
    assert parse_note(latest.note).text.startswith(ledger.origin + "\n")
