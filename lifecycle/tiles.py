"""C2SP tlog-tiles: tile paths, widths, entry bundles, and node hashes read back out of tiles.

A tile at level L holds up to 256 consecutive hashes of tree level 8 * L; the levels between
are recomputed by hashing inside the tile. Paths follow the spec: `tile/<L>/<N>[.p/<W>]` and
`tile/entries/<N>[.p/<W>]`, with N written in 3-digit groups all but the last prefixed `x`.
No Django here: the writer and the readers in services/ supply the storage.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from hashlib import sha256 as _sha256

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT
HASH_SIZE = 32
MAX_LEVEL = 63
# Entry bundles prefix each entry with a big-endian uint16 length.
MAX_ENTRY_SIZE = 0xFFFF

# At most seven groups (21 digits): indexes stay below 2**56, and int() is never handed the
# thousands of digits it refuses.
_INDEX = r"(?:x\d{3}/){0,6}\d{3}"
# ASCII digits only: \d alone would also match other scripts' digits, a second spelling.
PATH_RE = re.compile(
    rf"^tile/(?P<level>entries|0|[1-9]\d?)/(?P<index>{_INDEX})(?:\.p/(?P<width>[1-9]\d{{0,2}}))?\Z",
    re.ASCII,
)


class TileError(ValueError):
    """A tile path, width or entry that the tlog-tiles definition does not allow."""


def index_path(index: int) -> str:
    """N as zero-padded 3-digit path elements, all but the last prefixed with `x`."""
    if index < 0:
        raise TileError(f"tile index {index} is negative")
    groups = []
    while True:
        groups.append(f"{index % 1000:03d}")
        index //= 1000
        if index == 0:
            break
    groups.reverse()
    return "/".join([f"x{group}" for group in groups[:-1]] + groups[-1:])


def tile_path(level: int | str, index: int, width: int = TILE_WIDTH) -> str:
    """The path of a hash tile (level 0..63) or, for level "entries", of an entry bundle."""
    if level != "entries" and not (isinstance(level, int) and 0 <= level <= MAX_LEVEL):
        raise TileError(f"tile level {level!r} is not between 0 and {MAX_LEVEL}")
    if not 1 <= width <= TILE_WIDTH:
        raise TileError(f"tile width {width} is not between 1 and {TILE_WIDTH}")
    path = f"tile/{level}/{index_path(index)}"
    return path if width == TILE_WIDTH else f"{path}.p/{width}"


def parse_path(path: str) -> tuple[int | str, int, int]:
    """(level or "entries", index, width) of a tile path; TileError if it is not canonical."""
    match = PATH_RE.match(path)
    if match is None:
        raise TileError("not a tile path: tile/<L>/<N>[.p/<W>] or tile/entries/<N>[.p/<W>]")
    level = match["level"] if match["level"] == "entries" else int(match["level"])
    if level != "entries" and level > MAX_LEVEL:
        raise TileError(f"tile level {level} is above {MAX_LEVEL}")
    groups = match["index"].replace("x", "").split("/")
    # 000 may only stand alone: x000/001 would be a second spelling of tile 1.
    if len(groups) > 1 and groups[0] == "000":
        raise TileError("tile index has a leading zero group")
    if match["width"] is None:
        return level, int("".join(groups)), TILE_WIDTH
    width = int(match["width"])
    if width >= TILE_WIDTH:
        raise TileError(f"a partial tile width is between 1 and {TILE_WIDTH - 1}")
    return level, int("".join(groups)), width


def level_count(size: int, level: int) -> int:
    """How many hashes tree level 8 * level has in a tree of size leaves (complete ones only)."""
    return size >> (TILE_HEIGHT * level)


def tiles_for(size: int, since: int = 0) -> Iterator[tuple[int, int, int]]:
    """(level, index, width) of every tile of the tree of `size` not written for `since`.

    Full tiles completed since the tree had `since` leaves, then the partial tile at each level
    whose count has grown since (none when a level's count is a multiple of 256: empty tiles
    are never served). A level that has not grown keeps the partial tile written for `since`,
    the same path and bytes: writing it again would take it away from its readers meanwhile.
    """
    level = 0
    while level_count(size, level) > 0:
        count = level_count(size, level)
        before = level_count(since, level)
        for index in range(before // TILE_WIDTH, count // TILE_WIDTH):
            yield level, index, TILE_WIDTH
        if count % TILE_WIDTH and count != before:
            yield level, count // TILE_WIDTH, count % TILE_WIDTH
        level += 1


def bundle_encode(entries: list[bytes]) -> bytes:
    """An entry bundle: each entry after its big-endian uint16 length."""
    out = bytearray()
    for entry in entries:
        if len(entry) > MAX_ENTRY_SIZE:
            raise TileError(f"an entry of {len(entry)} bytes does not fit an entry bundle")
        out += len(entry).to_bytes(2, "big") + entry
    return bytes(out)


def tile_heights(tile: bytes) -> list[bytes]:
    """A tile's hashes at every height inside it: [the tile, their parents, ...] up to one.

    Height h holds the complete nodes over 2**h of the tile's hashes (a partial tile of width
    w has w >> h of them). Each pair is hashed straight from a 64-byte slice of the level
    below: RFC 9162's SHA-256(0x01 || left || right) with no list of hashes in between.
    """
    heights = [tile]
    pair = 2 * HASH_SIZE
    while len(below := heights[-1]) >= pair:
        end = len(below) - len(below) % pair
        heights.append(
            b"".join([_sha256(b"\x01" + below[i : i + pair]).digest() for i in range(0, end, pair)])
        )
    return heights


TileFetch = Callable[[int, int], bytes]


class TileNodes:
    """A read-only mapping from complete node (level, index) to hash, computed from tiles.

    `fetch(tile_level, tile_index)` returns a tile's bytes, any width holding the hashes asked
    for; proofs and roots in lifecycle.merkle read nodes from it as from the node table. Every
    height inside a tile is hashed at once, the first time any node of the tile is asked for:
    one inclusion proof needs the siblings of its leaf at all eight heights, which is nearly
    the whole tile anyway, and later proofs through the same tile then hash nothing.
    """

    def __init__(self, fetch: TileFetch, memo=None) -> None:
        self._fetch = fetch
        # Optional get/put store of tile heights by (tile level, tile index, bytes): a tile
        # of a given width never changes, so neither do the hashes inside it.
        self._memo = memo
        self._heights: dict[tuple[int, int], list[bytes]] = {}

    def __getitem__(self, node: tuple[int, int]) -> bytes:
        level, index = node
        tile_level, height = divmod(level, TILE_HEIGHT)
        tile_index, position = divmod(index, TILE_WIDTH >> height)
        heights = self._heights.get((tile_level, tile_index))
        if heights is None:
            heights = self._tile_heights(tile_level, tile_index)
        start = position * HASH_SIZE
        if height >= len(heights) or len(heights[height]) < start + HASH_SIZE:
            raise KeyError(node)
        return heights[height][start : start + HASH_SIZE]

    def _tile_heights(self, tile_level: int, tile_index: int) -> list[bytes]:
        tile = self._fetch(tile_level, tile_index)
        key = (tile_level, tile_index, len(tile))
        heights = self._memo.get(key) if self._memo is not None else None
        if heights is None:
            heights = tile_heights(tile)
            if self._memo is not None:
                self._memo.put(key, heights)
        self._heights[(tile_level, tile_index)] = heights
        return heights
