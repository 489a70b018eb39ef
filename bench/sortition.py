"""Fair lotteries (issue 4): our leximin and maximin against sortition-algorithms' maximin, side by side.

Instances: the three public pools in ../shared/data/sortition/ and ten synthetic
pools shaped like the Nature paper's real instances (bench/sortition_data.py).
For each: the minimum selection probability, its gap to the certificate (the LP
bound), and the wall time. The peer (GPL-3.0) runs in its own environment and
process, with the HiGHS and the CBC backends, each capped in time. Writes its
section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from _common import ROOT, machine, publish, table, write_section
from confederal.sortition import build_pool, read_features_csv, read_people_csv, select
from sortition_data import SHAPES, synthetic

MARK_START, MARK_END = "<!-- bench:sortition:start -->", "<!-- bench:sortition:end -->"
PUBLIC = ROOT / "tests" / "data" / "sortition"
PEER_PYTHON = ROOT / ".bench" / "peers" / "bin" / "python"
WORK = ROOT / ".bench" / "sortition"
PUBLIC_SIZES = {"example_small_20": 20, "sa_fixture_22": 22, "example_large_200": 200}


def instances(names: list[str] | None) -> list[tuple[str, Path, Path, int, int]]:
    found = []
    for name, size in PUBLIC_SIZES.items():
        folder = PUBLIC / name
        if folder.is_dir():
            found.append((name, folder / "features.csv", folder / "people.csv", size, 0))
    for shape, (_, _, categories) in SHAPES.items():
        instance = synthetic(shape)
        features, people = instance.write(WORK / instance.name)
        found.append((instance.name, features, people, instance.size, categories))
    return [i for i in found if not names or any(n in i[0] for n in names)]


def ours(features: Path, people: Path, size: int, method: str, cap: float) -> dict[str, object]:
    quotas = read_features_csv(features.read_text())
    pool = build_pool(read_people_csv(people.read_text(), quotas), quotas, size)
    start = time.perf_counter()
    lottery = select(pool, method, clock=time.perf_counter, time_limit=cap)  # type: ignore[arg-type]
    wall = time.perf_counter() - start
    return {
        "minimum": lottery.minimum,
        "certificate": lottery.certificate,
        "complete": lottery.complete,
        "wall": wall,
        "types": len(pool.types),
        "people": pool.people,
        "features": len(pool.features),
    }


def peer(features: Path, people: Path, size: int, backend: str, cap: float) -> dict[str, object]:
    command = [str(PEER_PYTHON), str(ROOT / "bench" / "peers" / "sortition_maximin.py")]
    command += ["--features", str(features), "--people", str(people), "--size", str(size), "--backend", backend]
    start = time.perf_counter()
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=cap, check=False)
    except subprocess.TimeoutExpired:
        return {"stopped": True, "wall": time.perf_counter() - start}
    lines = done.stdout.strip().splitlines()
    if done.returncode or not lines:
        return {"error": (done.stderr.strip().splitlines() or ["failed"])[-1][:120]}
    result: dict[str, object] = json.loads(lines[-1])
    return result


def pct(x: object) -> str:
    return f"{float(x):.3%}" if isinstance(x, float | int) else "—"  # type: ignore[arg-type]


def secs(r: dict[str, object]) -> str:
    if r.get("stopped"):
        return f"> {float(r['wall']):.0f} s (stopped)"  # type: ignore[arg-type]
    if "error" in r:
        return "failed: " + str(r["error"])
    return f"{float(r['wall']):.1f} s"  # type: ignore[arg-type]


def render(
    facts: dict[str, str], rows: list[dict[str, object]], peer_cap: float, our_cap: float, note: str = ""
) -> str:
    body = []
    for r in rows:
        lex, mx, cbc, hs = r["leximin"], r["maximin"], r["cbc"], r["highs"]  # type: ignore[misc]
        gap = max(float(lex["certificate"]) - float(lex["minimum"]), 0.0)  # type: ignore[index]
        peer_times = [float(p["wall"]) for p in (cbc, hs) if "minimum" in p]  # type: ignore[operator,index]
        stopped = [float(p["wall"]) for p in (cbc, hs) if p.get("stopped")]  # type: ignore[attr-defined,index]
        best_peer = min(peer_times) if peer_times else None
        if not lex["complete"]:  # type: ignore[index]
            ratio = "— (leximin incomplete)"
        elif best_peer is not None:
            ratio = f"{best_peer / float(lex['wall']):.1f}×"  # type: ignore[index]
        elif stopped:
            ratio = f"> {min(stopped) / float(lex['wall']):.0f}×"  # type: ignore[index]
        else:
            ratio = "—"
        body.append(
            [
                r["name"],
                f"{lex['people']} / {r['size']} / {lex['features']} / {lex['types']}",  # type: ignore[index]
                f"{pct(lex['minimum'])} (cert {pct(lex['certificate'])}, gap {gap:.1e})",  # type: ignore[index]
                secs(lex) + ("" if lex["complete"] else " (stopped: incomplete)"),  # type: ignore[arg-type,index]
                f"{pct(mx['minimum'])} / {secs(mx)}",  # type: ignore[index,arg-type]
                f"{pct(cbc.get('minimum'))} / {secs(cbc)}",  # type: ignore[attr-defined,arg-type]
                f"{pct(hs.get('minimum'))} / {secs(hs)}",  # type: ignore[attr-defined,arg-type]
                ratio,
            ]
        )
    worst_gap = max(
        max(float(r["leximin"]["certificate"]) - float(r["leximin"]["minimum"]), 0.0)  # type: ignore[index]
        for r in rows
    )
    large = next((r for r in rows if r["name"] == "example_large_200"), None)
    largest = next((r for r in rows if str(r["name"]).startswith("syn_sf_e")), None)

    def outcome(r: dict[str, object] | None) -> str:
        if r is None:
            return "not run"
        lex: dict[str, object] = r["leximin"]  # type: ignore[assignment]
        return secs(lex) + ("" if lex["complete"] else ", incomplete: not met")

    compared = [r for r in rows if r["leximin"]["complete"]]  # type: ignore[index]
    # A stopped peer counts as slower only when our leximin finished before the peer was stopped.
    faster = sum(
        1
        for r in compared
        if all(
            float(p["wall"]) > float(r["leximin"]["wall"])  # type: ignore[index,arg-type]
            for p in (r["cbc"], r["highs"])
            if "error" not in p  # type: ignore[operator]
        )
    )
    return f"""{MARK_START}
## Fair lotteries (issue 4)

Measured {facts["date"]} on {facts["cpu"]}, {facts["memory"]}; Python {facts["python"]}; load average at
start {facts["load"]}. One run of `bench/run sortition`, every solver on one thread, one after another.

Goals: minimum equals the certificate within 5·10⁻⁴ on every instance — worst gap **{worst_gap:.1e}**;
leximin faster than the peer's maximin everywhere (last column: best peer time ÷ our leximin time, above 1× is
faster) — **{faster} of {len(rows)} instances**; `example_large_200` under 30 s — **{outcome(large)}**;
the largest shape (sf_e, n = 1727, k = 110) under 10 minutes — **{outcome(largest)}**.

{
        table(
            [
                "instance",
                "n / k / features / types",
                "our leximin: minimum (certificate, gap)",
                "leximin time",
                "our maximin: minimum / time",
                "peer maximin, CBC",
                "peer maximin, HiGHS",
                "peer ÷ leximin",
            ],
            body,
        )
    }

*Peer*: `sortition-algorithms` 0.12.15 `find_distribution_maximin` (GPL-3.0, installed only in `.bench/peers`,
run in its own process; time of the distribution step only, capped at {peer_cap:.0f} s). *Ours*: `select` from
`confederal.sortition` on HiGHS 1.15 (time limit {our_cap:.0f} s), including pool grouping. *Types*: people with
the same values on every quota feature are interchangeable, so the programme has one variable per type, not per
person; a pool of 2,000 described by two binary features is 3–4 types. Synthetic pools are not the paper's real
pools (those are private): compare the columns with each other, not with the paper's figures.
{note}
{MARK_END}"""


def rerender(log: Path, peer_cap: float, our_cap: float, note: str) -> str:
    """The section again from the per-instance lines a run printed (same numbers, current wording)."""
    import ast
    import re

    rows: dict[str, dict[str, object]] = {}
    keys = {"ours leximin": "leximin", "ours maximin": "maximin", "peer mip": "cbc", "peer highspy": "highs"}
    for line in log.read_text().splitlines():
        found = re.match(r"(\S+) (ours leximin|ours maximin|peer mip|peer highspy): (\{.*\})$", line)
        if found:
            name, what, data = found.groups()
            row = rows.setdefault(name, {"name": name})
            row[keys[what]] = ast.literal_eval(data)
    sizes = dict(PUBLIC_SIZES) | {synthetic(s).name: synthetic(s).size for s in SHAPES}
    for name, row in rows.items():
        row["size"] = sizes.get(name, 0)
    section = log.read_text().split(MARK_START, 1)[1]
    stamp = re.search(r"Measured (.+?) on (.+?), ([\d.]+ GiB); Python (\S+); load average at\nstart (.+?)\. ", section)
    if stamp is None:
        raise SystemExit(f"{log} holds no finished run")
    date, cpu, memory, python, load = stamp.groups()
    facts = {"date": date, "cpu": cpu, "memory": memory, "python": python, "load": load}
    return render(facts, list(rows.values()), peer_cap, our_cap, note)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", nargs="*", help="run only instances whose name contains one of these")
    parser.add_argument("--peer-cap", type=float, default=600.0, help="seconds before a peer run is stopped")
    parser.add_argument("--our-cap", type=float, default=600.0, help="our time limit in seconds")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--note", default="", help="a paragraph to add under the table (conditions of the run)")
    parser.add_argument(
        "--rerender", type=Path, help="write the table again from a run's log (its stderr), without measuring"
    )
    args = parser.parse_args()
    if args.rerender:
        write_section("sortition", rerender(args.rerender, args.peer_cap, args.our_cap, args.note), args.out)
        return
    if not PEER_PYTHON.exists():
        raise SystemExit("The peer's environment is missing: run bench/run, which creates .bench/peers")
    facts = machine()
    rows = []
    for name, features, people, size, _ in instances(args.only):
        row: dict[str, object] = {"name": name, "size": size}
        for method in ("leximin", "maximin"):
            row[method] = ours(features, people, size, method, args.our_cap)
            print(f"{name} ours {method}: {row[method]}", file=sys.stderr, flush=True)
        for key, backend in (("cbc", "mip"), ("highs", "highspy")):
            row[key] = peer(features, people, size, backend, args.peer_cap)
            print(f"{name} peer {backend}: {row[key]}", file=sys.stderr, flush=True)
        rows.append(row)
    section = render(facts, rows, args.peer_cap, args.our_cap, args.note)
    publish("sortition", section, args.out, write=not args.only)


if __name__ == "__main__":
    main()
