"""A write the storage refuses is a 503 with a sentence, on pages and the API; any other error stays an error.

The errors are real ones, from a real SQLite database that has no room left (``max_page_count``); a node
whose disk really fills is tests/cli/test_full_disk.py.
"""

from __future__ import annotations

import json
import sqlite3

import pytest
from django.db import OperationalError
from django.test import RequestFactory

from confederal.node.outage import StorageFailureMiddleware, is_storage_failure


def _full_disk_error(tmp_path) -> OperationalError:
    conn = sqlite3.connect(tmp_path / "tiny.sqlite3")
    try:
        conn.execute("CREATE TABLE t (x BLOB)")
        conn.execute("PRAGMA max_page_count = 3")
        with pytest.raises(sqlite3.OperationalError) as full:
            conn.execute("INSERT INTO t VALUES (zeroblob(100000))")
    finally:
        conn.close()
    try:
        raise OperationalError(str(full.value)) from full.value  # as Django wraps it
    except OperationalError as wrapped:
        return wrapped


def _middleware():
    return StorageFailureMiddleware(lambda request: None)  # type: ignore[arg-type,return-value]


def test_a_full_disk_is_a_503_page_with_a_sentence(db, tmp_path):
    error = _full_disk_error(tmp_path)
    assert "full" in str(error)
    request = RequestFactory().post("/assemblies/food-hub/proposals/new", HTTP_ACCEPT="text/html")
    response = _middleware().process_exception(request, error)
    assert response is not None
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    html = response.content.decode()
    assert "Cannot store anything right now" in html
    assert "its disk is full or its data is read-only. Nothing was changed" in html
    assert "Traceback" not in html


def test_a_full_disk_on_the_api_is_a_503_with_a_code_and_a_sentence(db, tmp_path):
    request = RequestFactory().post("/api/assemblies")
    response = _middleware().process_exception(request, _full_disk_error(tmp_path))
    assert response is not None
    assert response.status_code == 503
    body = json.loads(response.content)
    assert body["code"] == "storage_unavailable"
    assert body["detail"].startswith("This node cannot store anything right now")


def test_other_errors_are_not_taken_for_a_full_disk(tmp_path):
    conn = sqlite3.connect(tmp_path / "db.sqlite3")
    with pytest.raises(sqlite3.OperationalError) as missing:
        conn.execute("SELECT * FROM no_such_table")
    conn.close()
    assert not is_storage_failure(missing.value)
    assert not is_storage_failure(ValueError("no"))
    assert _middleware().process_exception(RequestFactory().get("/"), RuntimeError("boom")) is None
