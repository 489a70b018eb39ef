"""The C2SP ``tlog-tiles`` layout: how a ledger is cut into immutable files.

A hash tile at level L holds up to 256 hashes of perfect subtrees at tree
level 8·L; level 0 holds leaf hashes. An entry bundle holds up to 256 entries,
each prefixed by its length as a big-endian uint16. Tile N is written with its
index in 3-digit groups (``x001/x234/067`` for 1234067); a partial tile, the
ragged right edge of the tree, ends in ``.p/<width>``.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

from ._errors import TileError
from ._merkle import Subtree

__all__ = [
    "TILE_HEIGHT",
    "TILE_WIDTH",
    "TileRef",
    "count_hash_tiles",
    "decode_bundle",
    "encode_bundle",
    "entry_bundles_for_size",
    "hash_tiles_for_size",
    "parse_tile_path",
    "stored_range",
    "tile_files",
]

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT
MAX_LEVEL = 63

# Seven 3-digit groups reach 10^21, past any tree size (< 2^63); longer paths are refused
# before any number is parsed.
_PATH = re.compile(
    r"tile/(?P<level>entries|0|[1-9][0-9]?)/(?P<index>(?:x[0-9]{3}/){0,6}[0-9]{3})(?:\.p/(?P<width>[1-9][0-9]{0,2}))?\Z"
)


@dataclass(frozen=True)
class TileRef:
    """One tile: a hash tile at ``level``, or an entry bundle when ``entries`` is true."""

    level: int
    index: int
    width: int = TILE_WIDTH
    entries: bool = False

    def __post_init__(self) -> None:
        if not 0 <= self.level <= MAX_LEVEL or (self.entries and self.level != 0):
            raise TileError("bad_tile", "A tile level is between 0 and 63 (entry bundles are level 0).")
        if self.index < 0 or not 1 <= self.width <= TILE_WIDTH:
            raise TileError("bad_tile", "A tile has a non-negative index and a width from 1 to 256.")

    @property
    def full(self) -> bool:
        return self.width == TILE_WIDTH

    @property
    def path(self) -> str:
        """The tile's path below the ledger's URL prefix."""
        digits = f"{self.index:d}"
        digits = digits.zfill((len(digits) + 2) // 3 * 3)
        groups = [digits[i : i + 3] for i in range(0, len(digits), 3)]
        index = "/".join([*("x" + g for g in groups[:-1]), groups[-1]])
        level = "entries" if self.entries else str(self.level)
        suffix = "" if self.full else f".p/{self.width}"
        return f"tile/{level}/{index}{suffix}"

    def subtrees(self) -> list[Subtree]:
        """The perfect subtrees whose hashes a hash tile holds, in order."""
        first = self.index * TILE_WIDTH
        return [(self.level * TILE_HEIGHT, first + i) for i in range(self.width)]

    @property
    def first_entry(self) -> int:
        """For an entry bundle, the sequence number of its first entry."""
        return self.index * TILE_WIDTH


def parse_tile_path(path: str) -> TileRef:
    """Parse a tile path such as ``tile/0/x001/234.p/5`` or ``tile/entries/000``.

    Only the one canonical spelling of each tile is accepted.

    Raises:
        TileError: the path does not name a tile.
    """
    match = _PATH.match(path)
    if not match:
        raise TileError(
            "bad_tile_path",
            "{path!r} is not a tile path: expected tile/<level>/<index>[.p/<width>], "
            "with the index in 3-digit groups such as x001/234.",
            path=path,
        )
    level_text, width_text = match["level"], match["width"]
    index = int(match["index"].replace("x", "").replace("/", ""))
    width = int(width_text) if width_text else TILE_WIDTH
    if width_text and width >= TILE_WIDTH:
        raise TileError("bad_tile_path", "A partial tile's width is between 1 and 255.")
    entries = level_text == "entries"
    level = 0 if entries else int(level_text)
    if level > MAX_LEVEL:
        raise TileError("bad_tile_path", "A tile level is between 0 and 63.")
    tile = TileRef(level, index, width, entries)
    if tile.path != path:
        raise TileError("bad_tile_path", "{path!r} is not the canonical spelling of this tile.", path=path)
    return tile


def hash_tiles_for_size(size: int) -> Iterator[TileRef]:
    """Yield every hash tile, full and partial, of a tree of ``size`` leaves, level by level."""
    level = 0
    while size >> (TILE_HEIGHT * level):
        full, partial = divmod(size >> (TILE_HEIGHT * level), TILE_WIDTH)
        for n in range(full):
            yield TileRef(level, n)
        if partial:
            yield TileRef(level, full, partial)
        level += 1


def entry_bundles_for_size(size: int) -> Iterator[TileRef]:
    """Yield every entry bundle, full and partial, of a ledger of ``size`` entries."""
    full, partial = divmod(size, TILE_WIDTH)
    for n in range(full):
        yield TileRef(0, n, entries=True)
    if partial:
        yield TileRef(0, full, partial, entries=True)


def count_hash_tiles(size: int) -> int:
    """Return how many hash tiles :func:`hash_tiles_for_size` yields, without listing them."""
    count, level = 0, 0
    while size >> (TILE_HEIGHT * level):
        count += -(-(size >> (TILE_HEIGHT * level)) // TILE_WIDTH)
        level += 1
    return count


def stored_range(subtree: Subtree) -> tuple[int, int, int]:
    """Return ``(level, first, count)``: the tile-level hashes a perfect subtree is built from.

    Stores keep hashes only at levels 0, 8, 16, …; any perfect subtree in
    between is the root of ``count`` consecutive hashes one tile level down.
    """
    level, index = subtree
    stored_level = level - level % TILE_HEIGHT
    shift = level - stored_level
    return stored_level, index << shift, 1 << shift


def tile_files(entries: Sequence[bytes], hashes: Callable[[Sequence[Subtree]], Sequence[bytes]]) -> dict[str, bytes]:
    """Return every tile of a ledger holding ``entries``, by path: what a static mirror serves.

    ``hashes`` reads perfect subtree hashes of the same tree (for example ``TreeLevels.read``).
    """
    files = {}
    for bundle in entry_bundles_for_size(len(entries)):
        files[bundle.path] = encode_bundle(entries[bundle.first_entry : bundle.first_entry + bundle.width])
    for tile in hash_tiles_for_size(len(entries)):
        files[tile.path] = b"".join(hashes(tile.subtrees()))
    return files


def encode_bundle(entries: Iterable[bytes]) -> bytes:
    """Return the entries framed as a tlog-tiles entry bundle."""
    parts = []
    for entry in entries:
        if len(entry) > 0xFFFF:
            raise TileError("entry_too_large", "An entry in a bundle is at most 65,535 bytes.")
        parts.append(struct.pack(">H", len(entry)))
        parts.append(entry)
    return b"".join(parts)


def decode_bundle(data: bytes) -> list[bytes]:
    """Split an entry bundle into its entries.

    Raises:
        TileError: the framing is broken (a length runs past the end).
    """
    entries: list[bytes] = []
    pos, end = 0, len(data)
    while pos < end:
        if pos + 2 > end:
            raise TileError("bad_bundle", "The entry bundle ends in the middle of a length prefix.")
        (length,) = struct.unpack_from(">H", data, pos)
        pos += 2
        if pos + length > end:
            raise TileError("bad_bundle", "An entry in the bundle runs past its end.")
        entries.append(data[pos : pos + length])
        pos += length
        if len(entries) > TILE_WIDTH:
            raise TileError("bad_bundle", "The entry bundle holds more than 256 entries.")
    return entries
