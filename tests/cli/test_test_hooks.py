"""A node served as in production has no test hook: its clock cannot be moved from outside."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest


def test_a_node_without_the_test_hooks_answers_404_and_keeps_real_time(node):
    assert "CONFEDERAL_TEST_HOOKS" not in node.env
    for body in (None, b'{"advance": 86400}'):
        request = urllib.request.Request(
            node.url + "/_test/clock", data=body, headers={"Content-Type": "application/json"}
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        assert refused.value.code == 404
    assert not (node.data_dir / "test-clock-offset").exists()
