"""Founding an assembly: all or nothing, with its charter as the ledger's first entry."""

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from confederal.ledger import decode_entry
from confederal.node.assemblies.models import Assembly
from confederal.node.assemblies.services import check_found_assembly, do_found_assembly
from confederal.node.errors import Refused
from confederal.node.ledgers import models, selectors


@pytest.fixture
def alice(db):
    return User.objects.create_user("alice", password="a-long-password")


@pytest.fixture
def bob(db):
    return User.objects.create_user("bob", password="a-long-password")


def _found(user, now, **changes):
    values = {
        "name": "Energy co-op",
        "slug": "energy-coop",
        "focus": "energy",
        "principles": "Share the sun.",
        "public_name": "Alice",
    }
    values.update(changes)
    return check_found_assembly(user, today=now.date(), **values)


def test_founding_records_the_charter_and_the_founder_in_the_ledger(alice, now):
    assembly = do_found_assembly(_found(alice, now), now)
    bodies = models.LedgerEntry.objects.filter(ledger=assembly.ledger).order_by("seq").values_list("body", flat=True)
    charter, joined = (decode_entry(bytes(b)) for b in bodies)
    assert charter.kind == "assembly.charter"
    assert charter.body["charter"]["rules"]["principles"]["value"] == "Share the sun."
    assert (joined.kind, joined.body["name"], joined.body["via"]) == ("member.joined", "Alice", "founding")
    assert selectors.latest_checkpoint(assembly.ledger).size == 2
    assert assembly.members.get().public_name == "Alice"


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"name": ""}, "bad_value"),
        ({"principles": "   "}, "bad_value"),
        ({"focus": "weapons"}, "bad_focus"),
        ({"slug": "Not A Slug"}, "bad_slug"),
        ({"principles": "x" * 19_999 + "é" * 20}, "bad_value"),
        ({"public_name": ""}, "bad_public_name"),
    ],
)
def test_a_founding_that_cannot_be_recorded_is_refused_before_anything_is_created(alice, now, changes, code):
    with pytest.raises(Refused) as err:
        _found(alice, now, **changes)
    assert err.value.code == code
    assert not Assembly.objects.exists()
    assert not models.Ledger.objects.exists()


def test_it_stores_and_records_what_people_type_in_one_unicode_form(alice, now):
    # "Café" typed with a combining accent (as some keyboards send it) is the same text as
    # with a precomposed é; the ledger only accepts the latter, so it is normalised at input.
    assembly = do_found_assembly(
        _found(alice, now, name="  Cafe\u0301  Commons ", principles="Cafe\u0301 for all"), now
    )
    body = decode_entry(bytes(models.LedgerEntry.objects.filter(ledger=assembly.ledger).order_by("seq")[0].body)).body
    assert assembly.name == body["charter"]["name"] == "Caf\u00e9 Commons"
    assert assembly.principles == body["charter"]["rules"]["principles"]["value"] == "Caf\u00e9 for all"


def test_two_foundings_racing_for_one_address_refuse_the_second_cleanly(alice, bob, now):
    first, second = _found(alice, now), _found(bob, now, name="Other")
    do_found_assembly(first, now)
    with pytest.raises(Refused) as err:
        do_found_assembly(second, now)
    assert (err.value.code, err.value.status) == ("slug_taken", 409)
    assert Assembly.objects.count() == models.Ledger.objects.count() == 1


def test_a_taken_name_is_refused(alice, now):
    do_found_assembly(_found(alice, now), now)
    with pytest.raises(Refused) as err:
        _found(alice, now, name="Other")
    assert err.value.code == "slug_taken"


def test_visitors_cannot_found_assemblies(db, now):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(Refused) as err:
        _found(AnonymousUser(), now)
    assert err.value.status == 401


def test_the_founders_choose_the_time_zone_every_page_of_the_assembly_is_shown_in(alice, client, now):
    client.force_login(alice)
    form = client.get(reverse("found")).content.decode()
    assert '<option value="Europe/Berlin">' in form
    fields = {"name": "Energy co-op", "slug": "energy-coop", "focus": "energy", "principles": "Share the sun."}
    fields |= {"public_name": "Alice", "join": "either", "method": "consent", "max_size": "15"}

    refused = client.post(reverse("found"), fields | {"time_zone": "Mars/Olympus_Mons"})
    assert refused.status_code == 400
    assert "Mars/Olympus_Mons is not a time zone" in refused.content.decode()
    assert not Assembly.objects.exists()

    founded = client.post(reverse("found"), fields | {"time_zone": "Europe/Berlin"})
    assert founded.status_code == 303
    assembly = Assembly.objects.get()
    assert assembly.charter["time_zone"] == "Europe/Berlin"
    page = client.get(f"/ledgers/{assembly.slug}/").content.decode()
    # Founded just now: the entry's time is in the assembly's zone, which is named.
    assert " CET" in page or " CEST" in page
    assert " UTC" not in page


def test_the_longest_name_and_address_the_checks_allow_are_stored_on_every_database(alice, now):
    # SQLite does not enforce column lengths and PostgreSQL does: a 64-character address once passed
    # the check and then failed PostgreSQL's 50-character column with a server error.
    slug, name = "long-" + "z" * 59, "Assembly" + "y" * 112
    assembly = do_found_assembly(_found(alice, now, slug=slug, name=name), now)
    assembly.refresh_from_db()
    assert (assembly.slug, assembly.name, assembly.ledger.slug) == (slug, name, slug)
    with pytest.raises(Refused) as refused:
        _found(alice, now, slug=slug + "z")
    assert refused.value.code == "bad_slug"
