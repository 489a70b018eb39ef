"""A pull from a peer over the in-process transport: honest answers are verified and stored, spoiled ones refused.

The peer's files are what this same node code publishes under the peer's own address and
key, read through the real views; the ledger is then renamed out of the way, since the peer
is another node. They are served by a WSGI application in this process, reached through
``transport.InProcessTransport``, with the size limits and errors of the HTTP transport.
The same faults on real processes over loopback are in ``tests/federation/test_faults.py``.
"""

from __future__ import annotations

import pytest
from django.test import override_settings

from confederal.ledger import entry_bundles_for_size
from confederal.node.federation import services, transport
from confederal.node.federation.models import Peer, RemoteEntry, RemoteLedger
from confederal.node.ledgers.keys import node_signer
from confederal.node.ledgers.models import Ledger
from confederal.node.ledgers.services import Record, check_ledger_slug, do_append, do_create_ledger
from tests.support.federation import spoil
from tests.support.records import decision

PEER = "http://peer.test"
ENTRIES = 300


@pytest.fixture
def published(db, client, now, tmp_path):
    """Every file a pull reads from the peer, as its node served them: {path: (status, body, content type)}."""
    files = {}
    node_signer()  # this node's own key exists before the peer's ledger is written
    peer = {"PUBLIC_URL": PEER, "ORIGIN_BASE": "peer.test", "SIGNING_KEY_FILE": tmp_path / "peer.key"}
    with override_settings(**peer):
        ledger = do_create_ledger(check_ledger_slug("food-hub"), "Peer Food Hub", now)
        do_append(ledger, [Record(decision(i + 1, f"Decision {i}")) for i in range(ENTRIES)], now)
        paths = ["/ledgers", "/federation/observed", "/ledgers/food-hub/cosignatures?after=0"]
        listed = client.get("/ledgers", HTTP_ACCEPT="application/json").json()["ledgers"]
        size = int(listed[0]["checkpoint"].split("\n")[1])
        paths += [f"/ledgers/food-hub/{tile.path}" for tile in entry_bundles_for_size(size)]
        for path in paths:
            answer = client.get(path, HTTP_ACCEPT="application/json")
            files[path] = (answer.status_code, answer.content, answer["Content-Type"])
    Ledger.objects.filter(pk=ledger.pk).update(origin="elsewhere/ledgers/gone", slug="gone")
    return files


class StaticPeer:
    """A WSGI application serving the peer's files, spoiled as ``mode`` says (as the real-process HostilePeer)."""

    def __init__(self, files):
        self.files = files
        self.mode = "honest"

    def __call__(self, environ, start_response):
        path = environ["PATH_INFO"] + ("?" + environ["QUERY_STRING"] if environ["QUERY_STRING"] else "")
        status, body, kind = self.files.get(path, (404, b"not here\n", "text/plain"))
        body, extra = spoil(self.mode, path, body)
        start_response(f"{status} X", list({"Content-Type": kind, **extra}.items()))
        return [body]


def test_a_pull_in_process_refuses_spoiled_answers_then_takes_the_honest_ones(published, now):
    app = StaticPeer(published)
    peer = Peer.objects.create(url=PEER, added_at=now, wanted=True)
    with transport.use(transport.InProcessTransport({"peer.test": app})):
        for mode, says in (
            ("not-json", "not JSON"),
            ("corrupt", "entry bundle"),
            ("oversized", "larger than"),
            ("gzip-bomb", "inflates past"),
        ):
            app.mode = mode
            assert services.do_sync_peer(peer, now) == 0
            peer.refresh_from_db()
            assert says in peer.last_error, (mode, peer.last_error)
            assert not RemoteEntry.objects.exists(), mode
        app.mode = "honest"
        stored = services.do_sync_peer(peer, now)
    peer.refresh_from_db()
    assert peer.last_error == ""
    (followed,) = RemoteLedger.objects.all()
    assert followed.origin == "peer.test/ledgers/food-hub"
    assert stored == followed.size == RemoteEntry.objects.count() >= ENTRIES


def test_the_in_process_transport_answers_as_http_would(published):
    app = StaticPeer(published)
    with transport.use(transport.InProcessTransport({"peer.test": app})):
        assert transport.get(PEER + "/ledgers").status == 200
        with pytest.raises(transport.PeerUnreachable) as missing:
            transport.get(PEER + "/nothing")
        assert missing.value.status == 404
        with pytest.raises(transport.PeerUnreachable, match="did not answer"):
            transport.get("http://elsewhere.test/ledgers")
        with pytest.raises(transport.PeerUnreachable, match="only http and https"):
            transport.get("file:///etc/passwd")
