"""A model-free embedding backend: hashed bag of words, for fast tests and quick experiments.

Each lowercased word (and each pair of neighbouring words) adds one to a bucket chosen by a stable
hash; the counts are square-rooted and normalised. Texts sharing words get close vectors, nothing
else does: enough for retrieval plumbing, never for answer quality. Its vectors have the packaged
model's dimension but are its own backend ("hash"), so the store never mixes them with a model's.
"""

from __future__ import annotations

import hashlib
import re

import numpy as np

from newsrag.index.embed import BaseEmbedder

_WORD = re.compile(r"\w+")


def _bucket(token: str, dim: int) -> int:
    # subtle: Python's hash() is salted per process; vectors must be the same in every process
    return int.from_bytes(hashlib.blake2b(token.encode("utf-8"), digest_size=8).digest(), "little") % dim


class HashEmbedder(BaseEmbedder):
    """Deterministic unit vectors from the words of a text; no model, no download, no torch."""

    backend = "hash"

    def __init__(self, batch_size: int = 64, dim: int = BaseEmbedder.dim):
        self.batch_size = batch_size
        self.dim = dim

    def encode(self, texts: list[str], progress: bool = False) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in zip(out, texts):
            words = _WORD.findall(text.lower())
            for token in words + [f"{a} {b}" for a, b in zip(words, words[1:])]:
                row[_bucket(token, self.dim)] += 1.0
            if not words:
                row[0] = 1.0  # a text without words still gets a unit vector (cosine needs one)
        np.sqrt(out, out=out)
        return out / np.linalg.norm(out, axis=1, keepdims=True).clip(1e-12)
