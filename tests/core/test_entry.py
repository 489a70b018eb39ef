"""The entry envelope and did:key identities."""

import dataclasses

import pytest

from confederal.ledger import Entry, EntryError, decode_entry, did_key, encode_entry, leaf_hash

AUTHOR = did_key(bytes(range(32)))


def _entry(**changes) -> Entry:
    base = {
        "log": "node.example/ledgers/food-hub",
        "seq": 1,
        "prev": leaf_hash(b"first"),
        "time": "2026-11-02T19:30:00Z",
        "kind": "decision",
        "author": AUTHOR,
        "body": {"title": "Buy a second freezer", "amount": {"currency": "EUR", "minor": 125000}},
    }
    return Entry(**{**base, **changes})


def _b58decode(text: str) -> bytes:
    alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
    number = 0
    for ch in text:
        number = number * 58 + alphabet.index(ch)
    return number.to_bytes((number.bit_length() + 7) // 8, "big")


def test_did_key_matches_a_published_ed25519_did_document():
    # openwallet-foundation/acapy aries_cloudagent/did/tests/test_dids.py:
    # did:key:z6MkmjY8GnV5i9YTDtPETC2uUAW6ejw3nk5mXF5yci5ab7th has publicKeyBase58 8HH5gY…u7K.
    public_key = _b58decode("8HH5gYEeNc3z7PYXmd54d4x6qAfCNrqQqEB3nS7Zfu7K")
    assert did_key(public_key) == "did:key:z6MkmjY8GnV5i9YTDtPETC2uUAW6ejw3nk5mXF5yci5ab7th"


def test_an_entry_round_trips_through_its_canonical_bytes():
    entry = _entry()
    data = encode_entry(entry)
    assert data.startswith(b'{"author":"did:key:z6Mk')
    assert decode_entry(data) == entry
    first = _entry(seq=0, prev=None)
    assert decode_entry(encode_entry(first)) == first


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"seq": -1}, "bad_seq"),
        ({"seq": 0}, "bad_prev"),
        ({"prev": None}, "bad_prev"),
        ({"prev": b"short"}, "bad_prev"),
        ({"kind": "Decision"}, "bad_kind"),
        ({"kind": "decision..x"}, "bad_kind"),
        ({"time": "2026-11-02 19:30:00"}, "bad_time"),
        ({"time": "2026-13-02T19:30:00Z"}, "bad_time"),
        ({"author": "alice"}, "bad_author"),
        ({"body": []}, "bad_body"),
        ({"log": ""}, "bad_log"),
    ],
)
def test_a_malformed_envelope_is_refused(changes, code):
    with pytest.raises(EntryError) as err:
        _entry(**changes)
    assert err.value.code == code


def test_decoding_refuses_missing_and_unknown_fields():
    good = _entry().to_json()
    from confederal.ledger import canonical_json

    with pytest.raises(EntryError, match="missing: kind"):
        decode_entry(canonical_json({k: v for k, v in good.items() if k != "kind"}))
    with pytest.raises(EntryError, match="unexpected: extra"):
        decode_entry(canonical_json({**good, "extra": 1}))
    with pytest.raises(EntryError) as err:
        decode_entry(canonical_json({**good, "prev": "AAAB"}))
    assert err.value.code == "bad_prev"
    with pytest.raises(EntryError) as err:
        decode_entry(canonical_json({**good, "v": True}))
    assert err.value.code == "bad_version"


def test_an_entry_too_large_for_a_tile_bundle_is_refused():
    with pytest.raises(EntryError) as err:
        encode_entry(_entry(body={"minutes": "x" * 70_000}))
    assert err.value.code == "too_large"


def test_entries_are_frozen_values():
    with pytest.raises(dataclasses.FrozenInstanceError):
        _entry().seq = 5  # type: ignore[misc]
