"""Ledger entries: the envelope every record in a ledger shares.

An entry is one canonical JSON object::

    {"author": "did:key:z6Mk…", "body": {…}, "kind": "decision",
     "log": "<origin>", "prev": "<base64 leaf hash of seq-1>" | null,
     "seq": 17, "time": "2026-11-02T19:30:00Z", "v": 1}

``seq`` equals the entry's place in the ledger and ``prev`` chains it to the
one before, so a single entry read on its own still says where it belongs.
``time`` is the author's claim, not a trusted clock. ``kind`` names the record
type (``type`` is left free for ActivityStreams). An optional ``proof`` holds
an author's own signature when the author is not the ledger's keeper.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ._canonical import JSONObject, JSONValue, canonical_json, parse_canonical_json
from ._errors import EntryError
from ._merkle import HASH_SIZE

__all__ = [
    "ENTRY_VERSION",
    "Entry",
    "decode_entry",
    "did_key",
    "encode_entry",
    "format_time",
]

ENTRY_VERSION = 1

_KIND = re.compile(r"[a-z][a-z0-9_]{0,31}(\.[a-z][a-z0-9_]{0,31}){0,3}\Z")
_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?Z\Z")
_DID_KEY = re.compile(r"did:key:z[1-9A-HJ-NP-Za-km-z]{40,60}\Z")
_FIELDS = frozenset({"author", "body", "kind", "log", "prev", "seq", "time", "v", "proof"})

_BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_ED25519_PUB_MULTICODEC = b"\xed\x01"


def did_key(public_key: bytes) -> str:
    """Return the ``did:key`` identifier of an Ed25519 public key (multicodec 0xed, base58btc)."""
    if len(public_key) != 32:
        raise EntryError("bad_public_key", "An Ed25519 public key is 32 bytes.")
    data = _ED25519_PUB_MULTICODEC + public_key
    number = int.from_bytes(data, "big")
    digits = []
    while number:
        number, rem = divmod(number, 58)
        digits.append(_BASE58[rem])
    leading_zeros = len(data) - len(data.lstrip(b"\0"))
    return "did:key:z" + "1" * leading_zeros + "".join(reversed(digits))


def format_time(moment: datetime) -> str:
    """Return ``moment`` as the RFC 3339 UTC text an entry carries (whole seconds)."""
    if moment.tzinfo is None:
        raise EntryError("naive_time", "Entry times must carry a time zone.")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Entry:
    """One record in a ledger, with the fields that place it there."""

    log: str
    seq: int
    prev: bytes | None
    time: str
    kind: str
    author: str
    body: JSONObject = field(default_factory=dict)
    proof: JSONObject | None = None
    v: int = ENTRY_VERSION

    def __post_init__(self) -> None:
        if not isinstance(self.log, str) or not self.log:
            raise EntryError("bad_log", "An entry names the ledger it belongs to.")
        if not isinstance(self.seq, int) or isinstance(self.seq, bool) or self.seq < 0:
            raise EntryError("bad_seq", "An entry's seq is a non-negative whole number.")
        if (self.seq == 0) != (self.prev is None):
            raise EntryError("bad_prev", "Only the first entry has no previous entry.")
        if self.prev is not None and len(self.prev) != HASH_SIZE:
            raise EntryError("bad_prev", "An entry's prev is a 32-byte hash.")
        if not isinstance(self.kind, str) or not _KIND.match(self.kind):
            raise EntryError(
                "bad_kind",
                "{kind!r} is not a record kind: use lowercase words joined by dots, "
                "such as 'decision' or 'mandate.grant'.",
                kind=self.kind,
            )
        if not isinstance(self.time, str) or not _TIME.match(self.time) or not _valid_time(self.time):
            raise EntryError("bad_time", "An entry's time is an RFC 3339 UTC time such as 2026-11-02T19:30:00Z.")
        if not isinstance(self.author, str) or not _DID_KEY.match(self.author):
            raise EntryError("bad_author", "An entry's author is an Ed25519 did:key.")
        if not isinstance(self.body, dict):
            raise EntryError("bad_body", "An entry's body is a JSON object.")
        if self.proof is not None and not isinstance(self.proof, dict):
            raise EntryError("bad_proof", "An entry's proof is a JSON object.")
        if not isinstance(self.v, int) or isinstance(self.v, bool) or self.v != ENTRY_VERSION:
            raise EntryError("bad_version", "This software reads entry version {v} only.", v=ENTRY_VERSION)

    def to_json(self) -> JSONObject:
        value: JSONObject = {
            "author": self.author,
            "body": self.body,
            "kind": self.kind,
            "log": self.log,
            "prev": base64.b64encode(self.prev).decode("ascii") if self.prev is not None else None,
            "seq": self.seq,
            "time": self.time,
            "v": self.v,
        }
        if self.proof is not None:
            value["proof"] = self.proof
        return value


def _valid_time(text: str) -> bool:
    try:
        datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def encode_entry(entry: Entry) -> bytes:
    """Return the canonical bytes of an entry.

    Raises:
        EntryError: the body breaks the canonical JSON profile or the entry is too large.
    """
    return canonical_json(entry.to_json())


def decode_entry(data: bytes) -> Entry:
    """Parse and check an entry's bytes.

    Raises:
        EntryError: the bytes are not canonical JSON, or the envelope is malformed.
    """
    value = parse_canonical_json(data)
    unknown = set(value) - _FIELDS
    missing = (_FIELDS - {"proof"}) - set(value)
    if unknown or missing:
        raise EntryError(
            "bad_envelope",
            "The entry's fields are wrong (missing: {missing}; unexpected: {unknown}).",
            missing=", ".join(sorted(missing)) or "none",
            unknown=", ".join(sorted(unknown)) or "none",
        )
    prev_value: JSONValue = value["prev"]
    prev: bytes | None
    if prev_value is None:
        prev = None
    elif isinstance(prev_value, str):
        try:
            prev = base64.b64decode(prev_value, validate=True)
        except ValueError:
            raise EntryError("bad_prev", "An entry's prev is a base64 hash.") from None
        if base64.b64encode(prev).decode("ascii") != prev_value:
            raise EntryError("bad_prev", "An entry's prev is not canonical base64.")
    else:
        raise EntryError("bad_prev", "An entry's prev is a base64 hash or null.")
    return Entry(
        log=value["log"],  # type: ignore[arg-type]
        seq=value["seq"],  # type: ignore[arg-type]
        prev=prev,
        time=value["time"],  # type: ignore[arg-type]
        kind=value["kind"],  # type: ignore[arg-type]
        author=value["author"],  # type: ignore[arg-type]
        body=value["body"],  # type: ignore[arg-type]
        proof=value.get("proof"),  # type: ignore[arg-type]
        v=value["v"],  # type: ignore[arg-type]
    )
