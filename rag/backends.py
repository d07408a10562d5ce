"""The one registry of answer backends: every backend, built-in or model-based, is looked up here.

A backend is a name, the module it needs installed, and a factory from settings. The CLI's choices,
the chat's menu and `App.answerer` all read this registry, so a new backend appears everywhere at once.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from typing import Callable

from newsrag.errors import NewsragError
from newsrag.index.embed import BaseEmbedder
from newsrag.rag.answer import Answerer
from newsrag.rag.extractive import ExtractiveAnswerer
from newsrag.rag.llm.llamacpp import LlamaCppAnswerer  # each imports its extra only when built
from newsrag.rag.llm.openai import OpenAIAnswerer
from newsrag.settings import Settings


@dataclass(frozen=True)
class Backend:
    name: str
    requires: str | None  # module that must be importable (None: always available)
    build: Callable[[Settings, BaseEmbedder], Answerer]
    extra: str | None = None  # pip extra that installs it

    def installed(self) -> bool:
        return self.requires is None or importlib.util.find_spec(self.requires) is not None


def extractive(settings: Settings) -> ExtractiveAnswerer:
    return ExtractiveAnswerer(settings.max_answer_sentences, settings.relative_keep, settings.duplicate_similarity)


def _llm_common(settings: Settings, embedder: BaseEmbedder) -> dict:
    return dict(embedder=embedder, fallback=extractive(settings), shown_sentences=settings.llm_shown_sentences,
                lexical_min=settings.support_lexical, novel_min=settings.support_novel,
                dense_min=settings.support_dense)


def _openai(settings: Settings, embedder: BaseEmbedder) -> Answerer:
    return OpenAIAnswerer(settings.llm_base_url, settings.llm_model, settings.llm_api_key, settings.llm_timeout,
                          settings.llm_max_tokens, **_llm_common(settings, embedder))


def _llamacpp(settings: Settings, embedder: BaseEmbedder) -> Answerer:
    return LlamaCppAnswerer(settings.llm_model, settings.llm_timeout, settings.llm_max_tokens,
                            settings.llm_context, settings.llm_threads, **_llm_common(settings, embedder))


BACKENDS: dict[str, Backend] = {b.name: b for b in (
    Backend("extractive", None, lambda settings, _embedder: extractive(settings)),
    Backend("openai", "langchain_openai", _openai, extra="openai"),
    Backend("llamacpp", "xllamacpp", _llamacpp, extra="llamacpp"),
)}


def installed() -> list[str]:
    """Names of the backends whose packages are installed (extractive always is), registry order."""
    return [name for name, backend in BACKENDS.items() if backend.installed()]


def make_answerer(settings: Settings, embedder: BaseEmbedder) -> Answerer:
    """The backend named by `settings.backend` (model backends verify their citations with `embedder`)."""
    backend = BACKENDS.get(settings.backend)
    if backend is None:
        raise NewsragError(f"unknown answer backend {settings.backend!r} (available: {', '.join(BACKENDS)})")
    return backend.build(settings, embedder)
