"""tlog-tiles paths, widths, bundles and node hashes read back out of tiles, without a database."""

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lifecycle import merkle
from lifecycle.tiles import (
    TILE_WIDTH,
    TileError,
    TileNodes,
    bundle_encode,
    index_path,
    parse_path,
    tile_path,
    tiles_for,
)


def test_index_is_written_in_three_digit_groups_prefixed_with_x():
    assert index_path(1234067) == "x001/x234/067"
    assert index_path(0) == "000"
    assert index_path(999) == "999"
    assert index_path(1000) == "x001/000"


def test_partial_tiles_and_bundles_carry_their_width():
    assert tile_path(0, 5) == "tile/0/005"
    assert tile_path(2, 1234067, 17) == "tile/2/x001/x234/067.p/17"
    assert tile_path("entries", 0, 3) == "tile/entries/000.p/3"


@pytest.mark.parametrize(
    "path",
    [
        "tile/0/5",  # not zero-padded
        "tile/00/005",  # level with a leading zero
        "tile/64/000",  # level above 63
        "tile/0/000.p/256",  # a partial tile is narrower than a full one
        "tile/0/000.p/0",
        "tile/0/000.p/07",
        "tile/0/x000/005",  # a second spelling of tile 5
        "tile/0/001/002",  # inner groups need their x
        "tile/entries/abc",
        "tile/0/000\n",  # a trailing newline, which `$` would have let through
        "tile/0/" + "x001/" * 1500 + "000",  # more digits than int() takes
    ],
)
def test_non_canonical_paths_are_refused(path):
    with pytest.raises(TileError):
        parse_path(path)


@given(
    level=st.one_of(st.just("entries"), st.integers(0, 63)),
    index=st.integers(0, 2**56),
    width=st.integers(1, 256),
)
def test_every_written_path_parses_back(level, index, width):
    assert parse_path(tile_path(level, index, width)) == (level, index, width)


def test_a_tree_of_70000_has_the_tiles_the_spec_lists():
    tiles = list(tiles_for(70_000))
    level0 = [t for t in tiles if t[0] == 0]
    assert len([t for t in level0 if t[2] == TILE_WIDTH]) == 273
    assert (0, 273, 112) in level0
    assert [t for t in tiles if t[0] == 1] == [(1, 0, 256), (1, 1, 17)]
    assert [t for t in tiles if t[0] == 2] == [(2, 0, 1)]


def test_a_tree_of_256_has_one_full_tile_and_a_partial_one_above():
    assert list(tiles_for(256)) == [(0, 0, 256), (1, 0, 1)]


def test_only_tiles_changed_since_the_last_size_are_listed():
    assert list(tiles_for(600, since=300)) == [(0, 1, 256), (0, 2, 88), (1, 0, 2)]
    assert list(tiles_for(0)) == []
    # Level 1 still holds one hash at 310 leaves: its partial tile is the one written for 300.
    assert list(tiles_for(310, since=300)) == [(0, 1, 54)]
    assert list(tiles_for(300, since=300)) == []


def test_bundle_entries_carry_a_big_endian_length():
    assert bundle_encode([b"ab", b""]) == b"\x00\x02ab\x00\x00"
    with pytest.raises(TileError):
        bundle_encode([b"x" * 65536])


@given(size=st.integers(1, 1500), data=st.data())
def test_node_hashes_read_from_tiles_match_the_tree(size, data):
    tree = merkle.MemoryTree()
    for i in range(size):
        tree.append(hashlib.sha256(str(i).encode()).digest())
    tiles = {}
    for level, index, width in tiles_for(size):
        base = index * TILE_WIDTH
        tiles[(level, index)] = b"".join(tree.nodes[(level * 8, base + i)] for i in range(width))
    nodes = TileNodes(lambda level, index: tiles[(level, index)])
    index = data.draw(st.integers(0, size - 1))
    second = data.draw(st.integers(1, size))
    assert merkle.inclusion_proof(index, size, nodes) == tree.inclusion_proof(index, size)
    assert merkle.root(second, nodes) == tree.root(second)
    assert merkle.consistency_proof(second, size, nodes) == tree.consistency_proof(second, size)
