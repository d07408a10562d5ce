"""The one way into newsrag: `App(settings)` owns the store, the embedder, the BM25 snapshot and the
answer backends, and offers everything the CLI, the chat and the evaluation do.

    app = App(Settings.from_env())
    app.ingest([Path("articles")])
    app.ask("What did Russia demand?")["answer"]["answer"]
    app.chain().invoke({"question": "..."})      # a LangChain Runnable
    app.retriever().invoke("Geneva")             # a LangChain BaseRetriever
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Callable, Iterable, Iterator

from newsrag.index.embed import BaseEmbedder
from newsrag.index.embedders import make_embedder
from newsrag.index.ingest import IngestReport, ingest, ingest_documents
from newsrag.index.load import Document, parse, with_meta
from newsrag.index.store import Article, ChromaStore
from newsrag.index.uploads import discard, save_uploads
from newsrag.index.view import reading_view
from newsrag.rag import backends
from newsrag.rag.answer import Answerer
from newsrag.rag.chain import NewsChain
from newsrag.rag.filters import Filters
from newsrag.rag.lexical import CorpusCache
from newsrag.rag.retrieve import HybridRetriever
from newsrag.settings import Settings

Progress = Callable[[int, int], None]


class App:
    """Store, embedder and one shared BM25 snapshot; a chain per answer backend, built on first use.

    Index writes and retrieval never interleave within one App (one re-entrant lock).
    """

    def __init__(self, settings: Settings, store: ChromaStore | None = None, embedder: BaseEmbedder | None = None):
        self.settings = settings
        self.store = store or ChromaStore.open(settings)
        self.embedder = embedder or make_embedder(settings)
        self.corpus = CorpusCache(self.store, settings.home / "cache")
        self.lock = threading.RLock()
        self._chains: dict[str, NewsChain] = {}

    # -- answering -------------------------------------------------------------------------------
    @staticmethod
    def backends() -> list[str]:
        """Answer backends whose packages are installed, for menus and `--backend` choices."""
        return backends.installed()

    def answerer(self, backend: str | None = None) -> Answerer:
        return backends.make_answerer(self.settings.with_(backend=backend), self.embedder)

    def retriever(self, k: int | None = None) -> HybridRetriever:
        """Hybrid retrieval as a LangChain retriever (Documents carry source, title, start, end, score)."""
        s = self.settings
        return HybridRetriever(store=self.store, embedder=self.embedder, corpus=self.corpus, k=k or s.k,
                               rrf_k=s.rrf_k, lexical_weight=s.lexical_weight)

    def chain(self, backend: str | None = None) -> NewsChain:
        """The answering Runnable for a backend (default: the configured one), shared across calls."""
        name = backend or self.settings.backend
        with self.lock:
            if name not in self._chains:
                self._chains[name] = NewsChain(self.settings.with_(backend=name), self.retriever(),
                                               self.answerer(name), guard=self.lock)
            return self._chains[name]

    def stream(self, question: str, history: list[dict] | None = None, k: int | None = None,
               backend: str | None = None, filters: Filters | None = None) -> Iterator[dict]:
        """{"delta": text} pieces, then {"answer", "notice", "closest", "evidence"}; `filters` restrict the sources."""
        yield from self.chain(backend).stream({"question": question, "history": history, "k": k, "filters": filters})

    def ask(self, question: str, history: list[dict] | None = None, k: int | None = None,
            backend: str | None = None, filters: Filters | None = None) -> dict:
        """The final event of `stream`: the answer JSON dict with its evidence and the closest articles."""
        final: dict = {}
        for event in self.stream(question, history, k, backend, filters):
            if "answer" in event:
                final = dict(event)
        return final

    def warm(self) -> None:
        """Load the embedding model, the BM25 snapshot and the reader now, not on the first question."""
        self.embedder.encode(["warm-up"])
        self.corpus.get()
        self.chain().reader

    # -- the index -------------------------------------------------------------------------------
    def ingest(self, paths: Iterable[Path], progress: Progress | None = None) -> IngestReport:
        with self.lock:
            return ingest(paths, self.store, self.embedder, self.settings, progress)

    def ingest_documents(self, docs: Iterable[Document], progress: Progress | None = None) -> IngestReport:
        """Index documents made in memory (`newsrag.index.load.from_text`), e.g. an evaluation corpus."""
        with self.lock:
            return ingest_documents(docs, self.store, self.embedder, self.settings, progress)

    def upload(self, files: list[tuple[Path, str]],
               progress: Progress | None = None) -> tuple[IngestReport, list[tuple[str, str]]]:
        """Save (temporary path, name as sent) files under the data folder, then ingest them.

        Returns the ingest report and the files refused before ingest; a rejected upload is not kept.
        """
        # an upload never replaces an article that came from elsewhere (e.g. the command line)
        saved = save_uploads(files, self.settings.home, self.settings.max_file_bytes, self.store.articles())
        report = self.ingest(saved.paths, progress) if saved.paths else IngestReport()
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

    def restore(self, source: str, text: str, meta: dict | None = None) -> IngestReport:
        """Index `source` again from its original text (what `article` returned) and its metadata (title,
        outlet, date, URL, author, as `articles()` listed them): undoes a removal."""
        return self.ingest_documents([with_meta(parse(text, source), meta or {})])

    def articles(self) -> list[Article]:
        return list(self.store.articles().values())

    def article(self, source: str) -> tuple[str, str] | None:
        """(text, reading view) of an indexed article, for the source panel; None if not indexed."""
        text = self.store.article_text(source)
        return None if text is None else (text, reading_view(source, text))
