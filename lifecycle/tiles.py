"""C2SP tlog-tiles: tile paths, widths, entry bundles, and node hashes read back out of tiles.

A tile at level L holds up to 256 consecutive hashes of tree level 8 * L; the levels between
are recomputed by hashing inside the tile. Paths follow the spec: `tile/<L>/<N>[.p/<W>]` and
`tile/entries/<N>[.p/<W>]`, with N written in 3-digit groups all but the last prefixed `x`.
No Django here: the writer and the readers in services/ supply the storage.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from lifecycle.verify import node_hash

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT
HASH_SIZE = 32
MAX_LEVEL = 63
# Entry bundles prefix each entry with a big-endian uint16 length.
MAX_ENTRY_SIZE = 0xFFFF

_INDEX = r"(?:x\d{3}/)*\d{3}"
PATH_RE = re.compile(
    rf"^tile/(?P<level>entries|0|[1-9]\d?)/(?P<index>{_INDEX})(?:\.p/(?P<width>[1-9]\d{{0,2}}))?$"
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
    """(level, index, width) of every tile of the tree of `size` not already final at `since`.

    Full tiles completed since the tree had `since` leaves, then the partial tile at each level
    (none when a level's count is a multiple of 256: empty tiles are never served).
    """
    level = 0
    while level_count(size, level) > 0:
        count = level_count(size, level)
        first = level_count(since, level) // TILE_WIDTH
        for index in range(first, count // TILE_WIDTH):
            yield level, index, TILE_WIDTH
        if count % TILE_WIDTH:
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


def subtree_hash(hashes: list[bytes]) -> bytes:
    """The hash of a perfect subtree over these (a power of two) consecutive node hashes."""
    while len(hashes) > 1:
        hashes = [node_hash(hashes[i], hashes[i + 1]) for i in range(0, len(hashes), 2)]
    return hashes[0]


TileFetch = Callable[[int, int], bytes]


class TileNodes:
    """A read-only mapping from complete node (level, index) to hash, computed from tiles.

    `fetch(tile_level, tile_index)` returns a tile's bytes, any width holding the hashes asked
    for; proofs and roots in lifecycle.merkle read nodes from it as from the node table.
    """

    def __init__(self, fetch: TileFetch, memo=None) -> None:
        self._fetch = fetch
        # Optional get/put store of hashes already computed (nodes never change).
        self._memo = memo

    def __getitem__(self, node: tuple[int, int]) -> bytes:
        if self._memo is not None:
            known = self._memo.get(node)
            if known is not None:
                return known
        value = self._compute(node)
        if self._memo is not None:
            self._memo.put(node, value)
        return value

    def _compute(self, node: tuple[int, int]) -> bytes:
        level, index = node
        tile_level, height = divmod(level, TILE_HEIGHT)
        first = index << height
        tile = self._fetch(tile_level, first // TILE_WIDTH)
        start = (first % TILE_WIDTH) * HASH_SIZE
        end = start + (HASH_SIZE << height)
        if len(tile) < end:
            raise KeyError(node)
        chunk = tile[start:end]
        return subtree_hash([chunk[i : i + HASH_SIZE] for i in range(0, len(chunk), HASH_SIZE)])
