"""A node behind a real TLS proxy, as docs/DEPLOY.md sets one up: Debian's nginx in front, Chromium through it.

The node is a real `confederal serve` whose public URL is the proxy's https address, with
CONFEDERAL_BEHIND_PROXY=1; nginx runs as this test's own process (its pid, logs and temporary files in
the test's directory) with a certificate made for the test. A member signs in and proposes something
through it (every form's POST passes Django's CSRF origin check), the answers carry HSTS and the
Content-Security-Policy over TLS, and plain HTTP ends up at the https address.
"""

from __future__ import annotations

import os
import shutil
import socket
import ssl
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.support.nodes import UNFOLLOWED, Node, free_port, start_node, stop, stop_node

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
DEMO_PASSWORD = "confederal-demo"  # the demo's published password
YEAR = 365 * 24 * 3600

#: The nginx site an operator installs (docs/DEPLOY.md), as written; `site_for_test` moves it to loopback ports.
SITE = Path(__file__).resolve().parents[2] / "deploy" / "nginx-confederal.conf"

#: nginx's own configuration around the site: this test's pid, logs and temporary files.
NGINX_CONF = """
{user}
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log;
events {{ worker_connections 64; }}
http {{
  access_log {dir}/access.log;
  client_body_temp_path {dir}/client_body;
  proxy_temp_path {dir}/proxy;
  fastcgi_temp_path {dir}/fastcgi;
  uwsgi_temp_path {dir}/uwsgi;
  scgi_temp_path {dir}/scgi;
  {site}
}}
"""


def site_for_test(directory: Path, tls_port: int, http_port: int, node_port: int) -> str:
    """deploy/nginx-confederal.conf with loopback ports, this test's certificate and challenge directory."""
    site = SITE.read_text()
    swaps = {
        "listen 443 ssl;": f"listen 127.0.0.1:{tls_port} ssl;",
        "listen [::]:443 ssl;": "",
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "listen [::]:80;": "",
        "server_name assembly.example.org;": "server_name 127.0.0.1;",
        "/etc/letsencrypt/live/assembly.example.org/fullchain.pem": f"{directory}/cert.pem",
        "/etc/letsencrypt/live/assembly.example.org/privkey.pem": f"{directory}/key.pem",
        "proxy_pass http://127.0.0.1:8000;": f"proxy_pass http://127.0.0.1:{node_port};",
        "root /var/www/html;": f"root {directory}/webroot;",
    }
    for old, new in swaps.items():
        assert old in site, f"{SITE.name} no longer says {old!r}: say here how the test moves it to loopback"
        site = site.replace(old, new)
    return site


def self_signed(directory: Path) -> None:
    """A certificate for 127.0.0.1, valid for a day (``cert.pem``, ``key.pem``)."""
    made = subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", str(directory / "key.pem"), "-out", str(directory / "cert.pem"), "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr


def wait_for_port(port: int, proc: subprocess.Popen[str], log: Path, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"nginx exited with {proc.returncode}: {log.read_text() if log.exists() else ''}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nginx did not listen on {port} within {timeout} s")


@pytest.fixture
def proxied(template, tmp_path) -> Iterator[tuple[str, Node, str]]:
    """A node behind nginx terminating TLS: its public https address, the node (at its own plain address), and
    nginx's plain-HTTP address (port 80's server)."""
    assert os.path.exists(NGINX), "Debian's nginx is missing: scripts/bootstrap --dev installs it"
    tls_port = free_port(2)
    http_port = tls_port + 1
    public = f"https://127.0.0.1:{tls_port}"
    node = start_node(template, tmp_path, public_url=public, settings={"CONFEDERAL_BEHIND_PROXY": "1"})
    proxy_dir = tmp_path / "nginx"
    proxy_dir.mkdir()
    self_signed(proxy_dir)
    node_port = int(node.url.rsplit(":", 1)[1])
    # Run as root (as CI does), nginx's workers would drop to a user who cannot reach the test's directory.
    user = "user root root;" if os.geteuid() == 0 else ""
    conf = proxy_dir / "nginx.conf"
    site = site_for_test(proxy_dir, tls_port, http_port, node_port)
    conf.write_text(NGINX_CONF.format(user=user, dir=proxy_dir, site=site))
    log = proxy_dir / "error.log"
    nginx = subprocess.Popen(
        [NGINX, "-p", str(proxy_dir), "-c", str(conf), "-e", str(log), "-g", "daemon off;"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_for_port(tls_port, nginx, log)
        wait_for_port(http_port, nginx, log)
        yield public, node, f"http://127.0.0.1:{http_port}"
    finally:
        stop(nginx)
        stop_node(node)


def plain(url: str, **headers: str) -> tuple[int, str]:
    """Status and Location of a plain GET, redirects not followed."""
    try:
        with UNFOLLOWED.open(urllib.request.Request(url, headers=headers), timeout=10) as answer:
            return answer.status, answer.headers.get("Location", "")
    except urllib.error.HTTPError as answer:
        return answer.code, answer.headers.get("Location", "")


def test_a_member_signs_in_and_proposes_through_a_tls_proxy(browser, proxied):
    public, _, _ = proxied
    context = browser.new_context(ignore_https_errors=True, viewport={"width": 1100, "height": 900})
    page = context.new_page()
    signing_in = page.goto(f"{public}/accounts/sign-in")
    assert signing_in is not None
    assert signing_in.status == 200
    page.get_by_label("Sign-in name").fill("amara")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Signed in as amara")).to_be_visible()
    cookies = {c["name"]: c for c in context.cookies()}
    assert cookies["sessionid"]["secure"]
    assert cookies["csrftoken"]["secure"]

    page.goto(f"{public}/assemblies/food-hub/proposals/new")
    page.get_by_label("Title").fill("Open the hub on Sundays")
    page.get_by_label("What you propose, and why").fill("Half the members work on Saturdays.")
    page.get_by_role("button", name="Open the vote").click()
    expect(page.get_by_role("heading", name="Open the hub on Sundays")).to_be_visible()
    assert page.url.startswith(f"{public}/assemblies/food-hub/proposals/"), page.url
    context.close()

    # Over TLS, every answer tells the browser to keep to HTTPS, and what the page may load.
    headers = signing_in.headers
    assert headers.get("strict-transport-security") == f"max-age={YEAR}", headers
    policy = headers.get("content-security-policy", "")
    for directive in ("default-src 'self'", "frame-ancestors 'none'", "form-action 'self'", "base-uri 'none'"):
        assert directive in policy, headers
    assert headers["x-content-type-options"] == "nosniff"

    # Peers read the ledger through the proxy too.
    unverified = ssl.create_default_context()
    unverified.check_hostname = False
    unverified.verify_mode = ssl.CERT_NONE
    with urllib.request.urlopen(f"{public}/ledgers/food-hub/checkpoint", context=unverified, timeout=10) as answer:
        assert answer.status == 200
        assert answer.read().decode().startswith("127.0.0.1:")


def test_plain_http_ends_up_at_the_https_address(proxied, tmp_path):
    public, node, port_80 = proxied
    host_port = public.removeprefix("https://")
    # Plain HTTP to the https address: nginx sends it to TLS.
    assert plain(f"http://{host_port}/ledgers?page=2") == (301, f"{public}/ledgers?page=2")
    # Straight to the node, past the proxy: the node itself sends it to its public address.
    assert plain(f"{node.url}/assemblies/food-hub/") == (301, f"{public}/assemblies/food-hub/")
    assert plain(f"{node.url}/ledgers", **{"X-Forwarded-Proto": "http"}) == (301, f"{public}/ledgers")
    # Port 80's server: the certificate authority's challenge is answered there; everything else goes to https
    # (at the standard port: the site says $host, as it must for a real name).
    challenge = tmp_path / "nginx" / "webroot" / ".well-known" / "acme-challenge"
    challenge.mkdir(parents=True)
    (challenge / "token-1").write_text("token-1.thumbprint")
    with urllib.request.urlopen(f"{port_80}/.well-known/acme-challenge/token-1", timeout=10) as answer:
        assert answer.read().decode() == "token-1.thumbprint"
    assert plain(f"{port_80}/assemblies/food-hub/") == (301, "https://127.0.0.1/assemblies/food-hub/")
