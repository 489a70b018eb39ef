"""Durable signed appends per second through the node's services, on one database backend.

Each append commits its entries (SQLite WAL with synchronous=FULL, or PostgreSQL with
synchronous_commit=on), then signs a checkpoint covering them. Run by bench/ledger.py in
its own process; prints JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time

parser = argparse.ArgumentParser()
parser.add_argument("--single", type=int, default=1000, help="appends of one entry each")
parser.add_argument("--batched", type=int, default=50_000, help="entries per batched run")
args = parser.parse_args()

os.environ.setdefault("CONFEDERAL_DATA_DIR", tempfile.mkdtemp(prefix="confederal-bench-"))
os.environ["DJANGO_SETTINGS_MODULE"] = "confederal.node.settings"
import django  # noqa: E402

django.setup()
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from confederal.node.ledgers.services import Record, do_append, do_create_ledger  # noqa: E402
from confederal.records import Amount, FinanceNote  # noqa: E402

call_command("migrate", verbosity=0)


def record(i: int):
    return Record(FinanceNote(f"Payment {i} for the community kitchen", "out", Amount(32000 + i, "EUR"), "rent"))


results = {"backend": connection.vendor}
for label, batch, total in [
    ("one by one", 1, args.single),
    ("100 per append", 100, args.batched // 5),
    ("1000 per append", 1000, args.batched),
]:
    ledger = do_create_ledger(f"bench-{batch}-{time.time_ns()}", "Benchmark", timezone.now())
    prepared = [[record(i) for i in range(first, first + batch)] for first in range(0, total, batch)]
    start = time.perf_counter()
    for records in prepared:
        do_append(ledger, records, timezone.now())
    seconds = time.perf_counter() - start
    results[label] = {"entries": total, "appends": len(prepared), "seconds": seconds}
print(json.dumps(results))
