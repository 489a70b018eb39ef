"""Canonical JSON under the ledger's strict profile.

An entry is stored and hashed as the exact bytes of one JSON object in RFC 8785
(JCS) canonical form. Inside the profile below, orjson with sorted keys emits
exactly the JCS bytes (the test suite checks this against the ``rfc8785``
package), so the fast encoder can be used everywhere:

* no floats (JCS and Python disagree on ``1.0`` and exponents): money is
  integer minor units, decimals are strings;
* integers within ±(2**53 - 1), the range every JSON reader keeps exact;
* keys are short ASCII identifiers, so UTF-16 (JCS) and byte (orjson) key
  orders agree;
* strings are NFC-normalised, so two spellings of one text cannot give two
  different hashes;
* an encoded entry is at most 65,535 bytes, the most a tlog-tiles entry
  bundle can frame (a uint16 length). Larger documents go in blobs referenced
  by digest.

Verifiers reject any entry whose bytes are not ``canonical(parse(bytes))``.
"""

from __future__ import annotations

import re
import unicodedata
from typing import TypeAlias

import orjson

from ._errors import EntryError

__all__ = [
    "MAX_DEPTH",
    "MAX_ENTRY_BYTES",
    "MAX_SAFE_INTEGER",
    "JSONObject",
    "JSONValue",
    "canonical_json",
    "parse_canonical_json",
]

JSONValue: TypeAlias = "bool | int | str | list[JSONValue] | dict[str, JSONValue] | None"
JSONObject: TypeAlias = "dict[str, JSONValue]"

MAX_ENTRY_BYTES = 65_535
MAX_SAFE_INTEGER = 2**53 - 1
# Deep nesting has no use in a public record and would let a peer exhaust the
# verifier's stack.
MAX_DEPTH = 32

# camelCase for W3C Data Integrity proofs, '@' for JSON-LD contexts, ':' for
# prefixed names; all ASCII, so every encoder sorts them the same way.
_KEY = re.compile(r"[A-Za-z0-9@_.:-]{1,128}\Z")
_SURROGATE = re.compile("[\ud800-\udfff]")


def canonical_json(value: JSONObject) -> bytes:
    """Return the canonical bytes of ``value``, an object within the profile.

    Raises:
        EntryError: ``value`` breaks the profile or encodes to more than
            ``MAX_ENTRY_BYTES``.
    """
    if not isinstance(value, dict):
        raise EntryError("not_an_object", "An entry must be a JSON object.")
    _check_value(value, "$", 0)
    data = orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    if len(data) > MAX_ENTRY_BYTES:
        raise EntryError(
            "too_large",
            "The entry is {size} bytes; the most a ledger entry may hold is {limit} bytes. "
            "Store large documents as a blob and put its digest in the entry.",
            size=len(data),
            limit=MAX_ENTRY_BYTES,
        )
    return data


def parse_canonical_json(data: bytes) -> JSONObject:
    """Parse ``data`` and return the object, requiring canonical bytes.

    Raises:
        EntryError: the bytes are too large, not JSON, outside the profile, or
            JSON that is not in canonical form (whitespace, key order,
            escaping, duplicate keys, number spelling).
    """
    if len(data) > MAX_ENTRY_BYTES:
        raise EntryError(
            "too_large",
            "The entry is {size} bytes; the most a ledger entry may hold is {limit} bytes.",
            size=len(data),
            limit=MAX_ENTRY_BYTES,
        )
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise EntryError("malformed_json", "The entry is not valid JSON: {detail}.", detail=str(exc)) from exc
    if not isinstance(value, dict):
        raise EntryError("not_an_object", "An entry must be a JSON object.")
    _check_value(value, "$", 0)
    if orjson.dumps(value, option=orjson.OPT_SORT_KEYS) != data:
        raise EntryError(
            "not_canonical", "The entry is JSON but not in canonical form: {why}.", why=_why_not_canonical(data)
        )
    return value


def _check_value(value: object, path: str, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise EntryError(
            "too_deep", "The entry nests deeper than {limit} levels at {path}.", limit=MAX_DEPTH, path=path
        )
    if value is None or isinstance(value, bool):
        return
    if isinstance(value, int):
        if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            raise EntryError(
                "unsafe_integer",
                "The number at {path} is outside ±(2^53 − 1); write it as a string.",
                path=path,
            )
        return
    if isinstance(value, float):
        raise EntryError(
            "float",
            "The number at {path} has a fraction or exponent; ledger entries hold whole numbers only "
            "(write money in minor units and decimals as strings).",
            path=path,
        )
    if isinstance(value, str):
        _check_string(value, path)
        return
    if isinstance(value, list):
        for i, item in enumerate(value):
            _check_value(item, f"{path}[{i}]", depth + 1)
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str) or not _KEY.match(key):
                raise EntryError(
                    "bad_key",
                    "The key {key!r} at {path} is not allowed: keys are 1–128 ASCII letters, digits or @ _ . : -.",
                    key=key,
                    path=path,
                )
            _check_value(item, f"{path}.{key}", depth + 1)
        return
    raise EntryError("bad_type", "The value at {path} is not JSON ({type}).", path=path, type=type(value).__name__)


def _check_string(value: str, path: str) -> None:
    if _SURROGATE.search(value):
        raise EntryError("lone_surrogate", "The text at {path} contains an unpaired surrogate.", path=path)
    if not unicodedata.is_normalized("NFC", value):
        raise EntryError(
            "not_nfc",
            "The text at {path} is not in Unicode normal form C; normalise it before writing.",
            path=path,
        )


def _why_not_canonical(data: bytes) -> str:
    # Only reached on the failure path, so a slow second parse is fine.
    import json

    seen_duplicate = []

    def pairs(items: list[tuple[str, object]]) -> dict[str, object]:
        keys = [k for k, _ in items]
        if len(set(keys)) != len(keys):
            seen_duplicate.append(next(k for k in keys if keys.count(k) > 1))
        return dict(items)

    json.loads(data, object_pairs_hook=pairs)
    if seen_duplicate:
        return f"the key {seen_duplicate[0]!r} appears twice"
    return "whitespace, key order, string escapes or number spelling differ from the canonical encoding"
