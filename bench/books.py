"""The books page with 100,000 transactions (issue 13), SQLite and PostgreSQL side by side; writes docs/benchmarks.md.

One assembly keeps three years of books: 100,000 transactions on five budget lines (bench/books_data.py). A real
node (`confederal serve`) answers; this process asks, one request at a time, for the books page as a visitor, as a
member and as the treasurer (whose page carries the forms), and for its filtered views: a text search, one budget
line, and a page deep in the list. Goal: p95 under 100 ms.
"""

from __future__ import annotations

import argparse
import random
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from _common import ROOT, free_port, latency_rows, load_data, log, machine, on_both_databases, publish, table
from pages import CONFEDERAL, PG_ADMIN, env_for, get

MARK_START, MARK_END = "<!-- bench:books:start -->", "<!-- bench:books:end -->"
GOAL_MS = 100


def measure(backend: str, database_url: str | None, args: argparse.Namespace) -> dict[str, object]:
    data_dir = tempfile.mkdtemp(prefix=f"confederal-books-{backend}-")
    port = free_port()
    env = env_for(data_dir, database_url, port)
    log(f"[{backend}] loading {args.transactions:,} transactions")
    data = load_data(env, "books_data.py", "--transactions", str(args.transactions))
    log(f"[{backend}] loaded in {data['seconds']:.0f} s; starting the node")
    server = subprocess.Popen(
        [CONFEDERAL, "serve", "--port", str(port), "--threads", "4"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}/assemblies/{data['assembly']}/books/"
    rng = random.Random(20261207)
    words = list(data["words"])  # type: ignore[call-overload]
    who = {"visitor": None, "member": str(data["member"]), "treasurer": str(data["treasurer"])}
    views = {
        "books page": lambda: "",
        "search": lambda: f"?q={rng.choice(words)}+{rng.choice(words)}",
        "one budget line": lambda: f"?line={rng.choice(['Rent', 'Food', 'Transport', 'Supplies'])}",
        "page 40 of the list": lambda: "?page=40",
    }
    samples: dict[tuple[str, str], list[float]] = {}
    try:
        for _ in range(100):
            try:
                get(base, None)
                break
            except (OSError, SystemExit):
                time.sleep(0.2)
        for _ in range(20):  # warm code paths and caches, not measured
            get(base, who["member"])
        log(f"[{backend}] timing {args.requests} requests of each kind")
        for _ in range(args.requests):
            for view, query in views.items():
                for person, session in who.items():
                    if view != "books page" and person == "treasurer":
                        continue
                    samples.setdefault((view, person), []).append(get(base + query(), session))
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(30)
    return {"data": data, "samples": samples}


def report(facts: dict[str, str], results: dict[str, dict[str, object]]) -> str:
    rows, worst = latency_rows(results)
    data = next(iter(results.values()))["data"]
    verdict = "met" if worst < GOAL_MS else "NOT met"
    loads = ", ".join(f"{b} {r['data']['seconds']:.0f} s" for b, r in results.items())  # type: ignore[index]
    return f"""{MARK_START}
## Books page (issue 13)

Measured {facts["date"]} on {facts["cpu"]}, {facts["memory"]}; Python {facts["python"]}, SQLite {facts["sqlite"]},
PostgreSQL {facts["postgresql"]}; load average at start {facts["load"]}. One run of `bench/run books`.

### The books page, {data["transactions"]:,} transactions — p95 < {GOAL_MS} ms: **{verdict}** (worst {worst:.1f} ms)

One assembly, three years of books on five budget lines. A real node (`confederal serve`, waitress, 4 threads)
answers over loopback HTTP, one request at a time: the books page (balances, budget vs actual, spends waiting, the
newest 50 transactions; the treasurer's also carries the forms), a text search, one budget line, and the 40th page
of the list. Times are the whole request as the client sees it.

{table(["database", "view", "who", "requests", "p50", "p95", "max"], rows)}

The assembly, its budget (adopted by decision) and the first payment on each line went through the services; the
other transactions were loaded with SQL as the services leave them ({loads}), without their ledger entries, which
the page does not read.
{MARK_END}"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--transactions", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md")
    args = parser.parse_args()
    facts = machine()
    results = on_both_databases("confederal_books", lambda backend, url: measure(backend, url, args), PG_ADMIN)
    publish("books", report(facts, results), args.out)


if __name__ == "__main__":
    main()
