"""``confederal verify``: check a published ledger from the outside.

It needs nothing from the node but its public files, so it runs against a
live URL or a copied directory alike. What it saw is remembered per ledger
origin (pinned key and last checkpoint), so the next run can tell whether the
history was rewritten in between.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import stat
import sys
import time
import urllib.error
import urllib.request
import zlib
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from confederal import __version__
from confederal.ledger import (
    DEFAULT_MAX_ENTRIES,
    AuditFailure,
    AuditReport,
    Failure,
    FetchError,
    NoteError,
    Verifier,
    audit_ledger,
    parse_checkpoint,
    parse_note,
)

__all__ = ["EXIT_CODES", "add_arguments", "default_state_dir", "run"]

EXIT_CODES: dict[Failure, int] = {
    Failure.FETCH: 3,
    Failure.WRONG_KEY: 10,
    Failure.BAD_SIGNATURE: 11,
    Failure.MALFORMED_CHECKPOINT: 12,
    Failure.MALFORMED_ENTRY: 13,
    Failure.ENTRY_ALTERED: 14,
    Failure.ENTRY_MISSING: 15,
    Failure.ENTRIES_REORDERED: 16,
    Failure.WRONG_ROOT: 17,
    Failure.INCONSISTENT_HISTORY: 18,
    Failure.ORIGIN_CHANGED: 19,
    Failure.TOO_LARGE: 4,
}
EXIT_USAGE = 2
MAX_RESPONSE_BYTES = 32 << 20

EPILOG = """exit status:
  0   every check passed
  2   the command was used wrongly (bad key, no key for a directory, …)
  3   a file could not be fetched
  4   the ledger is larger than --max-entries
  10  the checkpoint is not signed by the key you trust (wrong key)
  11  the checkpoint's signature does not verify (bad signature)
  12  the checkpoint is malformed
  13  an entry is malformed
  14  an entry was altered
  15  an entry is missing (dropped)
  16  entries are out of order (reordered)
  17  the entries do not add up to the signed root (wrong root)
  18  the history is inconsistent with the checkpoint seen before (fork or rollback)
  19  the address now presents a different ledger than it did before
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("target", help="the ledger's URL prefix (as shown on its page) or a directory holding a copy")
    parser.add_argument("--key", help="the ledger's verifier key (name+id+key); pinned for next time")
    parser.add_argument(
        "--state-dir",
        type=Path,
        default=None,
        help="where pinned keys and last-seen checkpoints are kept (default: $XDG_STATE_HOME/confederal)",
    )
    parser.add_argument(
        "--forget", action="store_true", help="forget the pinned key and checkpoint for this ledger first"
    )
    parser.add_argument("--no-remember", action="store_true", help="do not store what was seen this time")
    parser.add_argument(
        "--timeout", type=_positive_seconds, default=30.0, help="seconds each HTTP request may take (default 30)"
    )
    parser.add_argument(
        "--max-entries",
        type=int,
        default=DEFAULT_MAX_ENTRIES,
        help=f"refuse ledgers larger than this; every entry is held in memory (default {DEFAULT_MAX_ENTRIES:,})",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="print only failures")


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0 < value <= 3600:
        raise argparse.ArgumentTypeError("give a number of seconds between 0 and 3600")
    return value


def default_state_dir() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "confederal"


Reader = Callable[[str], bytes]


def http_reader(prefix: str, timeout: float) -> Reader:
    def read(path: str) -> bytes:
        url = f"{prefix}/{path}"
        request = urllib.request.Request(
            url, headers={"Accept-Encoding": "gzip, identity", "User-Agent": f"confederal-verify/{__version__}"}
        )
        deadline = time.monotonic() + timeout
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                encoding: str = response.headers.get("Content-Encoding", "")
                # The socket timeout bounds each read; the deadline bounds the whole
                # request, so a server trickling bytes cannot hold the check for hours.
                chunks, received = [], 0
                while received <= MAX_RESPONSE_BYTES:
                    chunk = response.read(1 << 16)
                    if not chunk:
                        break
                    chunks.append(chunk)
                    received += len(chunk)
                    if time.monotonic() > deadline:
                        raise FetchError(url, f"it took longer than {timeout:g} seconds")
                data = b"".join(chunks)
        except urllib.error.HTTPError as exc:
            raise FetchError(url, f"the server answered {exc.code} {exc.reason}", missing=exc.code == 404) from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise FetchError(url, f"cannot reach it ({reason})") from exc
        if len(data) > MAX_RESPONSE_BYTES:
            raise FetchError(url, "the response is larger than any ledger file can be")
        if encoding == "gzip":
            data = _gunzip(url, data)
        return data

    return read


def _gunzip(url: str, data: bytes) -> bytes:
    # Bounded, so a small response cannot expand into more than any ledger file can be.
    inflater = zlib.decompressobj(wbits=31)
    try:
        out = inflater.decompress(data, MAX_RESPONSE_BYTES + 1)
    except zlib.error as exc:
        raise FetchError(url, "the compressed response is corrupt") from exc
    if len(out) > MAX_RESPONSE_BYTES or inflater.unconsumed_tail:
        raise FetchError(url, "the response is larger than any ledger file can be")
    if not inflater.eof:
        raise FetchError(url, "the compressed response is cut short")
    if inflater.unused_data:
        raise FetchError(url, "the compressed response has data after its end")
    return out


def directory_reader(root: Path) -> Reader:
    def read(path: str) -> bytes:
        file = root / path
        try:
            info = file.stat()
            if not stat.S_ISREG(info.st_mode):
                raise FetchError(str(file), "not a regular file")
            if info.st_size > MAX_RESPONSE_BYTES:
                raise FetchError(str(file), "larger than any ledger file can be")
            with file.open("rb") as f:
                return f.read(MAX_RESPONSE_BYTES)
        except FileNotFoundError as exc:
            raise FetchError(str(file), "no such file", missing=True) from exc
        except OSError as exc:
            raise FetchError(str(file), exc.strerror or str(exc)) from exc

    return read


def _fetch_published_key(prefix: str, timeout: float) -> str | None:
    request = urllib.request.Request(
        prefix + "/", headers={"Accept": "application/json", "User-Agent": f"confederal-verify/{__version__}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            info = json.loads(response.read(1 << 20))
    except (urllib.error.URLError, OSError, ValueError):
        return None
    key = info.get("verifier_key") if isinstance(info, dict) else None
    return key if isinstance(key, str) else None


class _State:
    """What this machine saw of each ledger, one small JSON file per origin."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _file(self, origin: str) -> Path:
        return self.root / "ledgers" / (hashlib.sha256(origin.encode()).hexdigest()[:32] + ".json")

    def load(self, origin: str) -> dict[str, str] | None:
        try:
            data = json.loads(self._file(origin).read_text())
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            raise SystemExit(f"confederal verify: cannot read {self._file(origin)}: {exc}") from exc
        return data if isinstance(data, dict) and data.get("origin") == origin else None

    def remember(self, origin: str, verifier_key: str, note: str, source: str) -> None:
        file = self._file(origin)
        file.parent.mkdir(parents=True, exist_ok=True)
        record = {
            "origin": origin,
            "verifier_key": verifier_key,
            "checkpoint": note,
            "source": source,
            "verified_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        tmp = file.with_suffix(".tmp")
        tmp.write_text(json.dumps(record, indent=2) + "\n")
        tmp.replace(file)

    def forget(self, origin: str) -> None:
        self._file(origin).unlink(missing_ok=True)

    def _target_file(self, target: str) -> Path:
        return self.root / "addresses" / (hashlib.sha256(target.encode()).hexdigest()[:32] + ".json")

    def origin_at(self, target: str) -> str | None:
        """Return the origin this address presented when it last passed, if it ever did."""
        try:
            data = json.loads(self._target_file(target).read_text())
        except (OSError, ValueError):
            return None
        origin = data.get("origin") if isinstance(data, dict) and data.get("target") == target else None
        return origin if isinstance(origin, str) else None

    def remember_origin(self, target: str, origin: str) -> None:
        file = self._target_file(target)
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(json.dumps({"target": target, "origin": origin}) + "\n")

    def forget_target(self, target: str) -> None:
        self._target_file(target).unlink(missing_ok=True)

    def keep_evidence(self, origin: str, notes: tuple[str, ...]) -> Path:
        folder = self.root / "evidence"
        folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        file = folder / f"{hashlib.sha256(origin.encode()).hexdigest()[:16]}-{stamp}.txt"
        header = f"Two signed checkpoints of {origin} that cannot both be true.\n\n"
        file.write_text(header + "\n".join(f"--- checkpoint {i + 1} ---\n{n}" for i, n in enumerate(notes)))
        return file


def _say(quiet: bool, text: str) -> None:
    if not quiet:
        print(text)


def run(args: argparse.Namespace) -> int:
    return check(args)[0]


def check(args: argparse.Namespace) -> tuple[int, AuditReport | None]:
    """Verify the ledger at ``args.target``: the exit code, and the report (with the entries) when all passed."""
    target: str = args.target
    quiet: bool = args.quiet
    state = _State(args.state_dir or default_state_dir())

    if target.startswith(("http://", "https://")):
        parts = urlsplit(target)
        if not parts.netloc or parts.query or parts.fragment:
            print(f"confederal verify: {target!r} is not a ledger URL prefix.", file=sys.stderr)
            return EXIT_USAGE, None
        # People paste what they have: the page, the prefix, or the checkpoint's own URL.
        prefix = target.rstrip("/").removesuffix("/checkpoint")
        target = prefix
        read = http_reader(prefix, args.timeout)
    else:
        root = Path(target)
        if not root.is_dir():
            print(
                f"confederal verify: {target!r} is neither an http(s) URL nor a directory.",
                file=sys.stderr,
            )
            return EXIT_USAGE, None
        prefix = ""
        target = str(root.resolve())
        read = directory_reader(root)

    # Read the checkpoint once and hand the same bytes to the audit, so the
    # origin used to find the pinned state is the one that gets verified.
    try:
        checkpoint_bytes = read("checkpoint")
    except FetchError as exc:
        print(f"✗ Could not fetch {exc.path}: {exc.reason}.", file=sys.stderr)
        return EXIT_CODES[Failure.FETCH], None
    try:
        origin = parse_checkpoint(parse_note(checkpoint_bytes).text).origin
    except (NoteError, ValueError) as exc:
        print(f"✗ The checkpoint is malformed: {exc}", file=sys.stderr)
        return EXIT_CODES[Failure.MALFORMED_CHECKPOINT], None

    if args.forget:
        state.forget(origin)
        previous_origin = state.origin_at(target)
        if previous_origin:
            state.forget(previous_origin)
        state.forget_target(target)
    previous_origin = state.origin_at(target)
    if previous_origin is not None and previous_origin != origin:
        # A ledger does not change its name. A new name with a new key would
        # otherwise pass as a first contact and hide a rewritten history.
        print(
            f"✗ When you last checked {target} it served the ledger {previous_origin}; it now presents {origin}. "
            "Treat this as a rewritten history. If you know why the name changed, run again with --forget.",
            file=sys.stderr,
        )
        return EXIT_CODES[Failure.ORIGIN_CHANGED], None
    seen = state.load(origin)

    key_text: str | None = args.key
    if key_text is not None and seen is not None and seen["verifier_key"] != key_text:
        print(
            f"✗ You gave the key {key_text}, but {seen['verifier_key']} was pinned for {origin} "
            f"on {seen['verified_at']}. If the ledger's key really changed, run again with --forget.",
            file=sys.stderr,
        )
        return EXIT_CODES[Failure.WRONG_KEY], None
    trust_note = None
    if key_text is None and seen is not None:
        key_text = seen["verifier_key"]
    if key_text is None:
        if not prefix:
            print("confederal verify: give the ledger's verifier key with --key to check a directory.", file=sys.stderr)
            return EXIT_USAGE, None
        key_text = _fetch_published_key(prefix, args.timeout)
        if key_text is None:
            print(
                f"confederal verify: {prefix} does not publish its key; give it with --key.",
                file=sys.stderr,
            )
            return EXIT_USAGE, None
        trust_note = (
            f"  First time checking this ledger: trusting the key it publishes, {key_text}.\n"
            "  Compare it with the key your assembly published elsewhere; it is pinned from now on."
        )
        served_as = prefix.split("://", 1)[1]
        if served_as != origin:
            trust_note += f"\n  Note: the ledger calls itself {origin} but is served at {served_as}."
    try:
        key = Verifier.from_vkey(key_text)
    except NoteError as exc:
        print(f"confederal verify: the key {key_text!r} is not a verifier key: {exc.message}", file=sys.stderr)
        return EXIT_USAGE, None

    def cached(path: str) -> bytes:
        return checkpoint_bytes if path == "checkpoint" else read(path)

    progress = None
    if sys.stderr.isatty() and not quiet:

        def progress(stage: str, done: int, total: int) -> None:
            if done == total or done % 64 == 0:
                end = "\n" if done == total else ""
                print(f"\r  reading {stage}: {done}/{total}", end=end, file=sys.stderr, flush=True)

    _say(quiet, f"Checking ledger {origin}")
    if trust_note:
        # Trusting a key on first contact is a decision the user must see, even with --quiet.
        print(trust_note, file=sys.stderr if quiet else sys.stdout)
    try:
        report = audit_ledger(cached, key, seen["checkpoint"] if seen else None, progress, args.max_entries)
    except AuditFailure as failure:
        print(f"✗ {failure.message}", file=sys.stderr)
        if failure.evidence:
            kept = state.keep_evidence(origin, failure.evidence)
            print(f"  Both signed checkpoints are saved in {kept}.", file=sys.stderr)
        return EXIT_CODES[failure.failure], None
    for line in report.passed:
        _say(quiet, f"✓ {line}")
    if not args.no_remember:
        state.remember(origin, key.vkey, report.note, target)
        state.remember_origin(target, origin)
    if args.no_remember:
        ending = "Nothing was remembered (--no-remember)."
    elif seen is None:
        ending = "What you saw is remembered: the next check will show whether its history was rewritten."
    else:
        ending = f"Its history has not been rewritten since you last checked ({seen['verified_at']})."
    _say(quiet, f"All checks passed: the ledger holds {report.checkpoint.size} entries. {ending}")
    return 0, report
