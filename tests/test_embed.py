"""The packaged model embeds offline into unit-length, meaningful vectors."""

from __future__ import annotations

import numpy as np


def test_vectors_are_unit_length_and_meaningful(embedder):
    v = embedder.encode(["Russia demanded security guarantees.", "Moscow wants NATO to promise not to expand.",
                         "The recipe needs two eggs."])
    assert v.shape == (3, 384) and np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-4)
    assert v[0] @ v[1] > v[0] @ v[2] + 0.2
