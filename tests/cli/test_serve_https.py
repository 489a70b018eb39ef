"""`confederal serve` with an https public URL says what it cannot do until the proxy is declared."""

from __future__ import annotations

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request

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


def _failed_sign_in(url: str, forwarded_for: str) -> None:
    """One wrong password at the real node, as a proxy would pass it on (with the address it saw)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(url + "/accounts/sign-in") as page:
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.read().decode())
    assert token is not None
    form = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token.group(1), "username": "amara", "password": "not-amaras-password"}
    ).encode()
    request = urllib.request.Request(url + "/accounts/sign-in", data=form, headers={"X-Forwarded-For": forwarded_for})
    try:
        status = opener.open(request).status
    except urllib.error.HTTPError as refused:  # the form shown again, or the pause
        status = refused.code
    assert status < 500


@pytest.mark.slow
def test_guesses_are_counted_against_the_address_the_operators_proxy_saw(template, tmp_path):
    # waitress drops X-Forwarded-For unless told otherwise, so the node must keep it when the operator counts hops.
    for hops, counted in (("1", "203.0.113.7"), ("0", "127.0.0.1")):
        node = start_node(template, tmp_path, settings={"CONFEDERAL_PROXY_HOPS": hops})
        try:
            _failed_sign_in(node.url, "203.0.113.7")
            # str(): PostgreSQL gives an inet column back as an IPv4Address, SQLite as text.
            assert [str(ip) for (ip,) in node.db.execute("SELECT ip_address FROM axes_accessattempt")] == [counted]
        finally:
            stop_node(node)


@pytest.mark.slow
def test_a_serving_node_reports_its_background_loops_running(template, tmp_path):
    node = start_node(template, tmp_path)
    try:
        with urllib.request.urlopen(node.url + "/health") as answer:
            body = answer.read().decode()
        assert answer.status == 200, body
        assert "Clock (votes closing, roles passing on): running" in body
        assert "Federation (pulling peers, witnessing): running" in body
    finally:
        stop_node(node)
