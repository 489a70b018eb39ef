"""Books audit benchmark (issue 13): `confederal audit-books` against `confederal verify` over one ledger.

A ledger of 1,000,000 `books.transaction` entries (after its charter, accounts and budget) is written to disk as a
node publishes it, once, and kept in the temporary directory for the next run (generating it is not timed). Both
commands then run as their own processes over the same directory, interleaved, fastest of the rounds kept.
Goal: audit-books, which verifies the ledger first and then folds every entry into the books, runs at least
0.5 of verify's rate in entries per second. Writes its section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT, log, machine, table, write_section
from confederal import books
from confederal.charter import default_charter
from confederal.ledger import Entry, Signer, did_key, encode_entry, leaf_hash
from confederal.records import CharterAdopted, RecordBody

sys.path.insert(0, str(ROOT))  # the ledger is published on disk as the tests publish theirs
from tests.support.books import publish

CONFEDERAL = str(ROOT / ".venv" / "bin" / "confederal")
ORIGIN = "bench.example.org/ledgers/food-hub"
SIGNER = Signer(ORIGIN, b"\x05" * 32)
DAY0 = dt.date(2026, 1, 1)


def bodies(size: int) -> list[RecordBody]:
    eur = books.Currency.iso("EUR")
    rules = books.BooksRules(eur, books.Amount(20000, eur))
    charter = default_charter("Bench Food Hub", "food", "We feed each other.", DAY0).amended(
        {"books": rules.to_json()}, dt.date(2027, 1, 1)
    )
    kinds = [("Bank", "bank"), ("Cash", "cash"), ("Dues", "income"), ("Food", "expense"), ("Rent", "expense")]
    accounts = {name: books.Account(name, books.AccountKind(kind)) for name, kind in kinds}
    lines = tuple(
        books.BudgetLine(name, accounts[name], f"What the year's {name.lower()} needs", books.Amount(10**12, eur))
        for name in ("Dues", "Food", "Rent")
    )
    out: list[RecordBody] = [CharterAdopted(charter)]
    out += [books.AccountOpened(account) for account in accounts.values()]
    out.append(books.BudgetAdopted(1, "The year's budget", books.Budget(DAY0, dt.date(2026, 12, 31), lines)))
    return out


def transaction(number: int) -> books.TransactionRecorded:
    eur = books.Currency.iso("EUR")
    minor = 100 + number % 9973
    debit, credit, line = [("Bank", "Dues", "Dues"), ("Food", "Cash", "Food"), ("Rent", "Bank", "Rent")][number % 3]
    postings = (books.Posting(debit, books.Amount(minor, eur)), books.Posting(credit, books.Amount(-minor, eur)))
    day = DAY0 + dt.timedelta(days=number % 365)
    txn = books.Transaction(day, f"{line} #{number}", postings, budget_line=line, receipt=f"{number:064x}")
    return books.TransactionRecorded(number, txn, "Lucía")


def build(directory: Path, size: int) -> None:
    author = did_key(b"\x05" * 32)
    items: list[bytes] = []
    prev = None
    head = bodies(size)
    for seq in range(len(head) + size):
        body = head[seq] if seq < len(head) else transaction(seq - len(head) + 1)
        time_ = f"{(DAY0 + dt.timedelta(days=(seq * 365) // (size + len(head)))).isoformat()}T12:00:00Z"
        data = encode_entry(Entry(ORIGIN, seq, prev, time_, body.kind, author, body.to_json()))
        items.append(data)
        prev = leaf_hash(data)
        if seq % 100_000 == 0:
            log(f"  {seq:,} entries")
    publish(directory, items, SIGNER)
    (directory / "ready").write_text(str(len(items)))


def timed(command: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds of one run of ``command`` as its own process; it must succeed."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=1_000_000, help="books.transaction entries (default 1,000,000)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md")
    args = parser.parse_args()
    directory = Path(tempfile.gettempdir()) / f"confederal-bench-books-{args.size}"
    if not (directory / "ready").exists():
        log(f"building a ledger of {args.size:,} books.transaction entries in {directory} (kept for the next run)")
        build(directory, args.size)
    entries = int((directory / "ready").read_text())
    facts = machine()
    state = Path(tempfile.mkdtemp(prefix="confederal-bench-state-"))
    common = ["--key", SIGNER.verifier.vkey, "--state-dir", str(state)]
    commands = {
        "verify": [CONFEDERAL, "verify", str(directory), *common, "--no-remember", "--quiet"],
        "audit-books": [CONFEDERAL, "audit-books", str(directory), *common, "--day", "2026-06-30"],
    }
    best: dict[str, tuple[float, float]] = {}
    for round_ in range(args.rounds):
        for name, command in commands.items():
            log(f"round {round_ + 1}: {name}")
            wall, cpu = timed(command)
            if name not in best or wall < best[name][0]:
                best[name] = (wall, cpu)
    ratio = (entries / best["audit-books"][0]) / (entries / best["verify"][0])
    verdict = "met" if ratio >= 0.5 else "NOT met"
    rows = [
        [
            f"`confederal {name} DIR`",
            f"{wall:.2f} s",
            f"{cpu:.2f} s",
            f"{entries / wall:,.0f}",
            "1.00" if name == "verify" else f"**{ratio:.2f}**",
        ]
        for name, (wall, cpu) in best.items()
    ]
    section = f"""<!-- bench:books-audit:start -->
## Books audit (issue 13)

Measured {facts["date"]} on {facts["cpu"]}, {facts["memory"]}; {facts["os"]}; Python {facts["python"]};
load average at start {facts["load"]}. From one run of `bench/run books-audit`.

### `audit-books` over {args.size:,} transactions — goal ≥ 0.5 of verify's rate: **{verdict} ({ratio:.2f})**

One ledger directory of {entries:,} entries ({args.size:,} `books.transaction` after a charter, five accounts and a
budget), as a node publishes it. Each command runs as its own process, cold, over the same files; fastest of
{args.rounds} interleaved rounds. audit-books verifies exactly as verify does, then folds every entry into the
books and prints balances and budget against actual, so its rate can at best equal verify's.

{table(["command", "wall", "CPU", "entries/s (wall)", "vs verify"], rows)}
<!-- bench:books-audit:end -->"""
    print(section)
    write_section("books-audit", section, args.out)


if __name__ == "__main__":
    main()
