import pytest
from django.test import override_settings

from confederal.node.ledgers import keys
from confederal.node.ledgers.services import check_ledger_slug, do_create_ledger


@pytest.fixture
def ledger(db, now):
    return do_create_ledger(check_ledger_slug("food-hub"), "Riverside Food Hub", now)


@pytest.fixture
def key_file(tmp_path):
    """The node's key file, at a path of this test's own (no key there yet)."""
    path = tmp_path / "keys" / "signing.key"
    with override_settings(SIGNING_KEY_FILE=path):
        keys._cache.clear()
        yield path
    keys._cache.clear()
