"""Founding an assembly: all or nothing, with its charter as the ledger's first entry."""

import pytest

from confederal.ledger import decode_entry
from confederal.node.assemblies.models import Assembly
from confederal.node.assemblies.services import check_found_assembly, do_found_assembly
from confederal.node.ledgers import models, selectors
from confederal.node.ledgers.services import LedgerInputError


def test_founding_creates_the_assembly_its_ledger_and_the_charter_entry(db, now):
    assembly = do_found_assembly(check_found_assembly("Energy co-op", "energy-coop", "energy", "Share the sun."), now)
    (body,) = models.LedgerEntry.objects.filter(ledger=assembly.ledger).values_list("body", flat=True)
    entry = decode_entry(bytes(body))
    assert (entry.kind, entry.body["principles"]) == ("assembly.charter", "Share the sun.")
    assert selectors.latest_checkpoint(assembly.ledger).size == 1


@pytest.mark.parametrize(
    ("name", "slug", "focus", "principles", "code"),
    [
        ("", "a", "food", "p", "bad_name"),
        ("A", "a", "food", "   ", "no_principles"),
        ("A", "a", "weapons", "p", "bad_focus"),
        ("A", "Not A Slug", "food", "p", "bad_slug"),
        ("A", "a", "food", "Cafe\u0301 for all", "not_nfc"),
        ("A", "a", "food", "x" * 70_000, "too_large"),
    ],
)
def test_a_founding_that_cannot_be_recorded_is_refused_before_anything_is_created(
    db, name, slug, focus, principles, code
):
    with pytest.raises(LedgerInputError) as err:
        check_found_assembly(name, slug, focus, principles)
    assert err.value.code == code
    assert not Assembly.objects.exists()
    assert not models.Ledger.objects.exists()


def test_a_taken_name_is_refused(db, now):
    do_found_assembly(check_found_assembly("Energy co-op", "energy-coop", "energy", "Share the sun."), now)
    with pytest.raises(LedgerInputError) as err:
        check_found_assembly("Other", "energy-coop", "energy", "p")
    assert err.value.code == "slug_taken"
