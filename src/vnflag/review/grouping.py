"""Near-duplicate grouping: copies and near-copies of one post become one review item.

A rumour pasted 300 times, with an emoji added here and a line break there, costs one review,
and its decision applies to every copy on import.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..exceptions import VnflagError
from .ids import normalized_once

__all__ = ["group_near_duplicates"]


class _UnionFind:
    def __init__(self, n: int):
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, i: int, j: int) -> None:
        a, b = self.find(i), self.find(j)
        if a != b:
            self.parent[max(a, b)] = min(a, b)


_MASK = np.uint64(0xFFFFFFFF)


def _minhash_signatures(texts: Sequence[str], num_perm: int, shingle: int, seed: int = 1) -> list[np.ndarray]:
    """MinHash signatures of the character ``shingle``-grams of each text, computed with numpy
    (a rolling hash per shingle, then multiply-shift hashing ``(a·h + b) >> 32`` per permutation),
    instead of datasketch hashing every shingle in Python, which made long posts slow."""
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 1 << 64, size=(num_perm, 1), dtype=np.uint64, endpoint=False) | np.uint64(1)
    b = rng.integers(0, 1 << 64, size=(num_perm, 1), dtype=np.uint64, endpoint=False)
    out = []
    for text in texts:
        points = np.frombuffer(" ".join(text.split()).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
        n = len(points) - shingle + 1
        hashed = np.zeros(n, dtype=np.uint64)
        for j in range(shingle):
            hashed = (hashed * np.uint64(1_000_003) + points[j:j + n]) & _MASK
        hashed = np.unique(hashed)
        signature = np.full(num_perm, np.iinfo(np.uint64).max, dtype=np.uint64)
        for start in range(0, len(hashed), 4096):  # bounded memory for very long posts
            block = (a * hashed[None, start:start + 4096] + b) >> np.uint64(32)  # wraps mod 2**64
            signature = np.minimum(signature, block.min(axis=1))
        out.append(signature)
    return out


def group_near_duplicates(
    texts: Sequence[object],
    similarity: float = 0.8,
    num_perm: int = 128,
    shingle: int = 5,
) -> np.ndarray:
    """Group copies and near-copies: one group label (the smallest row index) per text.

    Texts are the same post when their normalised, lower-cased forms are equal, or when the
    MinHash estimate of the Jaccard similarity of their character ``shingle``-grams is at least
    ``similarity`` (candidates from datasketch's LSH, then checked). Only texts decide: rows
    sharing a post id but not a text are different posts (real exports repeat ids), never one
    group. Empty texts are never grouped with anything else.

    >>> group_near_duplicates(["Uống nước chanh diệt virus!!!", "uống nước chanh diệt virus", "Trời mưa"]).tolist()
    [0, 0, 2]
    """
    if not 0.0 < similarity <= 1.0:
        raise VnflagError(f"similarity must be in (0, 1], got {similarity!r}")
    n = len(texts)
    uf = _UnionFind(n)
    canonical = [normalized_once(t).lower() if isinstance(t, str) else "" for t in texts]
    first: dict[str, int] = {}
    for i, text in enumerate(canonical):
        if text:
            uf.union(first.setdefault(text, i), i)
    if similarity < 1.0:
        from datasketch import MinHash, MinHashLSH

        distinct = [i for text, i in first.items() if len(text) >= shingle]
        if len(distinct) > 1:
            # LSH and jaccard() only read hashvalues; share one (unused) permutation table.
            unused = (np.ones(num_perm, dtype=np.uint64), np.zeros(num_perm, dtype=np.uint64))

            def minhash(values: np.ndarray) -> MinHash:
                try:  # datasketch >= 2 asks which scheme made the values; ours is 32-bit
                    return MinHash(num_perm=num_perm, hashvalues=values, permutations=unused, scheme="affine32")
                except TypeError:  # datasketch 1.x
                    return MinHash(num_perm=num_perm, hashvalues=values, permutations=unused)

            hashes = [minhash(v) for v in _minhash_signatures([canonical[i] for i in distinct], num_perm, shingle)]
            # Candidates from a looser LSH (it misses pairs near its threshold), then the estimate decides.
            lsh = MinHashLSH(threshold=max(0.5, similarity - 0.2), num_perm=num_perm)
            for position, sketch in enumerate(hashes):
                lsh.insert(position, sketch)
            for position, sketch in enumerate(hashes):
                for other in lsh.query(sketch):
                    if other != position and sketch.jaccard(hashes[other]) >= similarity:
                        uf.union(distinct[position], distinct[other])
    return np.array([uf.find(i) for i in range(n)], dtype=int)
