import pytest

from confederal.node.ledgers.services import check_ledger_slug, do_create_ledger


@pytest.fixture
def ledger(db, now):
    return do_create_ledger(check_ledger_slug("food-hub"), "Riverside Food Hub", now)
