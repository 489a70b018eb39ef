"""The ledger over HTTP: tlog-tiles for programs, pages for people, JSON for both."""

import base64
import gzip

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from confederal.ledger import (
    FetchError,
    TileRef,
    Verifier,
    audit_ledger,
    decode_bundle,
    leaf_hashes,
    open_checkpoint,
    verify_consistency,
    verify_inclusion,
)
from confederal.node.ledgers import models
from confederal.node.ledgers.services import Record, do_append
from tests.support.records import decision, metric

PREFIX = "/ledgers/food-hub/"


@pytest.fixture
def filled(ledger, now):
    do_append(ledger, [Record(decision(i + 1, f"Decision {i}")) for i in range(300)], now)
    return ledger


def _reader(client):
    def read(path):
        response = client.get(PREFIX + path)
        if response.status_code != 200:
            raise FetchError(path, str(response.status_code), missing=response.status_code == 404)
        return response.content

    return read


def _b64(text):
    return base64.b64decode(text)


def test_a_tlog_client_can_read_and_check_the_whole_ledger(client, filled):
    key = Verifier.from_vkey(filled.verifier_key)
    report = audit_ledger(_reader(client), key)
    assert report.checkpoint.size == 300


def test_the_checkpoint_is_a_signed_note_that_must_not_be_cached_long(client, filled):
    response = client.get(PREFIX + "checkpoint")
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Cache-Control"] == "no-cache"
    assert response["Access-Control-Allow-Origin"] == "*"
    opened = open_checkpoint(response.content, Verifier.from_vkey(filled.verifier_key))
    assert opened.checkpoint.size == 300


def test_tiles_are_immutable_and_sized_by_the_spec(client, filled):
    full = client.get(PREFIX + "tile/0/000")
    assert len(full.content) == 256 * 32
    assert full["Cache-Control"] == "public, max-age=31536000, immutable"
    partial = client.get(PREFIX + "tile/0/001.p/44")
    assert len(partial.content) == 44 * 32
    assert partial["Cache-Control"] == "public, max-age=60"  # longer ones replace it as the ledger grows
    level1 = client.get(PREFIX + "tile/1/000.p/1")
    assert len(level1.content) == 32
    bundle = client.get(PREFIX + "tile/entries/001.p/44")
    assert len(decode_bundle(bundle.content)) == 44
    assert leaf_hashes(decode_bundle(bundle.content)) == [
        partial.content[i : i + 32] for i in range(0, len(partial.content), 32)
    ]


def test_a_full_tile_is_read_once_per_process_and_a_missing_one_is_not_remembered(client, filled, now):
    first = client.get(PREFIX + "tile/0/000")
    with CaptureQueriesContext(connection) as queries:
        again = client.get(PREFIX + "tile/0/000")
    assert again.content == first.content
    assert len(queries) == 0
    assert client.get(PREFIX + "tile/0/001").status_code == 404
    do_append(filled, [Record(decision(300 + i, f"Decision {300 + i}")) for i in range(212)], now)
    second = client.get(PREFIX + "tile/0/001")
    assert second.status_code == 200
    assert len(second.content) == 256 * 32


def test_entry_bundles_are_gzipped_for_clients_that_ask(client, filled):
    plain = client.get(PREFIX + "tile/entries/000").content
    zipped = client.get(PREFIX + "tile/entries/000", HTTP_ACCEPT_ENCODING="gzip")
    assert zipped["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.content) == plain
    assert client.get(PREFIX + "tile/entries/000").content == plain  # the kept copies do not mix


@pytest.mark.parametrize(
    "path",
    [
        "tile/0/1",
        "tile/0/x000/001",
        "tile/0/000.p/256",
        "tile/64/000",
        "tile/data/000",
        "tile/0/000.p/07",
        "tile/0/../000",
    ],
)
def test_a_bad_tile_path_gets_a_clear_400_and_changes_nothing(client, filled, path):
    before = models.LedgerEntry.objects.count(), models.Checkpoint.objects.count()
    response = client.get(PREFIX + path)
    assert response.status_code == 400
    assert b"not a tile path" in response.content or b"canonical" in response.content or b"between" in response.content
    assert (models.LedgerEntry.objects.count(), models.Checkpoint.objects.count()) == before


@pytest.mark.parametrize("path", ["tile/0/001.p/45", "tile/0/002", "tile/1/000", "tile/2/000.p/1", "tile/entries/001"])
def test_a_tile_the_ledger_does_not_have_yet_is_404(client, filled, path):
    response = client.get(PREFIX + path)
    assert response.status_code == 404
    assert b"it holds 300 entries" in response.content


def test_writing_to_tlog_endpoints_is_refused(client, filled):
    assert client.post(PREFIX + "checkpoint", data=b"x", content_type="text/plain").status_code == 405
    assert client.put(PREFIX + "tile/0/000").status_code == 405


def test_the_ledgers_list_is_a_page_or_json_by_accept_header(client, filled):
    page = client.get("/ledgers")
    assert page["Content-Type"].startswith("text/html")
    assert filled.verifier_key.encode() in page.content
    data = client.get("/ledgers", HTTP_ACCEPT="application/json").json()["ledgers"]
    assert [(d["origin"], d["verifier_key"], d["size"]) for d in data] == [(filled.origin, filled.verifier_key, 300)]
    assert data[0]["url"] == "http://127.0.0.1:8000/ledgers/food-hub"
    assert "Accept" in [v.strip() for v in page["Vary"].split(",")]


def test_the_ledger_page_shows_recent_entries_the_checkpoint_and_how_to_verify(client, filled):
    page = client.get(PREFIX).content.decode()
    assert "Decision 299" in page
    assert "Decision 249" not in page  # older entries are on the next page
    assert "confederal verify http://127.0.0.1:8000/ledgers/food-hub" in page
    assert filled.verifier_key in page
    older = client.get(PREFIX + "?before=250").content.decode()
    assert "Decision 249" in older
    assert "Decision 250" not in older
    assert client.get(PREFIX + "?before=abc").status_code == 400
    assert client.get(PREFIX + "?before=%C2%B2").status_code == 400  # '²' is a digit to str.isdigit()
    assert client.get(PREFIX + "?before=" + "9" * 19).status_code == 400


def test_the_entry_page_carries_a_proof_that_checks_out(client, filled):
    import html
    import re

    page = html.unescape(client.get(PREFIX + "entries/77").content.decode())
    assert "Decision 77" in page
    leaf = re.search(r"Leaf hash</dt><dd><code[^>]*>([A-Za-z0-9+/=]{44})</code>", page).group(1)
    block = page.split("Proof that this entry is in the ledger")[1].split("<pre")[1].split(">", 1)[1].split("</pre>")[0]
    proof = [_b64(line) for line in block.split()]
    root = open_checkpoint(
        client.get(PREFIX + "checkpoint").content, Verifier.from_vkey(filled.verifier_key)
    ).checkpoint.root
    verify_inclusion(_b64(leaf), 77, 300, proof, root)


def test_an_unknown_ledger_or_entry_is_404(client, filled):
    missing = client.get("/ledgers/nope/")
    assert missing.status_code == 404
    assert b"There is nothing at this address on this node." in missing.content
    assert client.get("/ledgers/nope/checkpoint").status_code == 404
    assert client.get(PREFIX + "entries/300").status_code == 404


def test_api_inclusion_proofs_verify_against_the_signed_root(client, filled):
    key = Verifier.from_vkey(filled.verifier_key)
    checkpoint = open_checkpoint(client.get(PREFIX + "checkpoint").content, key).checkpoint
    for index in (0, 1, 137, 255, 256, 299):
        proof = client.get(f"/api/ledgers/food-hub/proofs/inclusion?index={index}").json()
        assert _b64(proof["root"]) == checkpoint.root
        entry = client.get(f"/api/ledgers/food-hub/entries/{index}").json()
        assert entry["leaf_hash"] == proof["leaf_hash"]
        verify_inclusion(_b64(proof["leaf_hash"]), index, 300, [_b64(h) for h in proof["proof"]], checkpoint.root)


def test_api_consistency_proofs_connect_older_roots_to_the_signed_root(client, filled):
    for old in (0, 1, 5, 256, 299, 300):
        proof = client.get(f"/api/ledgers/food-hub/proofs/consistency?old={old}").json()
        verify_consistency(
            old, 300, _b64(proof["old_root"]), _b64(proof["new_root"]), [_b64(h) for h in proof["proof"]]
        )


@pytest.mark.parametrize(
    "url",
    [
        "/api/ledgers/food-hub/proofs/inclusion?index=300",
        "/api/ledgers/food-hub/proofs/inclusion?index=0&size=301",
        "/api/ledgers/food-hub/proofs/consistency?old=301",
        "/api/ledgers/food-hub/proofs/consistency?old=5&new=4",
    ],
)
def test_api_refuses_impossible_questions_with_a_400_and_a_reason(client, filled, url):
    response = client.get(url)
    assert response.status_code == 400
    assert response.json()["detail"]


def test_api_type_errors_are_422_and_unknown_ledgers_404(client, filled):
    assert client.get("/api/ledgers/food-hub/proofs/inclusion?index=x").status_code == 422
    assert client.get("/api/ledgers/food-hub/entries?limit=0").status_code == 422  # out of the schema's range
    assert client.get("/api/ledgers/nope").status_code == 404


@pytest.mark.slow
def test_the_openapi_schema_is_valid_and_describes_every_api_route(client, filled):
    from openapi_spec_validator import validate

    schema = client.get("/api/openapi.json").json()
    validate(schema)  # raises on any violation of the OpenAPI specification
    assert set(schema["paths"]) == {
        "/api/accounts",
        "/api/accounts/mail",
        "/api/accounts/password",
        "/api/assemblies",
        "/api/assemblies/{slug}",
        "/api/assemblies/{slug}/amendments",
        "/api/assemblies/{slug}/away",
        "/api/assemblies/{slug}/books",
        "/api/assemblies/{slug}/books/budgets",
        "/api/assemblies/{slug}/books/spends",
        "/api/assemblies/{slug}/books/spends/{number}/approve",
        "/api/assemblies/{slug}/books/spends/{number}/decline",
        "/api/assemblies/{slug}/books/spends/{number}/pay",
        "/api/assemblies/{slug}/books/transactions",
        "/api/assemblies/{slug}/books/transactions/{number}/reverse",
        "/api/assemblies/{slug}/chores/rotation",
        "/api/assemblies/{slug}/draws/{term_id}",
        "/api/assemblies/{slug}/lotteries/{number}",
        "/api/assemblies/{slug}/lotteries/{number}/randomness",
        "/api/assemblies/{slug}/roles/{role}/lottery",
        "/api/assemblies/{slug}/invitations",
        "/api/assemblies/{slug}/invitations/{invitation_id}",
        "/api/assemblies/{slug}/join-requests",
        "/api/assemblies/{slug}/join-requests/{request_id}",
        "/api/assemblies/{slug}/leave",
        "/api/assemblies/{slug}/meetings",
        "/api/assemblies/{slug}/meetings/{number}",
        "/api/assemblies/{slug}/meetings/{number}/attendance",
        "/api/assemblies/{slug}/meetings/{number}/decisions",
        "/api/assemblies/{slug}/meetings/{number}/minutes",
        "/api/assemblies/{slug}/meetings/{number}/notes",
        "/api/assemblies/{slug}/proposals",
        "/api/assemblies/{slug}/proposals/{number}",
        "/api/assemblies/{slug}/proposals/{number}/ballot",
        "/api/assemblies/{slug}/proposals/{number}/comments",
        "/api/assemblies/{slug}/proposals/{number}/keep",
        "/api/assemblies/{slug}/proposals/{number}/versions",
        "/api/assemblies/{slug}/proposals/{number}/withdraw",
        "/api/assemblies/{slug}/roles",
        "/api/assemblies/{slug}/roles/{role}/election",
        "/api/assemblies/{slug}/roles/{role}/rotation",
        "/api/assemblies/{slug}/split-suggestion",
        "/api/assemblies/{slug}/splits",
        "/api/federation/peers",
        "/api/inbox",
        "/api/inbox/read",
        "/api/federations",
        "/api/federations/{federation_id}",
        "/api/federations/{federation_id}/councils/{council_id}",
        "/api/federations/{federation_id}/councils/{council_id}/motions",
        "/api/federations/{federation_id}/councils/{council_id}/votes",
        "/api/federations/{federation_id}/fund",
        "/api/federations/{federation_id}/fund/asks",
        "/api/federations/{federation_id}/fund/dues",
        "/api/federations/{federation_id}/fund/payments",
        "/api/federations/{federation_id}/fund/votes",
        "/api/assemblies/{slug}/federation-proposals",
        "/api/invitations/{token}/accept",
        "/api/ledgers",
        "/api/ledgers/{slug}",
        "/api/ledgers/{slug}/entries",
        "/api/ledgers/{slug}/entries/{seq}",
        "/api/ledgers/{slug}/proofs/consistency",
        "/api/ledgers/{slug}/proofs/inclusion",
        "/api/tokens",
        "/api/tokens/{token_id}",
    }


def test_hash_tiles_above_level_zero_hold_roots_of_full_tiles_below(client, ledger, now):
    do_append(ledger, [Record(metric(i, "n")) for i in range(513)], now)
    from confederal.ledger import root_from_leaf_hashes

    tile0 = client.get(PREFIX + "tile/0/000").content
    tile0b = client.get(PREFIX + "tile/0/001").content
    level1 = client.get(PREFIX + TileRef(1, 0, 2).path).content
    split = [tile0[i : i + 32] for i in range(0, 8192, 32)], [tile0b[i : i + 32] for i in range(0, 8192, 32)]
    assert level1 == root_from_leaf_hashes(split[0]) + root_from_leaf_hashes(split[1])
