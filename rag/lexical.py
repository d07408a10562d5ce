"""BM25 over the stored chunks (bm25s), rebuilt only when the store's generation changes."""

from __future__ import annotations

import math
import os
import pickle
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from newsrag.index.store import ChromaStore, chunk_sentences
from newsrag.rag.terms import terms


@dataclass(frozen=True)
class Corpus:
    """The committed chunks as one in-memory snapshot: their metadata, a BM25 index and term IDFs."""

    generation: int
    ids: list[str]
    metas: dict[str, dict]
    texts: dict[str, str]
    bm25: object | None
    idf: dict[str, float]
    sentence_chunks: dict[tuple[str, str, int], tuple[str, ...]]  # (source, hash, start) -> chunk IDs

    def search(self, query: str, n: int, keep: Callable[[dict], bool] | None = None) -> list[tuple[str, float]]:
        """The `n` best chunks by BM25; with `keep`, only among chunks whose metadata it accepts."""
        q = [t for t in terms(query) if t in self.idf]
        if not q or self.bm25 is None:
            return []
        mask = None if keep is None else np.array([keep(self.metas[c]) for c in self.ids], dtype=np.float32)
        docs, scores = self.bm25.retrieve([q], k=min(n, len(self.ids)), show_progress=False, n_threads=1,
                                          weight_mask=mask)
        return [(self.ids[d], float(s)) for d, s in zip(docs[0], scores[0]) if s > 0]

    def articles(self) -> list[dict]:
        """One chunk's metadata per article (source, outlet, published): what filters are checked against."""
        return list({m["source"]: m for m in self.metas.values()}.values())

    def weight(self, term: str) -> float:
        """IDF of a term; unseen terms weigh like the rarest ones."""
        return self.idf.get(term, math.log(1 + len(self.ids)))


def build(store: ChromaStore, generation: int) -> Corpus:
    """Snapshot every committed chunk (those whose content hash the registry points at)."""
    import bm25s

    committed = {a.source: a.doc_hash for a in store.articles().values()}
    ids, metas, texts, tokens = [], {}, {}, []
    sentence_chunks: dict[tuple[str, str, int], tuple[str, ...]] = {}
    df: dict[str, int] = {}
    for cid, text, meta in store.iter_chunks():
        if committed.get(meta["source"]) != meta["doc_hash"]:
            continue  # orphan of an interrupted write: never visible
        toks = terms(f"{meta['title']} {text}")
        ids.append(cid)
        metas[cid], texts[cid] = meta, text
        tokens.append(toks or ["\u2400"])
        for start, _ in chunk_sentences(meta):
            key = (meta["source"], meta["doc_hash"], start)
            sentence_chunks[key] = sentence_chunks.get(key, ()) + (cid,)
        for t in set(toks):
            df[t] = df.get(t, 0) + 1
    bm25 = None
    if ids:
        bm25 = bm25s.BM25(k1=1.2, b=0.75)
        bm25.index(tokens, show_progress=False)
    n = len(ids)
    idf = {t: math.log(1 + (n - c + 0.5) / (c + 0.5)) for t, c in df.items()}
    return Corpus(generation, ids, metas, texts, bm25, idf, sentence_chunks)


class CorpusCache:
    """Hands out the current `Corpus`, rebuilding it when ingest/remove bumped the generation.

    With a `folder`, each snapshot is also saved there (named by collection and generation), so a
    fresh process over an unchanged index loads it instead of re-reading and re-tokenising every
    chunk: at 100k chunks that is most of a cold start.
    """

    def __init__(self, store: ChromaStore, folder: Path | None = None):
        self.store = store
        self.folder = folder
        self._corpus: Corpus | None = None
        self._lock = threading.Lock()

    def get(self) -> Corpus:
        generation = self.store.generation()
        with self._lock:
            if self._corpus is None or self._corpus.generation != generation:
                self._corpus = self._load(generation) or self._save(build(self.store, generation))
            return self._corpus

    def _path(self, generation: int) -> Path | None:
        if self.folder is None:
            return None
        return self.folder / f"bm25-{self.store.prefix}-{self.store.identity}-{generation}.pickle"

    def _load(self, generation: int) -> Corpus | None:
        path = self._path(generation)
        if path is None or not path.exists():
            return None
        try:
            with open(path, "rb") as f:
                corpus = pickle.load(f)  # our own file, in the user's data folder
        except Exception:  # a truncated or stale-format snapshot is simply rebuilt
            return None
        return corpus if isinstance(corpus, Corpus) and corpus.generation == generation else None

    def _save(self, corpus: Corpus) -> Corpus:
        path = self._path(corpus.generation)
        if path is None:
            return corpus
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".tmp{os.getpid()}")
            with open(tmp, "wb") as f:
                pickle.dump(corpus, f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)  # atomic: readers see a whole snapshot or none
            for old in path.parent.glob(f"bm25-{self.store.prefix}-{self.store.identity}-*.pickle"):
                if old != path:
                    old.unlink(missing_ok=True)
        except OSError:
            pass  # a read-only data folder only costs the next cold start a rebuild
        return corpus
