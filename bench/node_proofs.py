"""Build a ledger of N entries in a node database, then time inclusion-proof serving from it.

Run by bench/ledger.py in its own process (so it gets its own Django settings); prints JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time

parser = argparse.ArgumentParser()
parser.add_argument("--size", type=int, default=1_000_000)
parser.add_argument("--samples", type=int, default=2000)
parser.add_argument("--http-samples", type=int, default=500)
args = parser.parse_args()

os.environ.setdefault("CONFEDERAL_DATA_DIR", tempfile.mkdtemp(prefix="confederal-bench-"))
os.environ["DJANGO_SETTINGS_MODULE"] = "confederal.node.settings"
import django  # noqa: E402

django.setup()
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from confederal.ledger import leaf_hash, verify_inclusion  # noqa: E402
from confederal.node.ledgers import selectors  # noqa: E402
from confederal.node.ledgers.services import Record, check_ledger_slug, do_append, do_create_ledger  # noqa: E402
from confederal.records import Amount, FinanceNote  # noqa: E402

call_command("migrate", verbosity=0)
ledger = do_create_ledger(check_ledger_slug("bench"), "Benchmark", timezone.now())
now = timezone.now()
start = time.perf_counter()
batch = 1000
for first in range(0, args.size, batch):
    records = [
        Record(FinanceNote(f"Kitchen rent {i}", "out", Amount(32000 + i, "EUR")))
        for i in range(first, min(first + batch, args.size))
    ]
    do_append(ledger, records, now)
    if first % 100_000 == 0:
        print(f"  built {first:,}", file=sys.stderr, flush=True)
build_seconds = time.perf_counter() - start
ledger.refresh_from_db()
size = ledger.size
root = selectors.ledger_root(ledger, size)

rng = random.Random(20261122)
indices = [rng.randrange(size) for _ in range(args.samples)]
latencies = []
for index in indices:
    t = time.perf_counter()
    proof = selectors.ledger_inclusion_proof(ledger, index, size)
    latencies.append(time.perf_counter() - t)
    leaf = leaf_hash(selectors.entry_bytes(ledger, index) or b"")
    verify_inclusion(leaf, index, size, proof, root)  # every served proof is checked, outside the timing

client = Client()
http = []
for index in indices[: args.http_samples]:
    t = time.perf_counter()
    response = client.get(f"/api/ledgers/bench/proofs/inclusion?index={index}")
    http.append(time.perf_counter() - t)
    assert response.status_code == 200

print(
    json.dumps(
        {
            "size": size,
            "build_seconds": build_seconds,
            "proof_seconds": latencies,
            "http_seconds": http,
            "database_bytes": os.path.getsize(os.path.join(os.environ["CONFEDERAL_DATA_DIR"], "confederal.sqlite3")),
        }
    )
)
