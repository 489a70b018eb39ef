import os
from datetime import UTC

import pytest

from tests.support import tamper
from tests.support.nodes import drop_database, migrated_database, seeded_template, start_node, stop_node

# One Chromium for the whole run: a second sync Playwright inside the first one refuses to start.
pytest_plugins = ["tests.support.browser"]


def pytest_report_header(config):
    backend = "PostgreSQL" if os.environ.get("CONFEDERAL_DATABASE_URL") else "SQLite"
    return [f"confederal node database: {backend}"]


@pytest.fixture(autouse=True)
def _speak_english_again():
    """A request a test made in another language leaves it active in the thread (Django activates per request and
    never switches back): later code outside any request, such as a command, would speak it."""
    yield
    from django.utils import translation

    translation.deactivate()


@pytest.fixture(autouse=True)
def _forget_kept_pages():
    """Each test starts with no kept page or tile: a rolled-back database reuses the names and numbers they hang on."""
    from confederal.node import pagecache

    pagecache.clear()


@pytest.fixture
def now():
    from datetime import datetime

    return datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def migrated(tmp_path_factory):
    """An empty node database with every migration applied, built once; the seeded templates copy it."""
    data, pg_name = migrated_database(tmp_path_factory.mktemp("migrated"))
    yield data, pg_name
    if pg_name:
        drop_database(pg_name)


@pytest.fixture(scope="session")
def template(tmp_path_factory, migrated):
    """A node database with the demo seeded, built once; each node starts from a copy."""
    data, pg_name = seeded_template(tmp_path_factory.mktemp("nodes"), migrated)
    yield data, pg_name
    if pg_name:
        drop_database(pg_name)


@pytest.fixture
def node(template, tmp_path):
    """A real node process (`confederal serve`) on a free loopback port."""
    running = start_node(template, tmp_path)
    yield running
    stop_node(running)


@pytest.fixture(scope="module")
def module_node(template, tmp_path_factory):
    """One real node process for all the tests of a module (a node costs seconds of CPU to start)."""
    running = start_node(template, tmp_path_factory.mktemp("module-node"))
    yield running, tamper.snapshot(running.db)
    stop_node(running)


@pytest.fixture
def honest_node(module_node):
    """The module's node, whose food-hub ledger a test may tamper with: it is checked to be as seeded before the
    test and put back after it (`tamper.restore`), so each test starts from the honest ledger."""
    running, honest = module_node
    assert tamper.snapshot(running.db) == honest, "the shared node's ledger changed between tests"
    yield running
    tamper.restore(running.db, honest)


@pytest.fixture
def state(tmp_path):
    return tmp_path / "verify-state"


@pytest.fixture
def smtp(tmp_path):
    """A real SMTP server in its own process (aiosmtpd), writing what it receives under the test's directory."""
    from tests.support.smtp import SmtpServer

    server = SmtpServer(tmp_path / "mail").start()
    yield server
    server.stop()
