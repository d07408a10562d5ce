"""Assemble the pieces from settings: store, embedder, answerer, chain. Used by every entry point."""

from __future__ import annotations

from index.embed import Embedder
from index.store import ChromaStore
from newsrag.errors import NewsragError
from newsrag.settings import Settings
from rag.answer import Answerer
from rag.chain import NewsChain


def make_answerer(settings: Settings) -> Answerer:
    """The answer backend named by `settings.backend`."""
    if settings.backend == "extractive":
        from rag.extractive import ExtractiveAnswerer

        return ExtractiveAnswerer(settings.max_answer_sentences, settings.relative_keep,
                                  settings.duplicate_similarity)
    raise NewsragError(f"unknown answer backend {settings.backend!r} (available: extractive)")


def build_chain(settings: Settings, store: ChromaStore | None = None, embedder: Embedder | None = None,
                answerer: Answerer | None = None) -> NewsChain:
    store = store or ChromaStore.open(settings)
    embedder = embedder or Embedder(settings.embed_batch_size)
    return NewsChain(settings, store, embedder, answerer or make_answerer(settings))
