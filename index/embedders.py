"""Pick the embedding backend named in the settings (every backend shares `BaseEmbedder`'s interface)."""

from __future__ import annotations

from newsrag.errors import InputError
from newsrag.index.embed import EMBED_BACKENDS, BaseEmbedder, Embedder
from newsrag.index.onnx_embed import OnnxEmbedder
from newsrag.settings import Settings


def make_embedder(settings: Settings) -> BaseEmbedder:
    """The embedder named by `settings.embed_backend`; ONNX files are cached under the data dir."""
    name = settings.embed_backend
    if name == "torch":
        return Embedder(settings.embed_batch_size)
    if name in EMBED_BACKENDS:
        return OnnxEmbedder(settings.models_path / "onnx", settings.embed_batch_size,
                            quantized=name == "onnx-int8")
    raise InputError(f"unknown embedding backend {name!r} (available: {', '.join(EMBED_BACKENDS)})")
