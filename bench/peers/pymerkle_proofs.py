"""The peer: pymerkle (GPL-3.0-or-later), run only in the benchmark's own environment.

Builds pymerkle trees of N entries (SQLite-backed and in memory) and times
prove_inclusion. Imports nothing from Confederal; prints JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time

from pymerkle import InmemoryTree, SqliteTree

parser = argparse.ArgumentParser()
parser.add_argument("--size", type=int, default=1_000_000)
parser.add_argument("--sqlite-samples", type=int, default=60)
parser.add_argument("--memory-samples", type=int, default=2000)
args = parser.parse_args()


def entries(n):
    for i in range(n):
        yield (
            b'{"body":{"amount":{"currency":"EUR","minor":%d},"n":%d},"kind":"finance.txn"}' % (32000 + i, i)
            + b"x" * 160
        )


rng = random.Random(20261122)
out = {"size": args.size}

dbfile = os.path.join(tempfile.mkdtemp(prefix="pymerkle-bench-"), "tree.db")
tree = SqliteTree(dbfile)
start = time.perf_counter()
tree.append_entries(list(entries(args.size)))
out["sqlite_build_seconds"] = time.perf_counter() - start
print("  pymerkle SqliteTree built", file=sys.stderr, flush=True)
tree.get_state()  # its root is computed and cached on first use; not counted against proofs
latencies = []
for _ in range(args.sqlite_samples):
    index = rng.randrange(1, args.size + 1)  # pymerkle counts leaves from one
    t = time.perf_counter()
    tree.prove_inclusion(index, args.size)
    latencies.append(time.perf_counter() - t)
out["sqlite_proof_seconds"] = latencies

memory = InmemoryTree()
start = time.perf_counter()
for data in entries(args.size):
    memory.append_entry(data)
out["memory_build_seconds"] = time.perf_counter() - start
print("  pymerkle InmemoryTree built", file=sys.stderr, flush=True)
memory.get_state()
latencies = []
for _ in range(args.memory_samples):
    index = rng.randrange(1, args.size + 1)
    t = time.perf_counter()
    memory.prove_inclusion(index, args.size)
    latencies.append(time.perf_counter() - t)
out["memory_proof_seconds"] = latencies
print(json.dumps(out))
