"""Pick the embedding backend named in the settings (every backend shares `BaseEmbedder`'s interface)."""

from __future__ import annotations

from typing import Callable

from newsrag.errors import InputError
from newsrag.index.embed import EMBED_BACKENDS, BaseEmbedder, Embedder
from newsrag.index.hash_embed import HashEmbedder
from newsrag.index.onnx_embed import OnnxEmbedder
from newsrag.settings import Settings

# name -> factory; the names are `EMBED_BACKENDS`, the ones an index may be stamped with (index/store.py)
EMBEDDERS: dict[str, Callable[[Settings], BaseEmbedder]] = {
    "torch": lambda s: Embedder(s.embed_batch_size),
    "onnx-int8": lambda s: OnnxEmbedder(s.models_path / "onnx", s.embed_batch_size, quantized=True),
    "onnx-fp32": lambda s: OnnxEmbedder(s.models_path / "onnx", s.embed_batch_size, quantized=False),
    "hash": lambda s: HashEmbedder(s.embed_batch_size),
}
assert tuple(EMBEDDERS) == EMBED_BACKENDS


def make_embedder(settings: Settings) -> BaseEmbedder:
    """The embedder named by `settings.embed_backend`; ONNX files are cached under the data dir."""
    factory = EMBEDDERS.get(settings.embed_backend)
    if factory is None:
        raise InputError(f"unknown embedding backend {settings.embed_backend!r} "
                         f"(available: {', '.join(EMBED_BACKENDS)})")
    return factory(settings)
