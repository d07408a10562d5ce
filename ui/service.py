"""What the page can do, without any Gradio: ask, show sources, upload, list and remove articles.

The handlers in `ui/app.py` only translate between Gradio values and these methods.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Callable, Iterator

from newsrag.index.clean import clean
from newsrag.index.embed import Embedder, make_embedder
from newsrag.index.ingest import IngestReport, ingest
from newsrag.index.load import HTML_SUFFIXES, Document
from newsrag.index.store import ChromaStore
from newsrag.rag.lexical import CorpusCache
from newsrag.settings import Settings
from newsrag.rag.chain import NewsChain, validate
from newsrag.ui.uploads import discard, save_uploads


def available_backends(settings: Settings) -> list[str]:
    """Answer backends to offer: the app's registry if it has one, plus the configured backend."""
    import newsrag.app as app

    names = list(app.available_backends()) if hasattr(app, "available_backends") else ["extractive"]
    return names if settings.backend in names else names + [settings.backend]


def reading_view(source: str, text: str) -> str:
    """`text` as the index reads it: same length, with markup and page debris blanked.

    The panel shows this around the highlights, so an HTML page reads as an article rather than
    as source code, while every offset still points into `text`.
    """
    view = text
    if Path(source).suffix.lower() in HTML_SUFFIXES:
        from newsrag.index.html import article_view

        view = article_view(text)[1]
    try:
        return clean(Document(source, "", text, view)).view
    except Exception:  # a display nicety must never hide the article
        return text


class ChatService:
    """One store and embedder shared by a chain per answer backend (built on first use)."""

    def __init__(self, settings: Settings, store: ChromaStore | None = None, embedder: Embedder | None = None):
        self.settings = settings
        self.store = store or ChromaStore.open(settings)
        self.embedder = embedder or make_embedder(settings)
        self.chains: dict[str, NewsChain] = {}
        self.corpus = CorpusCache(self.store, settings.home / "cache")  # one BM25 snapshot for every backend
        self.lock = threading.RLock()  # index writes and retrieval never interleave

    def chain(self, backend: str | None = None) -> NewsChain:
        from newsrag.app import build_chain

        name = backend or self.settings.backend
        with self.lock:
            if name not in self.chains:
                self.chains[name] = build_chain(self.settings.with_(backend=name), self.store, self.embedder,
                                                corpus=self.corpus)
            return self.chains[name]

    def stream(self, question: str, history: list[dict], k: int | None = None,
               backend: str | None = None) -> Iterator[dict]:
        """The chain's events ({"delta"}, then {"answer", "notice"}), plus "closest" on a refusal."""
        chain = self.chain(backend)
        question = validate(question, self.settings.max_question_chars)
        with self.lock:
            evidence = chain.evidence(question, history, k)
        for event in chain.answer_events(question, evidence):
            if "answer" in event and not event["answer"]["citations"]:
                event = {**event, "closest": self.closest(evidence)}
            yield event

    def ask(self, question: str, k: int | None = None) -> dict:
        """One answer as the `newsrag ask --json` dict (no history)."""
        return self.chain().invoke({"question": question, "k": k})

    @staticmethod
    def closest(evidence, limit: int = 3) -> list[tuple[str, str]]:
        """(source, title) of the best-ranked retrieved articles, offered when we refuse."""
        seen: dict[str, str] = {}
        for doc in evidence.documents:
            seen.setdefault(doc.metadata["source"], doc.metadata.get("title", ""))
        return list(seen.items())[:limit]

    def article(self, source: str) -> tuple[str, str] | None:
        """(text, reading view) of an indexed article, for the source panel; None if not indexed."""
        text = self.store.article_text(source)
        return None if text is None else (text, reading_view(source, text))

    def articles(self) -> list[tuple[str, str, int]]:
        return [(a.source, a.title, a.chunks) for a in self.store.articles().values()]

    def upload(self, files: list[tuple[Path, str]],
               progress: Callable[[int, int], None] | None = None) -> tuple[IngestReport, list[tuple[str, str]]]:
        """Save then ingest uploads; returns the ingest report and the files refused before ingest."""
        saved = save_uploads(files, self.settings.home, self.settings.max_file_bytes, self.store.articles())
        report = IngestReport()
        if saved.paths:
            with self.lock:
                report = ingest(saved.paths, self.store, self.embedder, self.settings, progress)
        indexed = self.store.articles()
        for source, _ in report.failed:
            if source not in indexed:
                discard(self.settings.home, source)
        return report, saved.failed

    def remove(self, source: str) -> bool:
        with self.lock:
            removed = self.store.remove(source)
        discard(self.settings.home, source)
        return removed
