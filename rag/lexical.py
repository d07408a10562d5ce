"""BM25 over the committed chunks, read from the shared lexical index (index/fulltext.py) on demand.

A `Corpus` is one generation of that index seen through small caches: the texts and metadata of the
chunks a question touches, the term weights it asks for, the article list. Nothing is rebuilt when
the index changes: the next question opens the new generation and reads what it needs.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping
from typing import Callable, Iterator

from newsrag.index.fulltext import FullText
from newsrag.index.store import ChromaStore
from newsrag.index.terms import terms

_KEEP = 4096  # cached chunks per generation: a few questions' worth, never the whole index


class Corpus:
    """The committed chunks of one generation: BM25 search, term IDFs, chunk texts and metadata by ID."""

    def __init__(self, index: FullText, generation: int):
        self.index, self.generation = index, generation
        self.ids = _Ids(index)
        self._chunks = _Chunks(index)
        self.texts = _Field(self._chunks, 0)
        self.metas = _Field(self._chunks, 1)
        self.idf = _Idf(index, len(self.ids))
        self.sentence_chunks = _Sentences(index)
        self._articles: list[dict] | None = None

    def search(self, query: str, n: int, keep: Callable[[dict], bool] | None = None) -> list[tuple[str, float]]:
        """The `n` best chunks by BM25; with `keep`, only among chunks whose metadata it accepts."""
        q = [t for t in terms(query) if t in self.idf]
        if not q or n < 1:
            return []
        limit = n
        while True:
            found = self.index.search(q, limit)
            if keep is None:
                return found
            self.load(cid for cid, _ in found)
            kept = [(cid, s) for cid, s in found if cid in self.metas and keep(self.metas[cid])]
            if len(kept) >= n or len(found) < limit:
                return kept[:n]
            limit *= 8  # a narrow filter: look deeper

    def load(self, ids) -> None:
        """Fetch these chunks' texts and metadata in one query (before looking them up one by one)."""
        self._chunks.load(ids)

    def articles(self) -> list[dict]:
        """Each article's source and filter fields (outlet, published): what filters are checked against."""
        if self._articles is None:
            self._articles = self.index.articles()
        return self._articles

    def weight(self, term: str) -> float:
        """IDF of a term; unseen terms weigh like the rarest ones."""
        return self.idf.get(term, math.log(1 + len(self.ids)))


class _Ids:
    """The committed chunk IDs: counted in O(1), listed (tests, tools) by streaming the index."""

    def __init__(self, index: FullText):
        self.index, self.n = index, index.size()

    def __len__(self) -> int:
        return self.n

    def __iter__(self) -> Iterator[str]:
        return self.index.ids()


class _Chunks:
    """(text, metadata) by chunk ID, fetched on demand; a bounded cache (absent IDs remembered too)."""

    def __init__(self, index: FullText):
        self.index = index
        self.cache: dict[str, tuple[str, dict] | None] = {}
        self.lock = threading.Lock()

    def load(self, ids) -> None:
        wanted = [cid for cid in dict.fromkeys(ids) if cid not in self.cache]
        if not wanted:
            return
        got = self.index.chunks(wanted)
        with self.lock:
            if len(self.cache) + len(wanted) > _KEEP:
                self.cache.clear()
            self.cache.update((cid, got.get(cid)) for cid in wanted)

    def get(self, cid: str) -> tuple[str, dict] | None:
        if cid not in self.cache:
            self.load([cid])
        return self.cache.get(cid)


class _Field(Mapping):
    """The chunks' texts (0) or metadata (1) as a read-only mapping; iterating lists every ID."""

    def __init__(self, chunks: _Chunks, field: int):
        self.chunks, self.field = chunks, field

    def __getitem__(self, cid: str):
        row = self.chunks.get(cid)
        if row is None:
            raise KeyError(cid)
        return row[self.field]

    def __contains__(self, cid) -> bool:
        return self.chunks.get(cid) is not None

    def __iter__(self) -> Iterator[str]:
        return self.chunks.index.ids()

    def __len__(self) -> int:
        return self.chunks.index.size()


class _Idf(Mapping):
    """Term -> IDF (log(1 + (N - df + 0.5) / (df + 0.5))) for terms some chunk holds, looked up when asked."""

    def __init__(self, index: FullText, n: int):
        self.index, self.n = index, n
        self.cache: dict[str, float | None] = {}

    def _get(self, term: str) -> float | None:
        if term not in self.cache:
            if len(self.cache) > 100_000:
                self.cache.clear()
            df = self.index.frequency(term)
            self.cache[term] = math.log(1 + (self.n - df + 0.5) / (df + 0.5)) if df else None
        return self.cache[term]

    def __getitem__(self, term: str) -> float:
        w = self._get(term)
        if w is None:
            raise KeyError(term)
        return w

    def __contains__(self, term) -> bool:
        return isinstance(term, str) and self._get(term) is not None

    def __iter__(self) -> Iterator[str]:
        return (t for t, in self.index.db.execute("SELECT term FROM df"))

    def __len__(self) -> int:
        return self.index.db.execute("SELECT count(*) FROM df").fetchone()[0]


class _Sentences:
    """(source, content hash, sentence start) -> the chunk IDs holding that sentence."""

    def __init__(self, index: FullText):
        self.index = index

    def get(self, key: tuple[str, str, int], default=()) -> tuple[str, ...]:
        return self.index.sentence_chunks(*key) or default


class CorpusCache:
    """Hands out the current `Corpus`: a new one (empty caches, nothing rebuilt) when the index changed."""

    def __init__(self, store: ChromaStore):
        self.store = store
        self._corpus: Corpus | None = None
        self._lock = threading.Lock()

    def get(self) -> Corpus:
        index = self.store.lexical
        generation = index.generation()
        with self._lock:
            if self._corpus is None or self._corpus.generation != generation or self._corpus.index is not index:
                self._corpus = Corpus(index, generation)
            return self._corpus


def build(store: ChromaStore, generation: int | None = None) -> Corpus:
    """The committed chunks as the lexical index holds them now."""
    return Corpus(store.lexical, store.lexical.generation())
