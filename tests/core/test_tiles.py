"""C2SP tlog-tiles paths, tile sets and entry bundles."""

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from confederal import ledger

EXAMPLES = json.loads((Path(__file__).parent / "vectors" / "signed_note_example.json").read_text())["other"][
    "tlog_tiles_examples"
]


def test_it_encodes_the_index_in_three_digit_groups_like_the_spec():
    example = EXAMPLES["index_path_example"]
    assert ledger.TileRef(0, example["N"]).path == f"tile/0/{example['encoded']}"
    assert ledger.TileRef(0, 0).path == "tile/0/000"
    assert ledger.TileRef(2, 5, 17).path == "tile/2/005.p/17"
    assert ledger.TileRef(0, 1000, entries=True).path == "tile/entries/x001/000"


def test_a_tree_of_70000_has_the_tiles_the_spec_lists():
    expected = EXAMPLES["tree_size_70000"]
    tiles = list(ledger.hash_tiles_for_size(70_000))
    by_level = {level: [t for t in tiles if t.level == level] for level in {t.level for t in tiles}}
    assert sum(t.full for t in by_level[0]) == expected["full_level0_tiles"]
    assert [t.width for t in by_level[0] if not t.full] == [expected["partial_level0_width"]]
    assert sum(t.full for t in by_level[1]) == expected["full_level1_tiles"]
    assert [t.width for t in by_level[1] if not t.full] == [expected["partial_level1_width"]]
    assert [t.width for t in by_level[2]] == [expected["partial_level2_width"]]


def test_a_tree_of_256_has_one_full_tile_and_a_partial_level_one_tile():
    assert list(ledger.hash_tiles_for_size(256)) == [ledger.TileRef(0, 0), ledger.TileRef(1, 0, 1)]
    assert list(ledger.hash_tiles_for_size(0)) == []
    assert list(ledger.entry_bundles_for_size(257)) == [
        ledger.TileRef(0, 0, entries=True),
        ledger.TileRef(0, 1, 1, entries=True),
    ]


@given(st.integers(0, 3_000_000))
def test_the_tile_count_matches_the_tiles(size):
    assert ledger.count_hash_tiles(size) == sum(1 for _ in ledger.hash_tiles_for_size(size))


def test_listing_the_tiles_of_an_absurd_size_costs_nothing_until_read():
    tiles = ledger.hash_tiles_for_size(2**63 - 1)
    assert next(tiles) == ledger.TileRef(0, 0)


@given(st.integers(0, 10**12), st.integers(0, 63), st.integers(1, 256), st.booleans())
def test_every_tile_path_parses_back_to_its_tile(index, level, width, entries):
    tile = ledger.TileRef(0 if entries else level, index, width, entries)
    assert ledger.parse_tile_path(tile.path) == tile


@pytest.mark.parametrize(
    "path",
    [
        "tile/0/1",
        "tile/0/0001",
        "tile/0/x000/001",
        "tile/0/001/002",
        "tile/00/000",
        "tile/64/000",
        "tile/0/000.p/0",
        "tile/0/000.p/256",
        "tile/0/000.p/007",
        "tile/0/" + "x123/" * 7 + "123",
        "tile/0/" + "x123/" * 1500 + "123",
        "tile/data/000",
        "tile/entries/000.p/",
        "tile/0/../000",
        "tile/-1/000",
        "checkpoint",
    ],
)
def test_it_rejects_bad_tile_paths(path):
    with pytest.raises(ledger.TileError) as err:
        ledger.parse_tile_path(path)
    assert err.value.message


def test_bundles_frame_entries_with_a_uint16_length():
    entries = [b"", b"a", b"x" * 65_535]
    data = ledger.encode_bundle(entries)
    assert data[:2] == b"\x00\x00"
    assert ledger.decode_bundle(data) == entries
    with pytest.raises(ledger.TileError):
        ledger.encode_bundle([b"x" * 65_536])
    with pytest.raises(ledger.TileError, match="runs past"):
        ledger.decode_bundle(b"\x00\x05abc")
    with pytest.raises(ledger.TileError, match="length prefix"):
        ledger.decode_bundle(b"\x00")
