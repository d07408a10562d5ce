"""Assemble the pieces from settings: store, embedder, answerer, chain. Used by every entry point."""

from __future__ import annotations

import importlib.util

from newsrag.index.embed import Embedder, make_embedder
from newsrag.index.store import ChromaStore
from newsrag.errors import NewsragError
from newsrag.settings import Settings
from newsrag.rag.answer import Answerer
from newsrag.rag.chain import NewsChain

BACKENDS = {"extractive": None, "openai": "langchain_openai", "llamacpp": "xllamacpp"}  # name -> module it needs


def backends() -> list[str]:
    """The answer backends whose dependencies are installed (extractive always is)."""
    return [name for name, module in BACKENDS.items() if module is None or importlib.util.find_spec(module)]


def make_answerer(settings: Settings, embedder: Embedder | None = None) -> Answerer:
    """The answer backend named by `settings.backend` (model backends verify with `embedder`)."""
    from newsrag.rag.extractive import ExtractiveAnswerer

    extractive = ExtractiveAnswerer(settings.max_answer_sentences, settings.relative_keep,
                                    settings.duplicate_similarity)
    if settings.backend == "extractive":
        return extractive
    if settings.backend not in BACKENDS:
        raise NewsragError(f"unknown answer backend {settings.backend!r} (available: {', '.join(BACKENDS)})")
    common = dict(embedder=embedder or make_embedder(settings), fallback=extractive,
                  shown_sentences=settings.llm_shown_sentences, lexical_min=settings.support_lexical,
                  novel_min=settings.support_novel, dense_min=settings.support_dense)
    if settings.backend == "openai":
        from newsrag.rag.llm.openai import OpenAIAnswerer

        return OpenAIAnswerer(settings.llm_base_url, settings.llm_model, settings.llm_api_key,
                              settings.llm_timeout, settings.llm_max_tokens, **common)
    from newsrag.rag.llm.llamacpp import LlamaCppAnswerer

    return LlamaCppAnswerer(settings.llm_model, settings.llm_timeout, settings.llm_max_tokens,
                            settings.llm_context, settings.llm_threads, **common)


def build_chain(settings: Settings, store: ChromaStore | None = None, embedder: Embedder | None = None,
                answerer: Answerer | None = None, corpus=None) -> NewsChain:
    """The chain from settings; pass `corpus` (a CorpusCache) to share one BM25 snapshot between chains."""
    store = store or ChromaStore.open(settings)
    embedder = embedder or make_embedder(settings)
    return NewsChain(settings, store, embedder, answerer or make_answerer(settings, embedder), corpus)
