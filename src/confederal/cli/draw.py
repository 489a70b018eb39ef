"""``confederal draw`` and ``confederal audit-draw``: fair lotteries from the command line, and their check."""

from __future__ import annotations

import argparse
import hashlib
import json
import secrets
import signal
import sys
import time
from pathlib import Path
from typing import Any

from confederal.ledger import decode_entry, leaf_hash, root_from_leaf_hashes
from confederal.sortition import (
    Lottery,
    Progress,
    SortitionError,
    announcement_body,
    audit_draw,
    build_pool,
    read_features_csv,
    read_people_csv,
    result_body,
    select,
)

from . import verify

EXIT_USAGE, EXIT_INPUT, EXIT_MISMATCH = 2, 3, 5
MAX_FILE_BYTES = 50_000_000


def add_draw_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--features", type=Path, required=True, help="features.csv: feature,value,min,max")
    parser.add_argument("--people", type=Path, required=True, help="people.csv: an id column and one per feature")
    parser.add_argument("--size", type=int, required=True, help="how many people the panel has")
    parser.add_argument("--id-column", help="the people file's id column (default: id, else the first column)")
    parser.add_argument("--method", choices=["leximin", "maximin"], default="leximin")
    parser.add_argument(
        "--beacon",
        help="32 bytes of public randomness in hex that did not exist when the inputs were fixed "
        "(for example a later ledger checkpoint's root); default: fresh local randomness",
    )
    parser.add_argument(
        "--time-limit",
        type=float,
        default=None,
        help="stop after this many seconds (about a second more to weigh the panels found) and say what was proved",
    )
    parser.add_argument("--record", type=Path, help="write the announcement and result here, for audit-draw")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


def _read(path: Path) -> str:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise SortitionError("bad_file", f"{path} is larger than {MAX_FILE_BYTES:,} bytes.")
        return path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise SortitionError("bad_file", f"Cannot read {path}: {exc.strerror}.") from exc
    except UnicodeDecodeError:
        raise SortitionError("bad_file", f"{path} is not UTF-8 text.") from None


def _record_hash(body: object) -> str:
    """A record file's stand-in for a ledger leaf hash: SHA-256 of the body's sorted, compact JSON.

    Record files hold whole pools, which can exceed a ledger entry's 64 KiB, so they are not canonical entries.
    """
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _summary(lottery: Lottery, stopped: str | None) -> str:
    """One sentence: the least chance this lottery gives and, if it was stopped, the best any lottery could."""
    if lottery.complete:
        return f"Minimum chance {lottery.minimum:.2%}, best possible {lottery.certificate:.2%}."
    why = "when asked" if stopped == "asked" else "at the time limit"
    return (
        f"Stopped {why}: the least chance anyone has in this lottery is {lottery.minimum:.2%}; "
        f"no lottery can give everyone more than {lottery.certificate:.2%}."
    )


def _stopped_by(lottery: Lottery, asked: bool) -> str | None:
    if lottery.complete:
        return None
    return "asked" if asked else "time_limit"


def run_draw(args: argparse.Namespace) -> int:
    # The time limit counts from here: reading the files is part of the run the person waits for.
    started = time.monotonic()
    if args.time_limit is not None and not args.time_limit > 0:
        print("confederal draw: the time limit must be a positive number of seconds.", file=sys.stderr)
        return EXIT_USAGE
    stop = {"asked": False}

    def interrupt(signum: int, frame: object) -> None:
        stop["asked"] = True
        print("\nStopping: finishing with the best lottery found so far…", file=sys.stderr)

    previous = signal.signal(signal.SIGINT, interrupt)
    try:
        quotas = read_features_csv(_read(args.features))
        people = read_people_csv(_read(args.people), quotas, args.id_column)
        pool = build_pool(people, quotas, args.size)
        beacon = args.beacon or secrets.token_hex(32)
        if len(beacon) != 64 or beacon != beacon.lower() or any(c not in "0123456789abcdef" for c in beacon):
            raise SortitionError("bad_seed", "The beacon must be 32 bytes in lowercase hex (64 characters).")

        def report(p: Progress) -> None:
            if sys.stderr.isatty():
                if p.share is None:
                    line = (
                        f"level {p.stage}: {p.fixed_types} of {p.fixed_types + p.open_types} groups settled, "
                        f"{p.panels} panels"
                    )
                else:
                    line = f"every level known; {p.share:.2%} of the lottery built from {p.panels} panels"
                print(f"\r  {line}\033[K", end="", file=sys.stderr, flush=True)

        left = None if args.time_limit is None else args.time_limit - (time.monotonic() - started)
        lottery = select(
            pool,
            args.method,
            clock=time.monotonic,
            time_limit=None if left is None else max(left, 0.0),
            should_stop=lambda: stop["asked"],
            progress=report,
        )
        if sys.stderr.isatty():
            print(file=sys.stderr)
        elapsed = time.monotonic() - started
    except SortitionError as error:
        print(f"confederal draw: {error.message}", file=sys.stderr)
        return EXIT_INPUT
    finally:
        signal.signal(signal.SIGINT, previous)
    announced = announcement_body("cli", str(args.people), people, quotas, args.size, args.method, 0)
    announcement_hash = _record_hash(announced)
    result = result_body("cli", announcement_hash, 0, beacon, lottery, pool.features)
    chances = lottery.probabilities()
    if args.json:
        print(
            json.dumps(
                {
                    "chosen": result["chosen"],
                    "seed": result["seed"],
                    "beacon": beacon,
                    "minimum": lottery.minimum,
                    "certificate": lottery.certificate,
                    "complete": lottery.complete,
                    "stopped": _stopped_by(lottery, stop["asked"]),
                    "probabilities": chances,
                    "seconds": elapsed,
                },
                indent=1,
            )
        )
    else:
        print(
            f"{pool.people} people in {len(pool.types)} groups of interchangeable people; panel of {pool.size}; "
            f"{args.method}, {len(lottery.panels)} panels in the lottery, {elapsed:.1f} s."
        )
        print(_summary(lottery, _stopped_by(lottery, stop["asked"])))
        if lottery.never:
            print(
                f"{len(lottery.never)} people can never be chosen under these quotas: {', '.join(lottery.never[:10])}"
                + ("…" if len(lottery.never) > 10 else "")
            )
        print("\nChance of selection (lowest first):")
        for person, chance in sorted(chances.items(), key=lambda kv: (kv[1], kv[0])):
            print(f"  {person:<24} {chance:8.3%}")
        print(f"\nBeacon {beacon}{'' if args.beacon else ' (fresh local randomness)'}")
        print(f"Seed   {result['seed']}")
        print("Chosen: " + ", ".join(result["chosen"]))  # type: ignore[arg-type]
    if args.record:
        record = {"announcement": announced, "announcement_hash": announcement_hash, "result": result}
        args.record.write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n")
        print(f"Recorded in {args.record}: check it with `confederal audit-draw {args.record}`.", file=sys.stderr)
    return 0


def add_audit_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("target", help="a ledger's URL prefix or directory, or a record file written by draw --record")
    parser.add_argument("--draw", help="which draw to check (default: every draw in the ledger)")
    parser.add_argument("--resolve", action="store_true", help="also solve the lottery again and compare its fairness")
    parser.add_argument("--key", help="the ledger's verifier key, as for verify")
    parser.add_argument("--state-dir", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--timeout", type=float, default=30.0, help=argparse.SUPPRESS)
    parser.add_argument("--max-entries", type=int, default=1_000_000, help=argparse.SUPPRESS)


def _print_audit(name: str, audit: Any) -> None:
    print(f"Draw {name}:")
    for line in audit.passed:
        print(f"  ✓ {line}")
    for line in audit.failed:
        print(f"  ✗ {line}")
    print("  The draw matches its record." if audit.ok else "  The draw does NOT match its record.")


def _resolver(args: argparse.Namespace) -> Any:
    return (lambda pool: select(pool)) if args.resolve else None


def run_audit(args: argparse.Namespace) -> int:
    target = Path(args.target)
    if target.is_file():
        try:
            record = json.loads(_read(target))
            announced, result = record["announcement"], record["result"]
            announcement_hash = _record_hash(announced)
            beacon = result["beacon"]["root"]
        except (ValueError, KeyError, TypeError, SortitionError) as exc:
            print(f"confederal audit-draw: {target} is not a draw record ({exc}).", file=sys.stderr)
            return EXIT_USAGE
        audit = audit_draw(announced, announcement_hash, beacon, result, _resolver(args))
        if record.get("announcement_hash") != announcement_hash:
            audit.failed.append("The recorded announcement hash is not the hash of the announcement.")
        _print_audit(str(announced.get("draw")), audit)
        print("  (A record file has no ledger: the beacon is taken as given, not checked against a ledger root.)")
        return 0 if audit.ok else EXIT_MISMATCH
    args.forget, args.no_remember, args.quiet = False, False, True
    code, report = verify.check(args)
    if report is None:
        return code
    print(f"✓ The ledger verifies ({report.checkpoint.size} entries).")
    hashes = [leaf_hash(raw) for raw in report.entries]
    announcements: dict[str, tuple[dict[str, Any], str]] = {}
    results: dict[str, dict[str, Any]] = {}
    for raw, digest in zip(report.entries, hashes, strict=True):
        entry = decode_entry(raw)
        draw_id = entry.body.get("draw")
        if entry.kind == "draw.announced" and isinstance(draw_id, str):
            announcements[draw_id] = (dict(entry.body), digest.hex())
        elif entry.kind == "draw.result" and isinstance(draw_id, str):
            results[draw_id] = dict(entry.body)
    wanted = [args.draw] if args.draw else sorted(announcements)
    if not wanted:
        print("This ledger records no draws.")
        return 0
    failed = False
    for draw_id in wanted:
        if draw_id not in announcements:
            print(f"✗ No draw {draw_id} is announced in this ledger.", file=sys.stderr)
            failed = True
            continue
        announced, announcement_hash = announcements[draw_id]
        if draw_id not in results:
            print(f"Draw {draw_id}: announced, not drawn yet.")
            continue
        size = announced.get("beacon_size")
        beacon = None
        if isinstance(size, int) and 0 < size <= len(hashes):
            beacon = root_from_leaf_hashes(hashes[:size]).hex()
        audit = audit_draw(announced, announcement_hash, beacon, results[draw_id], _resolver(args))
        _print_audit(draw_id, audit)
        failed = failed or not audit.ok
    return EXIT_MISMATCH if failed else 0
