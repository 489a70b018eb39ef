"""The node's clock: real time in production; movable only through the test hook, only with the hooks on."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from confederal.node import clock
from confederal.node.web import now as page_now


@pytest.fixture
def hooks(settings, tmp_path):
    settings.TEST_HOOKS = True
    settings.DATA_DIR = tmp_path
    return tmp_path


def test_the_hook_is_not_there_without_the_setting(client, tmp_path, settings):
    settings.DATA_DIR = tmp_path
    assert settings.TEST_HOOKS is False  # the suite's own settings never turn it on
    assert client.get("/_test/clock").status_code == 404
    assert client.post("/_test/clock", b'{"advance": 3600}', content_type="application/json").status_code == 404
    with pytest.raises(clock.ClockError):
        clock.advance(3600)
    # Even an offset file left in the data directory is ignored.
    (tmp_path / "test-clock-offset").write_text("86400")
    assert clock.offset() == timedelta(0)
    assert abs(clock.now() - timezone.now()) < timedelta(seconds=5)


def test_the_hook_moves_the_clock_every_reader_uses(client, hooks):
    before = clock.now()
    answer = client.post("/_test/clock", b'{"advance": 3600}', content_type="application/json")
    assert answer.status_code == 200
    assert answer.json()["offset"] == 3600.0
    assert timedelta(minutes=59) < page_now() - before < timedelta(minutes=61)
    client.post("/_test/clock", b'{"advance": 60.5}', content_type="application/json")
    assert client.get("/_test/clock").json()["offset"] == 3660.5
    assert (hooks / "test-clock-offset").read_text() == "3660.5"


BAD = (
    b"",
    b"not json",
    b"[]",
    b"{}",
    b'{"advance": "60"}',
    b'{"advance": true}',
    b'{"advance": -1}',
    b'{"advance": 1e9}',
)


@pytest.mark.parametrize("body", BAD)
def test_the_hook_refuses_bad_input_without_moving_the_clock(client, hooks, body):
    answer = client.post("/_test/clock", body, content_type="application/json")
    assert answer.status_code == 400
    assert answer.json()["error"]
    assert clock.offset() == timedelta(0)


def test_the_clock_never_goes_back_or_reads_garbage(hooks):
    (hooks / "test-clock-offset").write_text("-600")
    assert clock.offset() == timedelta(0)
    (hooks / "test-clock-offset").write_text("nan")
    assert clock.offset() == timedelta(0)
    with pytest.raises(clock.ClockError):
        clock.advance(float("inf"))
    assert settings.TEST_HOOKS is True
