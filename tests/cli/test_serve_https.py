"""`confederal serve` with an https public URL says what it cannot do until the proxy is declared."""

from __future__ import annotations

import pytest

from tests.support.nodes import start_node, stop_node

WARNING = "CONFEDERAL_BEHIND_PROXY is not set"


def said(node) -> str:
    stop_node(node)
    assert node.proc is not None
    assert node.proc.stdout is not None
    return node.proc.stdout.read()


@pytest.mark.slow
def test_serve_says_an_undeclared_proxy_means_no_redirect_and_no_hsts(template, tmp_path):
    undeclared = said(start_node(template, tmp_path, public_url="https://assembly.example.org"))
    assert WARNING in undeclared
    assert "neither redirects plain HTTP nor sends HSTS" in undeclared
    declared = said(
        start_node(
            template,
            tmp_path,
            public_url="https://assembly.example.org",
            settings={"CONFEDERAL_BEHIND_PROXY": "1"},
        )
    )
    assert WARNING not in declared
    assert "Confederal node serving https://assembly.example.org/" in declared
