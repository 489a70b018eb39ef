"""Go's reference transparency-log code reads a ledger written by a Confederal node.

golang.org/x/mod/sumdb/note and sumdb/tlog (Debian: golang-go, golang-golang-x-mod-dev)
verify the checkpoint signature, the tree hash, every tile byte for byte, every
entry, and sampled inclusion and consistency proofs - both the proofs Go builds
from our tiles and the proofs our API serves.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.support.nodes import run

pytestmark = pytest.mark.interop

GO_SOURCE = Path(__file__).parent / "go" / "ledgercheck"
GOPATH = "/usr/share/gocode"
ENTRIES = 70_000  # the size of the tlog-tiles spec's example: full, partial and level-2 tiles

GROW = """
import os
os.environ["DJANGO_SETTINGS_MODULE"] = "confederal.node.settings"
import django
django.setup()
from django.utils import timezone
from confederal.node.ledgers.models import Ledger
from confederal.node.ledgers.services import Record, do_append
from confederal.records import MetricNote
ledger = Ledger.objects.get(slug="food-hub")
while ledger.size < {target}:
    count = min(2000, {target} - ledger.size)
    records = [Record(MetricNote("meals_served", ledger.size + i, "meals")) for i in range(count)]
    do_append(ledger, records, timezone.now())
    ledger.refresh_from_db()
"""


def _ledger_info(node):
    request = urllib.request.Request(node.ledger_url + "/", headers={"Accept": "application/json"})
    with urllib.request.urlopen(request) as response:
        return json.load(response)


def _check(node, ledgercheck, timeout=600):
    info = _ledger_info(node)
    api = f"{node.url}/api/ledgers/food-hub"
    result = run(
        [str(ledgercheck), "-prefix", node.ledger_url, "-vkey", info["verifier_key"], "-api", api], timeout=timeout
    )
    assert result.returncode == 0, result.stderr
    return info, json.loads(result.stdout)


@pytest.fixture(scope="module")
def ledgercheck(tmp_path_factory):
    go = shutil.which("go")
    assert go, "Go is missing: scripts/bootstrap installs Debian's golang-go and golang-golang-x-mod-dev"
    assert (Path(GOPATH) / "src/golang.org/x/mod/sumdb/tlog").is_dir(), "golang-golang-x-mod-dev is not installed"
    out = tmp_path_factory.mktemp("go") / "ledgercheck"
    env = {**os.environ, "GO111MODULE": "off", "GOPATH": GOPATH, "GOFLAGS": ""}
    build = subprocess.run(
        [go, "build", "-o", str(out), "."], cwd=GO_SOURCE, env=env, capture_output=True, text=True, check=False
    )
    assert build.returncode == 0, build.stderr
    return out


# The tiles' format at scale is the core's arithmetic over stored hashes, the same on either database; the
# PostgreSQL pass still runs the tampered-ledger check below, which reads every tile that backend serves.
@pytest.mark.one_backend
def test_go_sumdb_verifies_a_ledger_of_70000_entries_written_by_the_node(node, ledgercheck):
    grow = run([sys.executable, "-c", GROW.format(target=ENTRIES)], env=node.env, timeout=600)
    assert grow.returncode == 0, grow.stderr
    info, report = _check(node, ledgercheck)
    assert report["size"] == ENTRIES
    assert report["origin"] == info["origin"]
    assert report["note_verified"]
    assert report["foreign_key_rejected"]
    assert report["tree_hash_matches"]
    assert report["records_checked"] == report["records_matching"] == ENTRIES
    assert report["tiles_checked"] > 273 + 112 + 1 + 17  # every full tile, every partial width
    assert report["tiles_identical"] == report["tiles_checked"]
    tried = report["proofs_tried"]
    assert tried >= 100
    assert report["go_inclusion_ok"] == report["api_inclusion_ok"] == tried
    assert report["go_consistency_ok"] == report["api_consistency_ok"] == tried
    assert report["tampered_rejected"]


def test_go_refuses_a_ledger_whose_entry_was_altered(node, ledgercheck):
    from tests.support import tamper

    tamper.edit_entry(node.db, tamper.find_entry(node.db, tamper.RENT), tamper.RENT, b'"minor":92000')
    _, report = _check(node, ledgercheck, timeout=120)
    assert report["records_matching"] == report["records_checked"] - 1
    assert report["tiles_identical"] < report["tiles_checked"]
    assert not report["tree_hash_matches"]
