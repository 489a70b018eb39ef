"""Page response times (issue 3), on SQLite and PostgreSQL side by side; writes docs/benchmarks.md.

1,000 assemblies with 15 members and 1,000 decisions each (a million proposals
and fourteen million ballots). A real node (`confederal serve`) answers; this
process asks for random assembly pages and decision pages over HTTP, as a
visitor and as a signed-in member of the assembly, one request at a time.
Goal: p95 under 100 ms.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from _common import ROOT, free_port, latency_rows, load_pages_data, log, machine, on_both_databases, publish, table

CONFEDERAL = str(Path(sys.executable).parent / "confederal")
PG_ADMIN = os.environ.get("CONFEDERAL_BENCH_PG", "postgres://postgres@127.0.0.1:5432")
MARK_START, MARK_END = "<!-- bench:pages:start -->", "<!-- bench:pages:end -->"
GOAL_MS = 100


def env_for(data_dir: str, database_url: str | None, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CONFEDERAL_", "DJANGO_"))}
    env["CONFEDERAL_DATA_DIR"] = data_dir
    env["CONFEDERAL_PUBLIC_URL"] = f"http://127.0.0.1:{port}"
    env["CONFEDERAL_TICK_SECONDS"] = "3600"  # nothing closes during the measurement
    if database_url:
        env["CONFEDERAL_DATABASE_URL"] = database_url
    return env


def get(url: str, session: str | None) -> float:
    headers = {"Cookie": f"sessionid={session}"} if session else {}
    start = time.perf_counter()
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=30) as response:  # noqa: S310
        body = response.read()
        status = response.status
    elapsed = time.perf_counter() - start
    if status != 200 or b"<html" not in body:
        raise SystemExit(f"{url} answered {status}")
    return elapsed


def measure(backend: str, database_url: str | None, args: argparse.Namespace) -> dict[str, object]:
    data_dir = tempfile.mkdtemp(prefix=f"confederal-pages-{backend}-")
    port = free_port()
    env = env_for(data_dir, database_url, port)
    log(f"[{backend}] loading {args.assemblies:,} assemblies × {args.decisions:,} decisions")
    data = load_pages_data(env, args.assemblies, args.decisions)
    log(f"[{backend}] loaded in {data['seconds']:.0f} s; starting the node")
    server = subprocess.Popen(
        [CONFEDERAL, "serve", "--port", str(port), "--threads", "4"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                get(base + "/", None)
                break
            except (OSError, SystemExit):
                time.sleep(0.2)
        rng = random.Random(20261122)
        samples: dict[tuple[str, str], list[float]] = {}

        def page(kind: str, who: str, url: str, session: str | None) -> None:
            samples.setdefault((kind, who), []).append(get(url, session))

        for _ in range(20):  # warm the server's code paths and caches, not measured
            get(f"{base}/assemblies/assembly-{rng.randrange(args.assemblies)}/", None)
        log(f"[{backend}] timing {args.requests} requests of each kind")
        sessions = data["sessions"]
        for i in range(args.requests):
            slug = f"assembly-{rng.randrange(args.assemblies)}"
            number = rng.randrange(1, args.decisions + 1)
            page("assembly page", "visitor", f"{base}/assemblies/{slug}/", None)
            page("decision page", "visitor", f"{base}/assemblies/{slug}/proposals/{number}/", None)
            mine = sessions[i % len(sessions)]
            page("assembly page", "member", f"{base}/assemblies/{mine['assembly']}/", mine["session"])
            page(
                "decision page", "member", f"{base}/assemblies/{mine['assembly']}/proposals/{number}/", mine["session"]
            )
    finally:
        server.send_signal(signal.SIGTERM)  # as a service manager would; SIGINT is ignored in background jobs
        server.wait(30)
    size = sum(p.stat().st_size for p in Path(data_dir).glob("confederal.sqlite3*")) if not database_url else None
    return {"data": data, "samples": samples, "sqlite_bytes": size}


def report(facts: dict[str, str], results: dict[str, dict[str, object]], args: argparse.Namespace) -> str:
    rows, worst = latency_rows(results)
    data = next(iter(results.values()))["data"]
    verdict = "met" if worst < GOAL_MS else "NOT met"
    headline = f"{verdict} (worst p95 {worst:.1f} ms)"
    loads = ", ".join(f"{b} {r['data']['seconds']:.0f} s" for b, r in results.items())  # type: ignore[index]
    return f"""{MARK_START}
## Pages (issue 3)

Measured {facts["date"]} on {facts["cpu"]}, {facts["memory"]}; Python {facts["python"]}, SQLite {facts["sqlite"]},
PostgreSQL {facts["postgresql"]}; load average at start {facts["load"]}. One run of `bench/run pages`.

### Page response times with {data["assemblies"]:,} assemblies — goal p95 < {GOAL_MS} ms: **{headline}**

Each database holds {data["assemblies"]:,} assemblies, {data["members"]:,} members, {data["proposals"]:,} proposals
(the last ten of each assembly open, the rest closed with their tally) and {data["ballots"]:,} ballots; 20 meetings
and three role holders per assembly. A real node (`confederal serve`, waitress, 4 threads) answers over loopback
HTTP; requests go one at a time to random assemblies and random decisions, as a visitor and as a signed-in member
of the assembly (whose page shows their votes and pending join requests). Times are the whole request as the client
sees it.

{table(["database", "page", "who", "requests", "p50", "p95", "max"], rows)}

Assemblies were founded through the services (charter, ledger, first checkpoint); members, terms, proposals and
ballots were loaded with SQL ({loads}), and the decisions' own ledger entries were not written, since no page
measured here reads them.
{MARK_END}"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--assemblies", type=int, default=1000)
    parser.add_argument("--decisions", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md")
    args = parser.parse_args()
    facts = machine()
    results = on_both_databases("confederal_pages", lambda backend, url: measure(backend, url, args), PG_ADMIN)
    section = report(facts, results, args)
    publish("pages", section, args.out)


if __name__ == "__main__":
    main()
