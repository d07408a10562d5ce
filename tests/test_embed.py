"""The packaged model embeds offline into unit-length, meaningful vectors; the model-free hash backend too."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from conftest import ARTICLES
from newsrag.errors import BackendError
from newsrag.index.embedders import make_embedder
from newsrag.index.ingest import ingest
from newsrag.index.store import ChromaStore
from newsrag.settings import Settings


def test_vectors_are_unit_length_and_meaningful(embedder):
    v = embedder.encode(["Russia demanded security guarantees.", "Moscow wants NATO to promise not to expand.",
                         "The recipe needs two eggs."])
    assert v.shape == (3, 384) and np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-4)
    assert v[0] @ v[1] > v[0] @ v[2] + 0.2


def test_hash_backend_is_model_free_deterministic_and_follows_shared_words(tmp_path):
    """The fake embedder for fast tests: unit vectors of the real dimension, the same in every process."""
    texts = ["Russia demanded security guarantees.", "Russia demands guarantees of its security.",
             "The recipe needs two eggs.", ""]
    hashed = make_embedder(Settings(embed_backend="hash"))
    v = hashed.encode(texts)
    assert hashed.backend == "hash" and v.shape == (4, 384) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert v[0] @ v[1] > v[0] @ v[2] + 0.2
    code = ("import sys, numpy; from newsrag.index.hash_embed import HashEmbedder\n"
            f"numpy.save(sys.argv[1], HashEmbedder().encode({texts!r}))\n"
            "print(' '.join(m for m in ('torch', 'sentence_transformers') if m in sys.modules))")
    run = subprocess.run([sys.executable, "-c", code, str(tmp_path / "v.npy")], capture_output=True, text=True)
    assert run.returncode == 0 and run.stdout.strip() == "", run.stderr  # no model library loaded
    np.testing.assert_array_equal(np.load(tmp_path / "v.npy"), v)  # str hashes are salted per process; ours not


def test_a_hash_index_refuses_the_model_and_the_model_index_refuses_hash(tmp_path):
    """The fake backend is its own name: its vectors never meet a model's in one index."""
    hashed = Settings(home=tmp_path / "home", embed_backend="hash")
    store = ChromaStore.open(hashed)
    assert ingest([ARTICLES], store, make_embedder(hashed), hashed).chunks > 0
    with pytest.raises(BackendError, match="built with the hash embedding backend, not torch"):
        ChromaStore.open(hashed.with_(embed_backend="torch"))
    with pytest.raises(BackendError, match="not torch"):
        store.require("torch")
    question = make_embedder(hashed).encode(["Russian and US negotiators will sit for the initial talk next year"])
    assert store.query("chunks", question[0], 3)[0].meta["source"] == "001_a0084ac74e741594.txt"  # shared words
