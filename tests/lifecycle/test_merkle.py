"""Merkle proofs from stored subtree hashes match RFC 9162's recursive definitions and verify."""

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lifecycle import merkle
from lifecycle.merkle import MemoryTree
from lifecycle.verify import (
    EMPTY_ROOT,
    VerificationError,
    leaf_hash,
    node_hash,
    verify_consistency,
    verify_inclusion,
)

REFERENCE_SIZES = range(1, 71)
BIG_TREE_SIZE = 600


def _k(n: int) -> int:
    """Largest power of two strictly below n."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def reference_mth(leaves: list[bytes]) -> bytes:
    """MTH straight from RFC 9162 section 2.1.1."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaf_hash(leaves[0])
    k = _k(len(leaves))
    return node_hash(reference_mth(leaves[:k]), reference_mth(leaves[k:]))


def reference_path(m: int, leaves: list[bytes]) -> list[bytes]:
    """PATH(m, D[n]) straight from RFC 9162 section 2.1.3.1."""
    if len(leaves) == 1:
        return []
    k = _k(len(leaves))
    if m < k:
        return reference_path(m, leaves[:k]) + [reference_mth(leaves[k:])]
    return reference_path(m - k, leaves[k:]) + [reference_mth(leaves[:k])]


def reference_subproof(m: int, leaves: list[bytes], complete: bool) -> list[bytes]:
    """SUBPROOF(m, D[n], b) straight from RFC 9162 section 2.1.4.1."""
    n = len(leaves)
    if m == n:
        return [] if complete else [reference_mth(leaves)]
    k = _k(n)
    if m <= k:
        return reference_subproof(m, leaves[:k], complete) + [reference_mth(leaves[k:])]
    return reference_subproof(m - k, leaves[k:], False) + [reference_mth(leaves[:k])]


def data(i: int) -> bytes:
    return f"leaf {i}".encode()


def build(size: int) -> MemoryTree:
    tree = MemoryTree()
    for i in range(size):
        assert tree.append(data(i)) == i
    return tree


REFERENCE_TREE = build(max(REFERENCE_SIZES))
BIG_TREE = build(BIG_TREE_SIZE)
LEAVES = [data(i) for i in range(BIG_TREE_SIZE)]


def flip(value: bytes, bit: int) -> bytes:
    flipped = bytearray(value)
    flipped[bit // 8] ^= 1 << (bit % 8)
    return bytes(flipped)


@pytest.mark.parametrize("size", REFERENCE_SIZES)
def test_roots_equal_the_recursive_definition(size: int) -> None:
    assert REFERENCE_TREE.root(size) == reference_mth(LEAVES[:size])


@pytest.mark.parametrize("size", REFERENCE_SIZES)
def test_inclusion_proofs_equal_the_recursive_path_for_every_index(size: int) -> None:
    for index in range(size):
        expected = reference_path(index, LEAVES[:size])
        assert REFERENCE_TREE.inclusion_proof(index, size) == expected


@pytest.mark.parametrize("size2", REFERENCE_SIZES)
def test_consistency_proofs_equal_the_recursive_subproof_for_every_older_size(size2: int) -> None:
    for size1 in range(1, size2 + 1):
        expected = reference_subproof(size1, LEAVES[:size2], True)
        assert REFERENCE_TREE.consistency_proof(size1, size2) == expected


def test_the_empty_tree_has_the_hash_of_nothing_as_root() -> None:
    assert MemoryTree().root() == EMPTY_ROOT == hashlib.sha256(b"").digest()
    assert merkle.root(0, {}) == EMPTY_ROOT


def test_the_root_defaults_to_the_whole_tree() -> None:
    assert BIG_TREE.size == BIG_TREE_SIZE
    assert BIG_TREE.root() == BIG_TREE.root(BIG_TREE_SIZE) == reference_mth(LEAVES)


sizes_and_indexes = st.integers(1, BIG_TREE_SIZE).flatmap(
    lambda size: st.tuples(st.just(size), st.integers(0, size - 1))
)
size_pairs = st.integers(1, BIG_TREE_SIZE).flatmap(
    lambda size2: st.tuples(st.integers(1, size2), st.just(size2))
)


@given(sizes_and_indexes)
def test_every_inclusion_proof_the_tree_produces_verifies(case: tuple[int, int]) -> None:
    size, index = case
    proof = BIG_TREE.inclusion_proof(index, size)
    verify_inclusion(leaf_hash(data(index)), index, size, proof, BIG_TREE.root(size))


@given(size_pairs)
def test_every_consistency_proof_the_tree_produces_verifies(case: tuple[int, int]) -> None:
    size1, size2 = case
    proof = BIG_TREE.consistency_proof(size1, size2)
    verify_consistency(size1, size2, proof, BIG_TREE.root(size1), BIG_TREE.root(size2))


@given(sizes_and_indexes, st.data())
def test_flipping_any_bit_of_the_leaf_proof_or_root_fails_inclusion(
    case: tuple[int, int], draw: st.DataObject
) -> None:
    size, index = case
    leaf, root = leaf_hash(data(index)), BIG_TREE.root(size)
    proof = BIG_TREE.inclusion_proof(index, size)
    target = draw.draw(st.integers(-2, len(proof) - 1), label="target")
    bit = draw.draw(st.integers(0, 255), label="bit")
    if target == -2:
        leaf = flip(leaf, bit)
    elif target == -1:
        root = flip(root, bit)
    else:
        proof[target] = flip(proof[target], bit)
    with pytest.raises(VerificationError):
        verify_inclusion(leaf, index, size, proof, root)


@given(size_pairs, st.data())
def test_flipping_any_bit_of_the_proof_or_either_root_fails_consistency(
    case: tuple[int, int], draw: st.DataObject
) -> None:
    size1, size2 = case
    root1, root2 = BIG_TREE.root(size1), BIG_TREE.root(size2)
    proof = BIG_TREE.consistency_proof(size1, size2)
    target = draw.draw(st.integers(-2, len(proof) - 1), label="target")
    bit = draw.draw(st.integers(0, 255), label="bit")
    if target == -2:
        root1 = flip(root1, bit)
    elif target == -1:
        root2 = flip(root2, bit)
    else:
        proof[target] = flip(proof[target], bit)
    with pytest.raises(VerificationError):
        verify_consistency(size1, size2, proof, root1, root2)


def test_flipping_each_bit_of_one_inclusion_proof_fails_every_time() -> None:
    size, index = 77, 45
    leaf, root = leaf_hash(data(index)), BIG_TREE.root(size)
    proof = BIG_TREE.inclusion_proof(index, size)
    verify_inclusion(leaf, index, size, proof, root)
    for bit in range(256):
        for position in range(len(proof)):
            tampered = list(proof)
            tampered[position] = flip(tampered[position], bit)
            with pytest.raises(VerificationError):
                verify_inclusion(leaf, index, size, tampered, root)
        with pytest.raises(VerificationError):
            verify_inclusion(flip(leaf, bit), index, size, proof, root)
        with pytest.raises(VerificationError):
            verify_inclusion(leaf, index, size, proof, flip(root, bit))


@given(sizes_and_indexes)
def test_a_proof_with_a_hash_removed_or_added_fails(case: tuple[int, int]) -> None:
    size, index = case
    leaf, root = leaf_hash(data(index)), BIG_TREE.root(size)
    proof = BIG_TREE.inclusion_proof(index, size)
    with pytest.raises(VerificationError):
        verify_inclusion(leaf, index, size, [*proof, root], root)
    if proof:
        with pytest.raises(VerificationError):
            verify_inclusion(leaf, index, size, proof[:-1], root)


@given(sizes_and_indexes)
def test_a_proof_checked_at_another_index_fails(case: tuple[int, int]) -> None:
    size, index = case
    proof = BIG_TREE.inclusion_proof(index, size)
    other = (index + 1) % size
    if other != index:
        with pytest.raises(VerificationError):
            verify_inclusion(leaf_hash(data(index)), other, size, proof, BIG_TREE.root(size))


def test_appending_writes_the_leaf_then_each_completed_parent() -> None:
    tree = MemoryTree()
    for index in range(1025):
        nodes = merkle.append_nodes(index, leaf_hash(data(index)), tree.nodes)
        n = index + 1
        assert len(nodes) <= n.bit_length()  # floor(log2(n)) + 1
        assert nodes[0] == (0, index, leaf_hash(data(index)))
        assert [level for level, _, _ in nodes] == list(range(len(nodes)))
        for level, position, _ in nodes:
            # Only complete subtrees are ever written.
            assert (position + 1) << level <= n
        tree.append(data(index))
    assert len(merkle.append_nodes(1023, b"\x00" * 32, tree.nodes)) == 11


def test_append_plan_names_exactly_the_left_siblings_it_reads() -> None:
    assert merkle.append_plan(0) == []
    assert merkle.append_plan(1) == [(0, 0)]
    assert merkle.append_plan(6) == []
    assert merkle.append_plan(7) == [(0, 6), (1, 2), (2, 0)]
    with pytest.raises(KeyError, match="level 2, index 0"):
        merkle.append_nodes(7, b"\x00" * 32, {(0, 6): b"\x01" * 32, (1, 2): b"\x02" * 32})


@given(st.integers(1, 2**63).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n - 1))))
@settings(max_examples=300)
def test_plans_need_logarithmically_many_complete_nodes(case: tuple[int, int]) -> None:
    size, other = case
    bound = 2 * size.bit_length()
    plans = {
        "root": merkle.root_plan(size),
        "inclusion": merkle.inclusion_plan(other, size),
        "append": merkle.append_plan(size),
    }
    if other:
        plans["consistency"] = merkle.consistency_plan(other, size)
    for name, plan in plans.items():
        assert len(plan) <= bound, name
        assert len(set(plan)) == len(plan), name
    for level, position in plans["root"] + plans["inclusion"] + plans.get("consistency", []):
        assert (position + 1) << level <= size


@given(sizes_and_indexes)
def test_proofs_need_only_the_nodes_their_plans_name(case: tuple[int, int]) -> None:
    size, index = case
    fetched = {node: BIG_TREE.nodes[node] for node in merkle.inclusion_plan(index, size)}
    assert merkle.inclusion_proof(index, size, fetched) == BIG_TREE.inclusion_proof(index, size)
    fetched = {node: BIG_TREE.nodes[node] for node in merkle.root_plan(size)}
    assert merkle.root(size, fetched) == BIG_TREE.root(size)
    if index:
        plan = merkle.consistency_plan(index, size)
        fetched = {node: BIG_TREE.nodes[node] for node in plan}
        expected = BIG_TREE.consistency_proof(index, size)
        assert merkle.consistency_proof(index, size, fetched) == expected


@pytest.mark.parametrize(
    "call",
    [
        lambda: merkle.inclusion_plan(5, 5),
        lambda: merkle.inclusion_plan(-1, 5),
        lambda: merkle.inclusion_plan(0, 0),
        lambda: merkle.consistency_plan(0, 5),
        lambda: merkle.consistency_plan(6, 5),
        lambda: merkle.root_plan(-1),
        lambda: merkle.append_plan(-1),
        lambda: BIG_TREE.root(BIG_TREE_SIZE + 1),
        lambda: BIG_TREE.inclusion_proof(0, BIG_TREE_SIZE + 1),
        lambda: BIG_TREE.consistency_proof(1, BIG_TREE_SIZE + 1),
    ],
)
def test_out_of_range_arguments_raise_value_error(call) -> None:
    with pytest.raises(ValueError):
        call()


def test_equal_sizes_have_an_empty_consistency_proof() -> None:
    assert BIG_TREE.consistency_proof(37, 37) == []
    assert merkle.consistency_plan(37, 37) == []
