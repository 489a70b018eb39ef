"""How long the two test loops take on a clean clone (issue 11): `scripts/test --fast` and `scripts/test`.

Clones the committed tree (HEAD) into a temporary folder, so nothing of this checkout's
.venv, caches or data is reused, and times each loop end to end as a person types it:
set-up included. Each phase's time is read from the lines `scripts/test` prints, and each
pytest pass's own count and time from its closing line. Goals: the fast loop under
2 minutes, the whole loop under 15 minutes, on this machine.

    bench/run test-times            both loops
    bench/run test-times --fast     the fast loop only, printed (the section in docs/benchmarks.md is left as it is)
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT, machine, table, write_section

FAST_GOAL, FULL_GOAL = 120.0, 15 * 60.0
_PASS = re.compile(r"(?:\[(?P<who>\w+)\] )?=+ (?P<counts>[^=]*?) in (?P<seconds>[0-9.]+)s")
_PHASE = re.compile(r"==> (.+)")


def _run(clone: Path, args: list[str], log: Path) -> tuple[float, int, list[tuple[str, float]]]:
    """Run ``scripts/test`` with ``args``; return its wall time, exit code and the time of each phase it announced."""
    phases: list[tuple[str, float]] = []
    started = last = time.monotonic()
    name = "set-up"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONFEDERAL_")}
    with log.open("w") as out:
        proc = subprocess.Popen(
            ["./scripts/test", *args], cwd=clone, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        assert proc.stdout is not None
        for line in proc.stdout:
            out.write(line)
            plain = re.sub(r"\x1b\[[0-9;]*m", "", line)
            phase = _PHASE.search(plain)
            if phase:
                now = time.monotonic()
                phases.append((name, now - last))
                name, last = phase.group(1).strip(), now
        code = proc.wait()
    end = time.monotonic()
    phases.append((name, end - last))
    return end - started, code, phases


def _passes(log: Path) -> list[str]:
    text = re.sub(r"\x1b\[[0-9;]*m", "", log.read_text())
    return [
        f"{m['who'] + ': ' if m['who'] else ''}{m['counts'].strip()} in {float(m['seconds']):.0f} s"
        for m in _PASS.finditer(text)
    ]


def _minutes(seconds: float) -> str:
    return f"{int(seconds // 60)} min {seconds % 60:04.1f} s" if seconds >= 60 else f"{seconds:.1f} s"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fast", action="store_true", help="time only the fast loop")
    options = parser.parse_args()
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True)
    facts = machine()
    rows: list[list[object]] = []
    details: list[str] = []
    failed = False
    work = Path(tempfile.mkdtemp(prefix="confederal-test-times-"))
    try:
        loops = [("fast", ["--fast"], FAST_GOAL)] + ([] if options.fast else [("whole", [], FULL_GOAL)])
        for name, args, goal in loops:
            clone = work / name
            subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
            load = " ".join(f"{x:.2f}" for x in os.getloadavg())
            wall, code, phases = _run(clone, args, work / f"{name}.log")
            passes = _passes(work / f"{name}.log")
            failed |= code != 0
            verdict = ("met" if wall < goal else "not met") if code == 0 else f"failed (exit {code})"
            command = "./scripts/test " + " ".join(args)
            rows.append([f"`{command.strip()}`", _minutes(wall), _minutes(goal), verdict, load])
            steps = "; ".join(f"{phase}: {_minutes(seconds)}" for phase, seconds in phases)
            details.append(f"- `{command.strip()}` — {steps}. Pytest: {' / '.join(passes) or 'no closing line'}.")
            print(rows[-1], file=sys.stderr)
            if code != 0:
                (ROOT / ".bench").mkdir(exist_ok=True)
                shutil.copy(work / f"{name}.log", ROOT / ".bench" / f"test-times-{name}.log")
                print(f"{name} loop failed; its log is in .bench/test-times-{name}.log", file=sys.stderr)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    body = "\n".join(
        [
            "<!-- bench:test-times:start -->",
            "## Test times (issue 11)",
            "",
            f"Measured {facts['date']} by `bench/run test-times` at commit {head.stdout.strip()}, on {facts['cpu']}, "
            f"{facts['memory']}, {facts['os']}; Python {facts['python']}, SQLite {facts['sqlite']}, PostgreSQL "
            f"{facts['postgresql']}. Each loop ran on a fresh clone, set-up included (a new `.venv` from the pip "
            "cache; Debian packages already installed). Load is the 1, 5 and 15-minute average when the loop started.",
            "",
            table(["loop", "took", "goal", "verdict", "load at start"], rows),
            "",
            *details,
            "",
            "Before issue 11 the whole loop took 37 min on a fresh clone of this machine (SQLite 19.6 min, "
            "PostgreSQL 16.1 min, as the issue reports) and there was no fast loop.",
            "<!-- bench:test-times:end -->",
        ]
    )
    if options.fast:
        print(body)
    else:
        write_section("test-times", body, ROOT / "docs" / "benchmarks.md")
        print(body)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
