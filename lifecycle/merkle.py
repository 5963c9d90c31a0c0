"""RFC 9162 Merkle tree roots and proofs computed from stored complete-subtree hashes.

Node (level, index) is the hash of the perfect subtree over leaves [index * 2**level,
(index + 1) * 2**level). Only complete nodes are ever stored, so a node never changes once
written and the log stays append-only. Every function comes in two phases: a `*_plan` that
names the O(log n) nodes it needs, so the server can fetch them in one query, and the
computation over a mapping holding those nodes.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from lifecycle.verify import EMPTY_ROOT, leaf_hash, node_hash

NodeId = tuple[int, int]
Nodes = Mapping[NodeId, bytes]


def _split(width: int) -> int:
    """Largest power of two strictly below width (width >= 2), where RFC 9162 splits a tree."""
    return 1 << ((width - 1).bit_length() - 1)


def _subtrees(start: int, end: int) -> list[NodeId]:
    """The maximal aligned perfect subtrees covering leaves [start, end), left to right."""
    nodes: list[NodeId] = []
    while start < end:
        # The largest block inside the range (a power of two) that is aligned at start (at most
        # start's lowest set bit): the bit arithmetic in place of growing it one level at a time.
        level = (end - start).bit_length() - 1
        if start:
            level = min(level, (start & -start).bit_length() - 1)
        nodes.append((level, start >> level))
        start += 1 << level
    return nodes


def _fold(nodes: Nodes, ids: list[NodeId]) -> bytes:
    """MTH of a range whose subtrees shrink left to right, as every RFC 9162 subtree's do."""
    result = _get(nodes, ids[-1])
    for node in reversed(ids[:-1]):
        result = node_hash(_get(nodes, node), result)
    return result


def _get(nodes: Nodes, node: NodeId) -> bytes:
    try:
        return nodes[node]
    except KeyError:
        raise KeyError(f"node (level {node[0]}, index {node[1]}) was not supplied") from None


def _plan(ranges: list[tuple[int, int]]) -> list[NodeId]:
    seen: dict[NodeId, None] = {}
    for start, end in ranges:
        for node in _subtrees(start, end):
            seen[node] = None
    return list(seen)


def _check_size(size: int, what: str = "size") -> None:
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise ValueError(f"{what} must be a non-negative integer, got {size!r}")


def append_plan(index: int) -> list[NodeId]:
    """Stored left siblings needed to complete the parents of the leaf appended at index."""
    _check_size(index, "index")
    plan = []
    level = 0
    # Each time the new node is a right child, its parent completes and needs the left sibling.
    while (index >> level) & 1:
        plan.append((level, (index >> level) - 1))
        level += 1
    return plan


def append_nodes(index: int, leaf: bytes, nodes: Nodes) -> list[tuple[int, int, bytes]]:
    """Every node completed by appending leaf hash `leaf` at index: the leaf, then its parents."""
    _check_size(index, "index")
    if len(leaf) != 32:
        raise ValueError("leaf must be a 32-byte leaf hash")
    written = [(0, index, leaf)]
    current = leaf
    for level, sibling in append_plan(index):
        current = node_hash(_get(nodes, (level, sibling)), current)
        written.append((level + 1, (sibling + 1) >> 1, current))
    return written


def root_plan(size: int) -> list[NodeId]:
    """Nodes whose fold is the root of the tree of the first size leaves."""
    _check_size(size)
    return _subtrees(0, size)


def root(size: int, nodes: Nodes) -> bytes:
    """RFC 9162 MTH of the first size leaves (the SHA-256 of nothing for the empty tree)."""
    plan = root_plan(size)
    return _fold(nodes, plan) if plan else EMPTY_ROOT


def _inclusion_ranges(index: int, size: int) -> Iterator[tuple[int, int]]:
    """RFC 9162 section 2.1.3.1 PATH siblings, from the root downwards."""
    start, end = 0, size
    while end - start > 1:
        middle = start + _split(end - start)
        if index < middle:
            yield middle, end
            end = middle
        else:
            yield start, middle
            start = middle


def _check_inclusion(index: int, size: int) -> None:
    _check_size(size)
    _check_size(index, "index")
    if index >= size:
        raise ValueError(f"index {index} is not below tree size {size}")


def inclusion_plan(index: int, size: int) -> list[NodeId]:
    """Nodes needed for the inclusion proof of leaf index in the tree of size leaves."""
    _check_inclusion(index, size)
    return _plan(list(_inclusion_ranges(index, size)))


def inclusion_proof(index: int, size: int, nodes: Nodes) -> list[bytes]:
    """RFC 9162 inclusion proof (PATH) of leaf index in the tree of size leaves."""
    _check_inclusion(index, size)
    ranges = list(_inclusion_ranges(index, size))
    return [_fold(nodes, _subtrees(start, end)) for start, end in reversed(ranges)]


def _consistency_ranges(size1: int, size2: int) -> Iterator[tuple[int, int]]:
    """RFC 9162 section 2.1.4.1 SUBPROOF(size1, D[size2], true) subtrees, outermost first."""
    start, end, complete = 0, size2, True
    while True:
        if size1 == end:
            # The old tree's root is a node of the new one; the verifier already has it.
            if not complete:
                yield start, end
            return
        middle = start + _split(end - start)
        if size1 <= middle:
            yield middle, end
            end = middle
        else:
            yield start, middle
            start = middle
            complete = False


def _check_consistency(size1: int, size2: int) -> None:
    _check_size(size1, "size1")
    _check_size(size2, "size2")
    if size1 == 0:
        raise ValueError("consistency from the empty tree proves nothing")
    if size1 > size2:
        raise ValueError(f"size1 {size1} is larger than size2 {size2}")


def consistency_plan(size1: int, size2: int) -> list[NodeId]:
    """Nodes needed to prove the tree of size1 leaves is a prefix of the tree of size2."""
    _check_consistency(size1, size2)
    return _plan(list(_consistency_ranges(size1, size2)))


def consistency_proof(size1: int, size2: int, nodes: Nodes) -> list[bytes]:
    """RFC 9162 consistency proof from size1 to size2 (empty when the sizes are equal)."""
    _check_consistency(size1, size2)
    ranges = list(_consistency_ranges(size1, size2))
    return [_fold(nodes, _subtrees(start, end)) for start, end in reversed(ranges)]


class MemoryTree:
    """An in-memory log over the same functions the database-backed log uses."""

    def __init__(self) -> None:
        self.nodes: dict[NodeId, bytes] = {}
        self._size = 0

    @property
    def size(self) -> int:
        """Number of leaves appended so far."""
        return self._size

    def append(self, data: bytes) -> int:
        """Appends leaf data (hashed here as an RFC 9162 leaf) and returns its index."""
        index = self._size
        for level, position, digest in append_nodes(index, leaf_hash(data), self.nodes):
            self.nodes[(level, position)] = digest
        self._size += 1
        return index

    def _within(self, size: int) -> int:
        _check_size(size)
        if size > self._size:
            raise ValueError(f"size {size} exceeds the tree's {self._size} leaves")
        return size

    def root(self, size: int | None = None) -> bytes:
        """Root of the first size leaves, or of the whole tree."""
        return root(self._within(self._size if size is None else size), self.nodes)

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        """Inclusion proof of leaf index in the tree of the first size leaves."""
        return inclusion_proof(index, self._within(size), self.nodes)

    def consistency_proof(self, size1: int, size2: int) -> list[bytes]:
        """Consistency proof between the trees of the first size1 and size2 leaves."""
        return consistency_proof(size1, self._within(size2), self.nodes)
