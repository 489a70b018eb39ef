"""RFC 9162 §2.1 hashing and proofs: known answers from transparency-dev/merkle, then properties."""

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from confederal import ledger

VECTORS = json.loads((Path(__file__).parent / "vectors" / "merkle_vectors.json").read_text())
LEAVES = [bytes.fromhex(x) for x in VECTORS["leaf_inputs"]]
HASHES = ledger.leaf_hashes(LEAVES)
TREE = ledger.TreeLevels(HASHES)
ROOTS = {r["size"]: bytes.fromhex(r["root"]) for r in VECTORS["roots"]}


def test_it_hashes_the_empty_tree_as_sha256_of_nothing():
    assert bytes.fromhex(VECTORS["other"]["empty_tree_hash"]["hash"]) == ledger.EMPTY_ROOT
    assert ledger.root_from_leaf_hashes([]) == ledger.EMPTY_ROOT


@pytest.mark.parametrize("size", sorted(ROOTS))
def test_it_computes_the_published_root_for_each_size(size):
    assert ledger.root_from_leaf_hashes(HASHES[:size]) == ROOTS[size]
    assert TREE.root(size) == ROOTS[size]
    frontier = ledger.Frontier()
    for h in HASHES[:size]:
        frontier.append(h)
    assert frontier.root() == ROOTS[size]


@pytest.mark.parametrize("case", VECTORS["inclusion_proofs"], ids=lambda c: f"{c['leaf_index']}@{c['tree_size']}")
def test_it_generates_and_verifies_the_published_inclusion_proofs(case):
    index, size = case["leaf_index"], case["tree_size"]
    expected = [bytes.fromhex(h) for h in case["proof"]]
    assert ledger.inclusion_proof(index, size, TREE.read) == expected
    ledger.verify_inclusion(HASHES[index], index, size, expected, ROOTS[size])


@pytest.mark.parametrize("case", VECTORS["consistency_proofs"], ids=lambda c: f"{c['size1']}-{c['size2']}")
def test_it_generates_and_verifies_the_published_consistency_proofs(case):
    old, new = case["size1"], case["size2"]
    expected = [bytes.fromhex(h) for h in case["proof"]]
    assert ledger.consistency_proof(old, new, TREE.read) == expected
    ledger.verify_consistency(old, new, ROOTS[old], ROOTS[new], expected)


def test_it_matches_the_published_interior_node_hashes():
    for level, hexes in enumerate(VECTORS["other"]["node_hashes"]["levels"]):
        assert [h.hex() for h in TREE.levels[level]] == hexes


def test_it_matches_the_published_hasher_vectors():
    hasher = VECTORS["other"]["hasher_vectors"]
    assert ledger.leaf_hash(b"").hex() == hasher["empty_leaf"]["leaf_hash"]
    assert ledger.leaf_hash(bytes.fromhex(hasher["leaf"]["input_hex"])).hex() == hasher["leaf"]["leaf_hash"]
    node = hasher["node"]
    assert (
        ledger.node_hash(bytes.fromhex(node["left_hex"]), bytes.fromhex(node["right_hex"])).hex() == node["node_hash"]
    )


def _tree(size: int) -> ledger.TreeLevels:
    return ledger.TreeLevels(ledger.leaf_hashes(i.to_bytes(4, "big") for i in range(size)))


def _flip(proof: list[bytes], position: int, bit: int) -> list[bytes]:
    i = position % len(proof)
    b = bytearray(proof[i])
    b[(bit // 8) % 32] ^= 1 << (bit % 8)
    return [*proof[:i], bytes(b), *proof[i + 1 :]]


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 600).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n - 1))), st.integers(0, 10_000))
def test_every_inclusion_proof_verifies_and_any_flipped_bit_breaks_it(size_index, bit):
    size, index = size_index
    tree = _tree(size)
    proof = ledger.inclusion_proof(index, size, tree.read)
    root = tree.root()
    ledger.verify_inclusion(tree.levels[0][index], index, size, proof, root)
    if proof:
        with pytest.raises(ledger.ProofError):
            ledger.verify_inclusion(tree.levels[0][index], index, size, _flip(proof, bit // 256, bit % 256), root)
    bad_leaf = bytearray(tree.levels[0][index])
    bad_leaf[bit % 32] ^= 1 << (bit % 8)
    with pytest.raises(ledger.ProofError):
        ledger.verify_inclusion(bytes(bad_leaf), index, size, proof, root)
    if size > 1:
        with pytest.raises(ledger.ProofError):
            ledger.verify_inclusion(tree.levels[0][index], (index + 1) % size, size, proof, root)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 600).flatmap(lambda n: st.tuples(st.integers(1, n), st.just(n))), st.integers(0, 10_000))
def test_every_consistency_proof_verifies_and_any_flipped_bit_breaks_it(sizes, bit):
    old, new = sizes
    tree = _tree(new)
    proof = ledger.consistency_proof(old, new, tree.read)
    old_root, new_root = tree.root(old), tree.root(new)
    ledger.verify_consistency(old, new, old_root, new_root, proof)
    if proof:
        with pytest.raises(ledger.ProofError):
            ledger.verify_consistency(old, new, old_root, new_root, _flip(proof, bit // 256, bit % 256))
        with pytest.raises(ledger.ProofError):
            ledger.verify_consistency(old, new, old_root, new_root, proof[:-1])
        with pytest.raises(ledger.ProofError):
            ledger.verify_consistency(old, new, old_root, new_root, [*proof, proof[0]])
    forked = bytearray(old_root)
    forked[bit % 32] ^= 1 << (bit % 8)
    with pytest.raises(ledger.ProofError):
        ledger.verify_consistency(old, new, bytes(forked), new_root, proof)


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 2000))
def test_the_frontier_root_equals_the_full_tree_root_and_reports_completed_subtrees(size):
    tree = _tree(size)
    frontier = ledger.Frontier()
    completed = {}
    for h in tree.levels[0] if size else []:
        for level, index, value in frontier.append(h):
            completed[(level, index)] = value
    assert frontier.root() == (tree.root() if size else ledger.EMPTY_ROOT)
    for (level, index), value in completed.items():
        assert tree.levels[level][index] == value
    restored = ledger.Frontier.from_bytes(size, frontier.to_bytes())
    assert restored.root() == frontier.root()


def test_it_refuses_proofs_for_entries_outside_the_tree():
    with pytest.raises(ledger.ProofError, match="not in a ledger of size 8"):
        ledger.inclusion_proof(8, 8, TREE.read)
    with pytest.raises(ledger.ProofError):
        ledger.consistency_proof(5, 3, TREE.read)
    with pytest.raises(ledger.ProofError):
        ledger.verify_inclusion(HASHES[0], 9, 8, [], ROOTS[8])


def test_a_consistency_proof_between_equal_sizes_needs_equal_roots():
    ledger.verify_consistency(8, 8, ROOTS[8], ROOTS[8], [])
    with pytest.raises(ledger.ProofError, match="forked"):
        ledger.verify_consistency(8, 8, ROOTS[8], ROOTS[7], [])
