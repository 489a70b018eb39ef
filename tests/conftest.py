import os

import pytest


def pytest_report_header(config):
    backend = "PostgreSQL" if os.environ.get("CONFEDERAL_DATABASE_URL") else "SQLite"
    return [f"confederal node database: {backend}"]


@pytest.fixture
def now():
    from datetime import datetime, timezone

    return datetime(2026, 11, 22, 12, 0, tzinfo=timezone.utc)
