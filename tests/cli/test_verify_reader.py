"""The HTTP reader behind `confederal verify` refuses what no ledger file can be."""

import gzip
import zlib

import pytest

from confederal.cli.verify import MAX_RESPONSE_BYTES, _gunzip
from confederal.ledger import FetchError

pytestmark = pytest.mark.nodb  # the reader's gzip checks: no node, no database


def test_it_inflates_an_honest_gzip_body():
    assert _gunzip("u", gzip.compress(b"entries" * 1000)) == b"entries" * 1000


def test_it_refuses_a_gzip_bomb_without_inflating_it_all():
    squeezer = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = b"\0" * (1 << 20)
    bomb = b"".join(squeezer.compress(chunk) for _ in range(MAX_RESPONSE_BYTES // len(chunk) + 8)) + squeezer.flush()
    assert len(bomb) < 100_000
    with pytest.raises(FetchError, match="larger than any ledger file"):
        _gunzip("u", bomb)


@pytest.mark.parametrize("data", [b"not gzip at all", gzip.compress(b"x" * 5000)[:-12]])
def test_it_refuses_corrupt_or_truncated_gzip(data):
    with pytest.raises(FetchError, match=r"corrupt|cut short"):
        _gunzip("u", data)
