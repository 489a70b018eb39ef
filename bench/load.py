"""Pages and tiles under load (issue 12), WSGI servers side by side; writes docs/benchmarks.md.

A real node on SQLite (the page benchmark's data, smaller: by default 20 assemblies of
15 members with 200 decisions each, and 300 entries in the first assembly's ledger so it has
full tiles) is served by each WSGI server in turn: waitress (as `confederal serve` runs it)
and gunicorn (sync workers, and gthread). For each server, wrk (Debian's `wrk`, one client
thread: an epoll loop in C, so the client leaves the two cores to the server) asks for
the assembly page as a visitor and as a signed-in member, decision pages and a full ledger
tile, at concurrency 10 and 50, for --seconds each (30 by default). It reports requests per
second, p50/p95/p99 latency and errors, and the CPU the client itself used.

    bench/run load                 the full run (about 25 minutes)
    bench/run load --seconds 3     a quick check that everything works end to end
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from _common import ROOT, free_port, load_pages_data, log, machine, publish, table

CONFEDERAL = str(Path(sys.executable).parent / "confederal")
MARK_START, MARK_END = "<!-- bench:load:start -->", "<!-- bench:load:end -->"
CONCURRENCY = (10, 50)
# Goals of issue 12, on this machine: what, which rows, which measure, how much.
GOALS = [
    ("assembly page, visitor, c=50: req/s", "assembly page", "visitor", 50, "req/s", 200),
    ("assembly page, visitor, c=50: p95", "assembly page", "visitor", 50, "p95", 250),
    ("full tile, c=50: req/s", "full ledger tile", "anyone", 50, "req/s", 1000),
    ("assembly page, member, one at a time: p50", "assembly page", "member", 1, "p50", 100),
]


@dataclass(frozen=True)
class Server:
    key: str
    label: str
    argv: tuple[str, ...]  # {port} is replaced


GUNICORN = (sys.executable, "-m", "gunicorn", "confederal.node.wsgi:application", "--bind", "127.0.0.1:{port}")
SERVERS = [
    Server(
        "waitress-8", "waitress, 8 threads (`confederal serve`'s default)", (CONFEDERAL, "serve", "--port", "{port}")
    ),
    Server(
        "waitress-4",
        "waitress, 4 threads (waitress's own default)",
        (CONFEDERAL, "serve", "--port", "{port}", "--threads", "4"),
    ),
    Server("waitress-16", "waitress, 16 threads", (CONFEDERAL, "serve", "--port", "{port}", "--threads", "16")),
    Server("gunicorn-sync-2", "gunicorn, 2 sync workers", (*GUNICORN, "--workers", "2")),
    Server("gunicorn-sync-4", "gunicorn, 4 sync workers", (*GUNICORN, "--workers", "4")),
    Server(
        "gunicorn-gthread-2x4",
        "gunicorn, 2 gthread workers × 4 threads",
        (*GUNICORN, "--workers", "2", "--worker-class", "gthread", "--threads", "4"),
    ),
]

LUA = """
local paths = {paths}
local i = 0
{cookie}
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {{"requests": %d, "seconds": %f, "connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d, ' ..
    '"p50": %d, "p95": %d, "p99": %d, "max": %d}}\\n',
    summary.requests, summary.duration / 1e6, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
"""


def fetch(url: str, session: str | None = None) -> tuple[int, bytes]:
    headers = {"Cookie": f"sessionid={session}"} if session else {}
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 (http only: the bench builds every address)
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        return int(response.status), response.read()


@dataclass(frozen=True)
class Scenario:
    page: str
    who: str
    paths: tuple[str, ...]
    session: str | None
    marker: bytes  # what a right answer holds (checked before measuring)


def scenarios(data: dict[str, object], rng: random.Random) -> list[Scenario]:
    assemblies = int(data["assemblies"])  # type: ignore[call-overload]
    decisions = int(data["decisions"])  # type: ignore[call-overload]
    mine = data["sessions"][0]  # type: ignore[index]
    slugs = [f"assembly-{a}" for a in range(assemblies)]
    return [
        Scenario(
            "assembly page",
            "visitor",
            tuple(f"/assemblies/{s}/" for s in slugs),
            None,
            b"Sign in to take part",
        ),
        Scenario(
            "assembly page",
            "member",
            (f"/assemblies/{mine['assembly']}/",),
            mine["session"],
            b"Leave the assembly",
        ),
        Scenario(
            "decision page",
            "visitor",
            tuple(f"/assemblies/{rng.choice(slugs)}/proposals/{rng.randrange(1, decisions + 1)}/" for _ in range(200)),
            None,
            b"<html",
        ),
        Scenario("full ledger tile", "anyone", ("/ledgers/assembly-0/tile/0/000",), None, b""),
    ]


def start(server: Server, env: dict[str, str], port: int, work: Path) -> subprocess.Popen[str]:
    argv = [a.replace("{port}", str(port)) for a in server.argv]
    # The server's log goes to a file: a pipe nobody reads fills up (waitress warns of its queue depth on every
    # request under load), and a server blocked writing its log answers nothing.
    log_file = work / f"{server.key}.log"
    with log_file.open("w") as errors:
        process = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=errors, text=True)
    base = f"http://127.0.0.1:{port}"
    for _ in range(150):
        if process.poll() is not None:
            raise SystemExit(f"{server.label} stopped at start: {log_file.read_text()}")
        try:
            fetch(base + "/")
            return process
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{server.label} did not answer within 30 s")


def stop(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGTERM)  # as a service manager would
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)


def check(base: str, scenario: Scenario) -> None:
    """Every path answers 200 with what it should, before anything is timed."""
    for path in scenario.paths[:20]:
        status, body = fetch(base + path, scenario.session)
        if status != 200 or scenario.marker not in body:
            raise SystemExit(f"{path} answered {status} without {scenario.marker!r}")
    if scenario.page == "full ledger tile" and len(body) != 256 * 32:
        raise SystemExit(f"the tile holds {len(body)} bytes, not {256 * 32}")


def run_wrk(base: str, scenario: Scenario, connections: int, seconds: float, work: Path) -> dict[str, float]:
    script = work / "scenario.lua"
    cookie = f'wrk.headers["Cookie"] = "sessionid={scenario.session}"' if scenario.session else ""
    script.write_text(LUA.format(paths="{" + ", ".join(f'"{p}"' for p in scenario.paths) + "}", cookie=cookie))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(
        [
            "wrk",
            "--threads",
            "1",
            "--connections",
            str(connections),
            "--duration",
            f"{max(1, round(seconds))}s",
            "--timeout",
            "10s",
            "--script",
            str(script),
            base,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    line = next((x for x in done.stdout.splitlines() if x.startswith("RESULT ")), None)
    if done.returncode or line is None:
        raise SystemExit(f"wrk failed: {done.stderr or done.stdout}")
    result: dict[str, float] = json.loads(line.removeprefix("RESULT "))
    result["client_cpu"] = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return result


def load_data(env: dict[str, str], args: argparse.Namespace) -> dict[str, object]:
    data = load_pages_data(env, args.assemblies, args.decisions, "--ledger-entries", "300", "--sessions", "1")
    data["decisions"] = args.decisions
    return data


Row = tuple[Server, Scenario, int, dict[str, float]]


def measure(args: argparse.Namespace) -> tuple[dict[str, object], list[Row]]:
    data_dir = tempfile.mkdtemp(prefix="confederal-load-")
    work = Path(data_dir)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CONFEDERAL_", "DJANGO_"))}
    env |= {
        "CONFEDERAL_DATA_DIR": data_dir,
        "CONFEDERAL_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "CONFEDERAL_TICK_SECONDS": "3600",  # nothing closes during the measurement
    }
    log(f"loading {args.assemblies} assemblies × {args.decisions} decisions into {data_dir}")
    data = load_data(env, args)
    rng = random.Random(20261207)
    cases = scenarios(data, rng)
    base = f"http://127.0.0.1:{port}"
    rows: list[Row] = []
    chosen = [s for s in SERVERS if s.key in args.servers]
    for server in chosen:
        log(f"{server.label}")
        process = start(server, env, port, work)
        try:
            for scenario in cases:
                check(base, scenario)
                run_wrk(base, scenario, 10, 1, work)  # warm every process and thread, not measured
                levels = ((1,) if server is chosen[0] else ()) + CONCURRENCY
                for connections in levels:
                    result = run_wrk(base, scenario, connections, args.seconds, work)
                    rows.append((server, scenario, connections, result))
                    log(
                        f"  {scenario.page} ({scenario.who}) c={connections}: "
                        f"{result['requests'] / result['seconds']:.0f} req/s, p95 {result['p95'] / 1000:.1f} ms"
                    )
        finally:
            stop(process)
    return data, rows


def errors(result: dict[str, float]) -> int:
    return int(sum(result[k] for k in ("connect", "read", "write", "status", "timeout")))


def rps(result: dict[str, float]) -> float:
    return result["requests"] / result["seconds"]


def ms(microseconds: float) -> str:
    return f"{microseconds / 1000:.1f} ms"


def report(facts: dict[str, str], data: dict[str, object], rows: list[Row], args: argparse.Namespace) -> str:
    table_rows = [
        [
            server.label,
            f"{scenario.page}, {scenario.who}",
            connections,
            f"**{rps(r):,.0f}**",
            ms(r["p50"]),
            f"**{ms(r['p95'])}**",
            ms(r["p99"]),
            errors(r),
            f"{100 * r['client_cpu'] / r['seconds']:.0f} %",
        ]
        for server, scenario, connections, r in rows
    ]

    # Pick by numbers: the geometric mean of req/s over every loaded run (concurrency 10 and 50).
    scores: dict[str, float] = {}
    for server in {s.key: s for s, *_ in rows}.values():
        mine = [rps(r) for s, _, c, r in rows if s is server and c in CONCURRENCY]
        product = 1.0
        for value in mine:
            product *= value
        scores[server.label] = product ** (1 / len(mine)) if mine else 0.0
    ranked = sorted(scores.items(), key=lambda x: -x[1])
    ranking = "; ".join(f"{label} {score:,.0f} req/s" for label, score in ranked)

    goals = []
    for label, page, who, connections, metric, goal in GOALS:
        found = [(s, r) for s, sc, c, r in rows if (sc.page, sc.who, c) == (page, who, connections)]
        if not found:
            continue
        if metric == "req/s":
            server, r = max(found, key=lambda x: rps(x[1]))
            shown, ratio = f"{rps(r):,.0f}", rps(r) / goal
            wanted = f"≥ {goal:,}"
        else:
            server, r = min(found, key=lambda x: x[1][metric])
            shown, ratio = ms(r[metric]), goal / (r[metric] / 1000)
            wanted = f"≤ {goal} ms"
        goals.append([label, wanted, f"{shown} ({server.key})", f"{ratio:.2f}×"])

    return f"""{MARK_START}
## Under load (issue 12)

Measured {facts["date"]} on {facts["cpu"]}, {facts["memory"]}; Python {facts["python"]}, SQLite {facts["sqlite"]};
load average at start {facts["load"]}. One run of `bench/run load --seconds {args.seconds:g}`.

A real node on SQLite holds {data["assemblies"]} assemblies, {data["members"]} members, {data["proposals"]:,} proposals
and {data["ballots"]:,} ballots (`bench/pages_data.py`), and 300 more entries in one assembly's ledger so it has full
tiles. Each WSGI server serves it in turn; the client is [wrk](https://github.com/wg/wrk) from Debian with **one
thread** on the same two cores (its share of one core is the last column), keeping `--connections` requests in
flight for {args.seconds:g} s per row, after a one-second warm-up. Visitors ask for every assembly's page in turn
and 200 random decision pages; the member is signed in (session cookie) and asks for their own assembly's page;
the tile is the first full level-0 tile (8 KiB). Ratio: how far past the goal (above 1× is met).

{table(["goal", "wanted", "measured (server)", "ratio"], goals)}

Servers by the geometric mean of their req/s over every loaded row: {ranking}.

{table(["server", "page", "concurrency", "req/s", "p50", "p95", "p99", "errors", "client CPU"], table_rows)}

Client and server share the machine with whatever else runs on it (see the load average): Linux shares the CPU
per thread, so under outside load a server with more threads gets a bigger share. Compare servers on a quiet machine.
{args.note}
{MARK_END}"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=30, help="how long each row is measured (default 30)")
    parser.add_argument("--assemblies", type=int, default=20)
    parser.add_argument("--decisions", type=int, default=200)
    parser.add_argument(
        "--servers",
        nargs="+",
        default=[s.key for s in SERVERS],
        choices=[s.key for s in SERVERS],
        help="which servers to compare (all by default)",
    )
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--note", default="", help="a sentence to add under the table (how the run went)")
    args = parser.parse_args()
    facts = machine()
    data, rows = measure(args)
    section = report(facts, data, rows, args)
    publish("load", section, args.out)


if __name__ == "__main__":
    main()
