"""The inbox and the digests (issue 14), SQLite and PostgreSQL side by side; writes docs/benchmarks.md.

A node holds 20 assemblies of 15 members with 1,000 decisions each (bench/pages_data.py); one busy person belongs to
all 20 and has 100 notices, and 10,000 people each belong to one and take a daily digest (bench/inbox_data.py). A
real node (`confederal serve`) answers the busy person's inbox, one request at a time (goal: p95 under 100 ms); then
a separate process queues the 10,000 digests (bench/inbox_digests.py), timed, with its peak memory.
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from _common import (
    ROOT,
    free_port,
    latency_rows,
    load_data,
    load_pages_data,
    log,
    machine,
    on_both_databases,
    publish,
    table,
)
from pages import CONFEDERAL, PG_ADMIN, env_for, get

MARK_START, MARK_END = "<!-- bench:inbox:start -->", "<!-- bench:inbox:end -->"
GOAL_MS = 100


def measure(backend: str, database_url: str | None, args: argparse.Namespace) -> dict[str, object]:
    data_dir = tempfile.mkdtemp(prefix=f"confederal-inbox-{backend}-")
    port = free_port()
    env = env_for(data_dir, database_url, port)
    log(f"[{backend}] loading {args.assemblies} assemblies of {args.decisions:,} decisions and {args.people:,} people")
    pages = load_pages_data(env, args.assemblies, args.decisions, "--sessions", "1")
    data = load_data(env, "inbox_data.py", "--people", str(args.people))
    log(f"[{backend}] loaded in {float(pages['seconds']) + float(data['seconds']):.0f} s; starting the node")  # type: ignore[arg-type]
    server = subprocess.Popen(
        [CONFEDERAL, "serve", "--port", str(port), "--threads", "4"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/inbox/"
    session = str(data["session"])
    samples: dict[tuple[str, str], list[float]] = {}
    try:
        for _ in range(100):
            try:
                get(url, session)
                break
            except (OSError, SystemExit):
                time.sleep(0.2)
        for _ in range(10):  # warm code paths and caches, not measured
            get(url, session)
        log(f"[{backend}] timing {args.requests} inbox requests")
        samples[("inbox", "in 20 assemblies")] = [get(url, session) for _ in range(args.requests)]
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(30)
    log(f"[{backend}] queueing {args.people:,} digests")
    # Digests are queued only by a node that has a mail server; nothing is sent here, so none need listen.
    digests = load_data({**env, "CONFEDERAL_EMAIL_URL": "smtp://127.0.0.1:9"}, "inbox_digests.py")
    log(f"[{backend}] {digests['queued']} digests in {digests['seconds']:.0f} s")
    return {"data": {**pages, **data}, "samples": samples, "digests": digests}


def report(facts: dict[str, str], results: dict[str, dict[str, object]], args: argparse.Namespace) -> str:
    rows, worst = latency_rows(results)
    for row in rows:
        row.insert(6, f"{float(str(row[5]).strip('*').split()[0]) / GOAL_MS:.2f}")
    verdict = "met" if worst < GOAL_MS else "NOT met"
    digest_rows = [
        [
            backend,
            f"{r['digests']['queued']:,}",  # type: ignore[index]
            f"{r['digests']['seconds']:.1f} s",  # type: ignore[index]
            f"{r['digests']['queued'] / r['digests']['seconds']:,.0f}/s",  # type: ignore[index, operator]
            f"{r['digests']['rss_before_mib']:.0f} MiB",  # type: ignore[index]
            f"**{r['digests']['rss_peak_mib']:.0f} MiB**",  # type: ignore[index]
            f"{r['digests']['mail_kib']:.1f} KiB",  # type: ignore[index]
        ]
        for backend, r in results.items()
    ]
    return f"""{MARK_START}
## Inbox and digests (issue 14)

Measured {facts["date"]} on {facts["cpu"]}, {facts["memory"]}; Python {facts["python"]}, SQLite {facts["sqlite"]},
PostgreSQL {facts["postgresql"]}; load average at start {facts["load"]}. One run of `bench/run inbox`.

### A person in {args.assemblies} assemblies of {args.decisions:,} decisions — p95 < {GOAL_MS} ms: **{verdict}** \
(worst {worst:.1f} ms)

One person belongs to all {args.assemblies} assemblies: ten decisions of each are open and wait for their vote, a
third of the closed ones are due for review (the inbox shows the five oldest of each assembly), they hold no role, and
100 notices (replies, mentions) are theirs. A real node (`confederal serve`, waitress, 4 threads) answers over
loopback HTTP, one request at a time, the first page of the inbox (50 items, newest first; the header's count comes
from the same computation, kept 30 s); times are the whole request as the client sees it.
"× goal" is p95 ÷ {GOAL_MS} ms.

{table(["database", "page", "who", "requests", "p50", "p95", "× goal", "max"], rows)}

### Digests for {args.people:,} people

{args.people:,} people, each in one of the assemblies with a daily digest due (their first: everything that waits
for them), are given it in one run of `do_queue_digests` in a process of its own (what the ticker calls): each
person's inbox since their last digest (a batch's inboxes read together, in the same queries as one person's),
rendered as text and HTML in their language and zone, and queued in the outbox, 200 people per transaction, read in
batches by key. Sending is the mail server's business and is not
timed. Peak memory is the process's largest resident set (`ru_maxrss`), before (Django loaded, connected) and after.

{table(["database", "digests", "time", "rate", "memory before", "peak memory", "mail (text + HTML)"], digest_rows)}
{MARK_END}"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--assemblies", type=int, default=20)
    parser.add_argument("--decisions", type=int, default=1000)
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md")
    args = parser.parse_args()
    facts = machine()
    results = on_both_databases("confederal_inbox", lambda backend, url: measure(backend, url, args), PG_ADMIN)
    publish("inbox", report(facts, results, args), args.out)


if __name__ == "__main__":
    main()
