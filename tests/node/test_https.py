"""HTTPS behind a proxy, and the security headers every page carries.

The settings are what `confederal.node.settings` derives from the environment (read in a fresh
interpreter, as a node process starts), and then Django's own middleware answers requests under them:
a form posted from an https public URL passes the CSRF origin check, a plain request is redirected
only when the operator said a proxy is in front, and the proxy's header is never believed otherwise.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.http import HttpResponse
from django.test import Client, override_settings

from confederal.node.csp_header import FixedPolicyMiddleware
from tests.support.nodes import base_env

PUBLIC = "https://assembly.example.org"
HOST = "assembly.example.org"
YEAR = 365 * 24 * 3600

#: What a node derives from its public URL and CONFEDERAL_BEHIND_PROXY.
DERIVED = (
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "CSRF_COOKIE_SECURE",
    "SESSION_COOKIE_SECURE",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_SSL_REDIRECT",
    "SECURE_SSL_HOST",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "TRUSTED_PROXY_HEADERS",
)
READ = "import json; from confederal.node import settings as s; print(json.dumps({n: getattr(s, n) for n in %r}))"


def derived(data_dir: Path, **env: str) -> dict[str, Any]:
    """The settings a node started with this environment has (in a fresh interpreter: settings are read once)."""
    environment = base_env(data_dir) | env
    result = subprocess.run(
        [sys.executable, "-c", READ % (DERIVED,)], env=environment, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    if values["SECURE_PROXY_SSL_HEADER"] is not None:
        values["SECURE_PROXY_SSL_HEADER"] = tuple(values["SECURE_PROXY_SSL_HEADER"])
    return values


@pytest.fixture(scope="module")
def behind_proxy(tmp_path_factory) -> dict[str, Any]:
    return derived(tmp_path_factory.mktemp("proxy"), CONFEDERAL_PUBLIC_URL=PUBLIC, CONFEDERAL_BEHIND_PROXY="1")


@pytest.fixture(scope="module")
def undeclared(tmp_path_factory) -> dict[str, Any]:
    return derived(tmp_path_factory.mktemp("undeclared"), CONFEDERAL_PUBLIC_URL=PUBLIC)


@pytest.mark.nodb
def test_an_https_public_url_trusts_its_origin_and_keeps_cookies_on_tls(behind_proxy, undeclared):
    for values in (behind_proxy, undeclared):
        assert values["CSRF_TRUSTED_ORIGINS"] == [PUBLIC]
        assert values["SESSION_COOKIE_SECURE"] is values["CSRF_COOKIE_SECURE"] is True
        assert values["SECURE_HSTS_SECONDS"] == YEAR
        assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is False
        assert values["ALLOWED_HOSTS"][0] == HOST
    assert behind_proxy["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")
    assert (behind_proxy["SECURE_SSL_REDIRECT"], behind_proxy["SECURE_SSL_HOST"]) == (True, HOST)
    assert behind_proxy["TRUSTED_PROXY_HEADERS"] == ["x-forwarded-proto"]
    # Without the operator's word the header is anyone's to send: never believed, and nothing redirects.
    assert undeclared["SECURE_PROXY_SSL_HEADER"] is None
    assert undeclared["SECURE_SSL_REDIRECT"] is False
    assert undeclared["TRUSTED_PROXY_HEADERS"] == []


@pytest.mark.nodb
def test_an_http_public_url_changes_nothing(tmp_path):
    values = derived(tmp_path, CONFEDERAL_PUBLIC_URL="http://127.0.0.1:8123", CONFEDERAL_BEHIND_PROXY="1")
    assert values["CSRF_TRUSTED_ORIGINS"] == []
    assert values["SESSION_COOKIE_SECURE"] is values["CSRF_COOKIE_SECURE"] is False
    assert values["SECURE_PROXY_SSL_HEADER"] is None
    assert values["SECURE_SSL_REDIRECT"] is False
    assert values["SECURE_HSTS_SECONDS"] == 0


@pytest.mark.nodb
def test_subdomains_join_hsts_only_when_asked_and_extra_hosts_are_allowed(tmp_path):
    values = derived(
        tmp_path,
        CONFEDERAL_PUBLIC_URL=PUBLIC,
        CONFEDERAL_HSTS_SUBDOMAINS="1",
        CONFEDERAL_ALLOWED_HOSTS="node.example.net, other.example.net",
    )
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert {HOST, "node.example.net", "other.example.net"} <= set(values["ALLOWED_HOSTS"])


def _signed_in_through(proto: str) -> tuple[Client, Any]:
    """Sign in the way a browser does through the proxy: the form's page, then its POST with Origin and Referer."""
    User.objects.create_user("pia", password="a-long-test-password")
    client = Client(enforce_csrf_checks=True, HTTP_HOST=HOST, HTTP_X_FORWARDED_PROTO=proto)
    form = client.get("/accounts/sign-in", secure=False)
    assert form.status_code == 200, form.status_code
    token = form.cookies["csrftoken"].value
    answer = client.post(
        "/accounts/sign-in",
        {"username": "pia", "password": "a-long-test-password", "csrfmiddlewaretoken": token},
        HTTP_ORIGIN=PUBLIC,
        HTTP_REFERER=PUBLIC + "/accounts/sign-in",
    )
    return client, answer


@pytest.mark.django_db
def test_a_form_posted_through_the_tls_proxy_passes_the_csrf_check(behind_proxy):
    with override_settings(**behind_proxy):
        client, answer = _signed_in_through("https")
        assert answer.status_code in {302, 303}, answer.content.decode()[:400]
        assert answer["Location"] == "/"
        assert answer.cookies["sessionid"]["secure"]
        # Every answer over TLS tells the browser to keep to HTTPS.
        home = client.get("/")
        assert home["Strict-Transport-Security"] == f"max-age={YEAR}"


@pytest.mark.django_db
def test_a_form_posted_from_the_https_url_passes_even_when_no_proxy_was_declared(undeclared):
    # The proxy's header is not believed, so the request looks plain; the origin is still the node's own.
    with override_settings(**undeclared):
        client, answer = _signed_in_through("https")
        assert answer.status_code in {302, 303}, answer.content.decode()[:400]
        assert "Strict-Transport-Security" not in client.get("/")


@pytest.mark.django_db
def test_a_form_posted_from_another_origin_is_still_refused(behind_proxy):
    with override_settings(**behind_proxy):
        User.objects.create_user("pia", password="a-long-test-password")
        client = Client(enforce_csrf_checks=True, HTTP_HOST=HOST, HTTP_X_FORWARDED_PROTO="https")
        token = client.get("/accounts/sign-in").cookies["csrftoken"].value
        answer = client.post(
            "/accounts/sign-in",
            {"username": "pia", "password": "a-long-test-password", "csrfmiddlewaretoken": token},
            HTTP_ORIGIN="https://elsewhere.example.net",
        )
        assert answer.status_code == 403


@pytest.mark.django_db
def test_plain_http_is_redirected_to_the_public_url_only_behind_a_declared_proxy(behind_proxy, undeclared):
    with override_settings(**behind_proxy):
        for headers in ({}, {"HTTP_X_FORWARDED_PROTO": "http"}):
            answer = Client(HTTP_HOST="127.0.0.1:8000", **headers).get("/ledgers?page=2")
            assert answer.status_code == 301
            assert answer["Location"] == f"{PUBLIC}/ledgers?page=2"
    with override_settings(**undeclared):
        answer = Client(HTTP_HOST=HOST, HTTP_X_FORWARDED_PROTO="https").get("/ledgers")
        assert answer.status_code == 200
        assert "Strict-Transport-Security" not in answer


@pytest.mark.django_db
def test_a_monitor_on_the_machine_reads_the_health_check_past_the_proxy(behind_proxy):
    with override_settings(**behind_proxy):
        answer = Client(HTTP_HOST="127.0.0.1:8000").get("/health")
        assert answer.status_code in (200, 503), answer.get("Location")
        assert answer.content.decode().startswith("This node")
        assert Client(HTTP_HOST="127.0.0.1:8000").get("/healthy").status_code == 301  # the exemption is that one path


POLICY = {
    "default-src": "'self'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
    "object-src": "'none'",
}


def _policy(header: str) -> dict[str, str]:
    return dict(part.strip().split(" ", 1) for part in header.split(";") if part.strip())


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/", "/ledgers", "/federations/", "/accounts/sign-in", "/nowhere", "/api/openapi.json"]
)
def test_every_answer_carries_the_content_security_policy_and_the_security_headers(client, path):
    answer = client.get(path)
    assert answer.status_code in {200, 404}, answer.status_code
    assert _policy(answer["Content-Security-Policy"]) == POLICY
    assert answer["X-Content-Type-Options"] == "nosniff"
    assert answer["Referrer-Policy"] == "same-origin"
    assert answer["X-Frame-Options"] == "DENY"
    # The tests' node has an http public URL: no HSTS, no redirect.
    assert "Strict-Transport-Security" not in answer


@pytest.mark.nodb
def test_no_page_template_carries_inline_script_or_style():
    """What the policy would refuse in a browser, found in the templates themselves."""
    root = Path(__file__).resolve().parents[2] / "src" / "confederal" / "node"
    inline = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle=|\son[a-z]+=", re.IGNORECASE)
    found = [
        f"{template.relative_to(root)}: {match.group(0).strip()}"
        for template in sorted(root.rglob("*.html"))
        for match in inline.finditer(template.read_text())
    ]
    assert not found, "\n".join(found)


def test_the_policy_built_once_gives_way_to_an_answer_that_changes_it(rf):
    """The node builds its one policy once (``FixedPolicyMiddleware``); an answer that changes it still gets its own."""
    answers = [HttpResponse("plain"), HttpResponse("plain")]
    changed = HttpResponse("changed")
    changed._csp_update = {"img-src": ["data:"]}
    answers.append(changed)
    middleware = FixedPolicyMiddleware(lambda request: answers.pop(0))
    first, second, third = (middleware(rf.get("/")) for _ in range(3))
    assert _policy(first["Content-Security-Policy"]) == POLICY
    assert second["Content-Security-Policy"] == first["Content-Security-Policy"]
    assert _policy(third["Content-Security-Policy"]) == POLICY | {"img-src": "data:"}
