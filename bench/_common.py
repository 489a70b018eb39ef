"""Helpers shared by the benchmark scripts: machine facts, timing, tables."""

from __future__ import annotations

import json
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Timing:
    wall: float
    cpu: float


def load_pages_data(env: dict[str, str], assemblies: int, decisions: int, *more: str) -> dict[str, object]:
    """Fill a node's database with ``bench/pages_data.py`` (``more``: its other options); what it reports."""
    return load_data(env, "pages_data.py", "--assemblies", str(assemblies), "--decisions", str(decisions), *more)


def load_data(env: dict[str, str], script: str, *options: str) -> dict[str, object]:
    """Run a data loader (``bench/<script>``) against the node the environment names; the JSON it printed last."""
    made = subprocess.run(
        [sys.executable, f"bench/{script}", *options],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if made.returncode:
        raise SystemExit(made.stderr)
    data: dict[str, object] = json.loads(made.stdout.strip().splitlines()[-1])
    return data


def measure(fn: Callable[[], object]) -> Timing:
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return Timing(time.perf_counter() - wall, time.process_time() - cpu)


def best_of_interleaved(fns: dict[str, Callable[[], object]], rounds: int) -> dict[str, Timing]:
    """Run each function once per round, alternating, and keep each one's fastest round.

    Alternating spreads any background load evenly over the contestants.
    """
    best: dict[str, Timing] = {}
    for _ in range(rounds):
        for name, fn in fns.items():
            t = measure(fn)
            if name not in best or t.wall < best[name].wall:
                best[name] = t
    return best


def on_both_databases(
    prefix: str, measure: Callable[[str, str | None], dict[str, object]], pg_admin: str
) -> dict[str, dict[str, object]]:
    """``measure(backend, database_url)`` on SQLite, then on a PostgreSQL database made for it and dropped after."""
    import psycopg

    results = {"SQLite": measure("SQLite", None)}
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_admin + "/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
    try:
        results["PostgreSQL"] = measure("PostgreSQL", f"{pg_admin}/{name}")
    finally:
        with psycopg.connect(pg_admin + "/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]
    return results


def latency_rows(results: dict[str, dict[str, object]]) -> tuple[list[list[object]], float]:
    """Rows of (database, page, who, requests, p50, p95, max) from each backend's ``samples``; the worst p95 (ms)."""
    rows: list[list[object]] = []
    worst = 0.0
    for backend, result in results.items():
        for (kind, who), values in sorted(result["samples"].items()):  # type: ignore[attr-defined]
            p95 = percentile(values, 95) * 1000
            worst = max(worst, p95)
            rows.append(
                [
                    backend,
                    kind,
                    who,
                    len(values),
                    f"{statistics.median(values) * 1000:.1f} ms",
                    f"**{p95:.1f} ms**",
                    f"{max(values) * 1000:.0f} ms",
                ]
            )
    return rows, worst


def percentile(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def machine() -> dict[str, str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = int(
            next(x for x in Path("/proc/meminfo").read_text().splitlines() if x.startswith("MemTotal")).split()[1]
        )
        memory = f"{mem_kb / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration, ValueError):
        memory = "unknown"
    try:
        pg = subprocess.run(
            ["psql", "-h", "127.0.0.1", "-U", "postgres", "-tAc", "SHOW server_version"],
            capture_output=True,
            text=True,
            check=False,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        pg = ""
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": f"{cpu}, {os.cpu_count()} cores",
        "memory": memory,
        "os": f"{platform.system()} {platform.release()}",
        "python": sys.version.split()[0],
        "sqlite": sqlite3.sqlite_version,
        "postgresql": pg or "not reachable",
        "load": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    lines = [
        "| " + " | ".join(headers) + " |",
        "|" + "|".join("---" if i == 0 else "---:" for i in range(len(headers))) + "|",
    ]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def rate(count: float, seconds: float) -> str:
    per = count / seconds if seconds else float("inf")
    return f"{per:,.0f}/s"


def write_section(name: str, section: str, path: Path) -> None:
    """Replace (or add) the ``<!-- bench:NAME:start/end -->`` section of docs/benchmarks.md."""
    start, end = f"<!-- bench:{name}:start -->", f"<!-- bench:{name}:end -->"
    header = "# Benchmarks\n\nEach section is written by a script in `bench/`; run `bench/run` to refresh them.\n\n"
    text = path.read_text() if path.exists() else header
    if start in text:
        before, rest = text.split(start, 1)
        text = before + section + rest.split(end, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    path.write_text(text)


def publish(name: str, section: str, path: Path, *, write: bool = True) -> None:
    """Print a benchmark's section and, if ``write``, put it in ``path`` (docs/benchmarks.md) and say so."""
    print(section)
    if write:
        write_section(name, section, path)
        log(f"wrote {path}")
