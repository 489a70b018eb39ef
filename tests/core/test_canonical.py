"""Canonical JSON under the ledger profile, with rfc8785 (RFC 8785 JCS) as the oracle."""

import unicodedata

import pytest
import rfc8785
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from confederal.ledger import MAX_ENTRY_BYTES, MAX_SAFE_INTEGER, EntryError, canonical_json, parse_canonical_json

keys = st.from_regex(r"[A-Za-z0-9@_.:-]{1,12}", fullmatch=True)
texts = st.text(st.characters(blacklist_categories=("Cs",)), max_size=20).map(lambda s: unicodedata.normalize("NFC", s))
scalars = st.none() | st.booleans() | st.integers(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER) | texts
values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4), max_leaves=20
)
objects = st.dictionaries(keys, values, max_size=6)


@pytest.mark.slow
# Deeply nested values are slow to generate on a loaded machine; that is the generator, not the check.
@settings(max_examples=500, suppress_health_check=[HealthCheck.too_slow])
@given(objects)
def test_inside_the_profile_our_bytes_are_exactly_rfc8785s(value):
    data = canonical_json(value)
    assert data == rfc8785.dumps(value)
    assert parse_canonical_json(data) == value


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ({"a": 1.5}, "float"),
        ({"a": 1.0}, "float"),
        ({"a": MAX_SAFE_INTEGER + 1}, "unsafe_integer"),
        ({"a": -MAX_SAFE_INTEGER - 1}, "unsafe_integer"),
        ({"A key": 1}, "bad_key"),
        ({"é": 1}, "bad_key"),
        ({"": 1}, "bad_key"),
        ({"a": "e\u0301"}, "not_nfc"),
        ({"a": "\ud800"}, "lone_surrogate"),
        ({"a": b"bytes"}, "bad_type"),
        ({"a": "x" * MAX_ENTRY_BYTES}, "too_large"),
        ([1, 2], "not_an_object"),
    ],
)
def test_values_outside_the_profile_are_refused_with_their_reason(value, code):
    with pytest.raises(EntryError) as err:
        canonical_json(value)
    assert err.value.code == code


def test_deep_nesting_is_refused_before_it_can_exhaust_the_stack():
    value: dict = {"a": None}
    for _ in range(40):
        value = {"a": value}
    with pytest.raises(EntryError) as err:
        canonical_json(value)
    assert err.value.code == "too_deep"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b'{"a":1, "b":2}', "not_canonical"),
        (b'{"b":1,"a":2}', "not_canonical"),
        (b'{"a":"\\u0041"}', "not_canonical"),
        (b'{"a":1,"a":1}', "not_canonical"),
        (b'{"a":-0}', "not_canonical"),
        (b'{"a":1e2}', "float"),
        (b'{"a":1.0}', "float"),
        (b'{"a":9007199254740993}', "unsafe_integer"),
        (b'{"a":1}x', "malformed_json"),
        (b'{"a":', "malformed_json"),
        (b'{"a":"\xff"}', "malformed_json"),
        (b'\xef\xbb\xbf{"a":1}', "malformed_json"),
        (b'{"a":"\\ud800"}', "malformed_json"),
        (b"[1]", "not_an_object"),
        (b'{"a":"' + b"x" * MAX_ENTRY_BYTES + b'"}', "too_large"),
    ],
)
def test_non_canonical_or_malformed_bytes_are_rejected_with_their_reason(data, code):
    with pytest.raises(EntryError) as err:
        parse_canonical_json(data)
    assert err.value.code == code


def test_a_duplicate_key_is_named_in_the_message():
    with pytest.raises(EntryError, match="'a' appears twice"):
        parse_canonical_json(b'{"a":1,"a":1}')
