"""Who may make this node fetch an address: only its operator, only public addresses, a bounded number of them.

A peer is a URL the node fetches every few seconds; a stranger who could add one would have it
scan its own network. Refusals are checked over the API and the page, with real name resolution
(``localhost``) and a real server on loopback for the check at fetch time.
"""

from __future__ import annotations

import http.server
import ipaddress
import threading
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.db import connections
from django.test import override_settings

from confederal.node.errors import Refused
from confederal.node.federation import services, transport
from confederal.node.federation.models import Peer, RemoteLedger

from .cell import build_cell

#: Addresses a node must not be pointed at, each written as a peer's URL.
NOT_PUBLIC = [
    "http://127.0.0.1:8009",
    "http://[::1]:8000",
    "http://10.1.2.3",
    "http://169.254.169.254",
    "http://localhost:8000",
    "https://192.168.1.1",
    "http://[fc00::1]",
    "http://0.0.0.0:8000",
]


@pytest.fixture
def cell(db):
    return build_cell()


@pytest.fixture
def operator(db):
    """The node's operator: an account with the staff flag, which only the command line gives."""
    return User.objects.create_user("root-of-node", password="a-long-test-password", is_staff=True)


@pytest.fixture
def closed_port():
    """A loopback port nothing listens on (bound, then released)."""
    server = http.server.HTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
    port = server.server_address[1]
    server.server_close()
    return port


def _post_peer(client, url):
    return client.post("/api/federation/peers", {"url": url}, content_type="application/json")


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),
        ("10.0.0.1", "private"),
        ("172.16.5.4", "private"),
        ("192.168.0.10", "private"),
        ("fd12:3456::1", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("0.0.0.0", "unspecified"),  # noqa: S104 - an address under test, not one bound
        ("::", "unspecified"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("100.64.0.1", "private"),
        ("93.184.215.14", None),
        ("2606:4700:4700::1111", None),
    ],
)
def test_it_tells_public_addresses_from_the_others(address, kind):
    assert transport.not_public(ipaddress.ip_address(address)) == kind


@pytest.mark.parametrize("url", NOT_PUBLIC)
def test_the_operator_cannot_add_a_peer_at_a_non_public_address_over_the_api(operator, client, url):
    client.force_login(operator)
    refused = _post_peer(client, url)
    assert refused.status_code == 400, refused.content
    assert refused.json()["code"] == "peer_not_public"
    assert "public addresses only" in refused.json()["detail"]
    assert not Peer.objects.exists()


@pytest.mark.parametrize("url", ["http://127.0.0.1:8009", "http://localhost:8000", "http://10.9.8.7"])
def test_the_operator_cannot_add_a_peer_at_a_non_public_address_on_the_page(operator, client, url):
    client.force_login(operator)
    page = client.post("/federation/peers/add", {"url": url}, follow=True)
    assert page.status_code == 200
    assert "public addresses only" in page.content.decode()
    assert not Peer.objects.exists()


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("ftp://example.org", "bad_peer_url"),
        ("http://someone:secret@example.org", "bad_peer_url"),
        ("http://someone@example.org", "bad_peer_url"),
        ("http://example.org:99999", "bad_peer_url"),
        ("http://[::1", "bad_peer_url"),
        ("http://", "bad_peer_url"),
        ("http://no-such-host.invalid", "peer_unknown_host"),
    ],
)
def test_a_malformed_or_unknown_address_is_refused_plainly(operator, client, url, code):
    client.force_login(operator)
    refused = _post_peer(client, url)
    assert refused.status_code == 400
    assert refused.json()["code"] == code
    assert not Peer.objects.exists()


def test_only_the_operator_may_add_a_peer(cell, client):
    assert _post_peer(client, "https://example.org").status_code == 401
    for name in ("ana", "otto"):  # a member, and an account that only signed up
        client.force_login(cell.users[name])
        refused = _post_peer(client, "https://example.org")
        assert refused.status_code == 403
        assert refused.json()["code"] == "not_operator"
        page = client.post("/federation/peers/add", {"url": "https://example.org"}, follow=True)
        assert "Only this node&#x27;s operator can do this." in page.content.decode()
        assert 'action="/federation/peers/add"' not in client.get("/federation/peers").content.decode()
    assert not Peer.objects.exists()


def test_the_operator_may_allow_private_peers(operator, client, closed_port):
    client.force_login(operator)
    url = f"http://127.0.0.1:{closed_port}"
    with override_settings(ALLOW_PRIVATE_PEERS=True):
        added = _post_peer(client, url)
        assert added.status_code == 201, added.content
        assert added.json()["state"] == "unreachable"  # nothing listens there: kept, and tried again later
        assert _post_peer(client, f"http://localhost:{closed_port}").status_code == 201
    assert sorted(Peer.objects.values_list("url", flat=True)) == [url, f"http://localhost:{closed_port}"]


def test_configured_peers_at_private_addresses_are_left_out_unless_allowed(db, now):
    assert services.do_remember_peers(["http://127.0.0.1:8001", "not an address"], now) == []
    assert not Peer.objects.exists()
    with override_settings(ALLOW_PRIVATE_PEERS=True):
        (peer,) = services.do_remember_peers(["http://127.0.0.1:8001"], now)
    assert peer.url == "http://127.0.0.1:8001"


def test_a_node_follows_at_most_max_peers(operator, client, now):
    client.force_login(operator)
    with override_settings(ALLOW_PRIVATE_PEERS=True, MAX_PEERS=2):
        for port in (1, 2):
            Peer.objects.create(url=f"http://127.0.0.1:{port}", added_at=now)
        refused = _post_peer(client, "http://127.0.0.1:3")
        assert refused.status_code == 409
        assert refused.json()["code"] == "too_many_peers"
        assert "remove one first" in refused.json()["detail"]
        page = client.post("/federation/peers/add", {"url": "http://127.0.0.1:3"}, follow=True)
        assert "remove one first" in page.content.decode()
        assert Peer.objects.count() == 2
        assert services.check_add_peer("http://127.0.0.1:2") == "http://127.0.0.1:2"  # one it has already


class _Counting(http.server.BaseHTTPRequestHandler):
    hits = 0

    def do_GET(self):
        type(self).hits += 1
        self.send_response(404)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def loopback_server():
    _Counting.hits = 0
    server = http.server.HTTPServer(("127.0.0.1", 0), _Counting)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_every_fetch_checks_the_address_again(db, now, loopback_server):
    """A name that resolved to a public address when added and to loopback now (DNS rebinding) is not fetched."""
    port = loopback_server.server_address[1]
    peer = Peer.objects.create(url=f"http://localhost:{port}", added_at=now)
    services.do_sync_peer(peer, now)
    peer.refresh_from_db()
    assert _Counting.hits == 0
    assert "loopback" in peer.last_error
    assert peer.trouble == "unreachable"

    with override_settings(ALLOW_PRIVATE_PEERS=True):  # the same fetch, allowed, reaches the server
        services.do_sync_peer(peer, now + timedelta(seconds=10))
    assert _Counting.hits == 1


def test_the_operator_removes_a_peer_after_confirming(operator, cell, client, now):
    peer = Peer.objects.create(url="https://far.example.org", added_at=now, name="far.example.org")
    kept = RemoteLedger.objects.create(
        peer=peer, origin="far.example.org/ledgers/x", url="https://far.example.org/ledgers/x", verifier_key="k"
    )
    client.force_login(cell.users["ana"])
    assert client.delete("/api/federation/peers?url=https://far.example.org").status_code == 403
    back = client.get("/federation/peers/remove?url=https://far.example.org", follow=True)
    assert "Only this node&#x27;s operator can do this." in back.content.decode()
    assert client.post("/federation/peers/remove", {"url": "https://far.example.org"}).status_code == 303
    assert Peer.objects.filter(pk=peer.pk).exists()

    client.force_login(operator)
    listing = client.get("/federation/peers").content.decode()
    assert "/federation/peers/remove?url=https%3A//far.example.org" in listing
    confirm = client.get("/federation/peers/remove?url=https://far.example.org")
    assert confirm.status_code == 200
    assert "Stop following https://far.example.org?" in confirm.content.decode()
    assert Peer.objects.filter(pk=peer.pk).exists()  # asking is not removing
    done = client.post("/federation/peers/remove", {"url": "https://far.example.org"}, follow=True)
    assert "no longer follows https://far.example.org" in done.content.decode()
    assert not Peer.objects.exists()
    kept.refresh_from_db()
    assert kept.peer is None  # the verified copy and its pinned key stay

    missing = client.delete("/api/federation/peers?url=https://far.example.org")
    assert missing.status_code == 404
    assert missing.json()["code"] == "unknown_peer"
    assert client.get("/federation/peers/remove?url=https://nowhere.example.org", follow=True).status_code == 200


def test_the_operator_removes_a_peer_over_the_api(operator, client, now):
    Peer.objects.create(url="https://far.example.org", added_at=now)
    client.force_login(operator)
    assert client.delete("/api/federation/peers?url=https://far.example.org").status_code == 204
    assert not Peer.objects.exists()


def test_the_public_peers_list_says_what_is_wrong_in_plain_words(operator, client, now):
    earlier = now - timedelta(hours=2)
    for host, added, seen, error in (
        ("down", earlier, earlier, "https://down.example.org/ledgers: did not answer ([Errno 111] Connection refused)"),
        ("odd", earlier, now, "The peer's list of ledgers is not JSON."),
        ("new", now, None, "x: timed out"),
    ):
        Peer.objects.create(
            url=f"https://{host}.example.org", added_at=added, last_seen_at=seen, last_attempt_at=now, last_error=error
        )
    page = client.get("/federation/peers").content.decode()
    assert "unreachable since" in page
    assert "answered with something this node could not read" in page
    assert "has not answered yet" in page
    for raw in ("Errno", "Connection refused", "not JSON", "timed out"):
        assert raw not in page
    public = client.get("/api/federation/peers").json()
    assert {p["url"]: p["state"] for p in public["peers"]} == {
        "https://down.example.org": "unreachable",
        "https://odd.example.org": "unreadable",
        "https://new.example.org": "unreachable",
    }
    assert "Errno" not in str(public)
    assert "not JSON" not in str(public)
    as_json = client.get("/federation/peers", HTTP_ACCEPT="application/json").json()
    assert "Errno" not in str(as_json)

    client.force_login(operator)  # the operator reads the details
    assert "Connection refused" in client.get("/federation/peers").content.decode()
    details = client.get("/api/federation/peers").json()
    assert any("Connection refused" in p["detail"] for p in details["peers"])


def test_the_operator_adds_and_removes_peers_on_the_command_line(db, now):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="public addresses only"):
        call_command("add_peer", "http://localhost:8000")
    assert not Peer.objects.exists()
    Peer.objects.create(url="https://far.example.org", added_at=now)
    call_command("remove_peer", "https://far.example.org")
    assert not Peer.objects.exists()
    with pytest.raises(CommandError, match="follows no peer at that address"):
        call_command("remove_peer", "https://far.example.org")


@pytest.mark.django_db(transaction=True)
def test_operators_adding_peers_at_once_never_pass_the_cap(now):
    adders = 4
    start = threading.Barrier(adders)
    outcomes: list[str] = []

    def add(port: int) -> None:
        try:
            start.wait()
            # A closed loopback port: first contact fails at once, and the peer is kept as down.
            services.do_add_peer(f"http://127.0.0.1:{port}", now)
            outcomes.append("added")
        except Refused as refused:
            outcomes.append(refused.code)
        finally:
            connections.close_all()

    with override_settings(ALLOW_PRIVATE_PEERS=True, MAX_PEERS=1):
        threads = [threading.Thread(target=add, args=(9 + port,)) for port in range(adders)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert sorted(outcomes) == ["added"] + ["too_many_peers"] * (adders - 1)
    assert Peer.objects.count() == 1
