"""Hybrid retrieval as a LangChain retriever: dense chunks + dense sentences + BM25, fused by RRF."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from newsrag.index.embed import BaseEmbedder
from newsrag.index.store import ChromaStore
from newsrag.rag.filters import Filters
from newsrag.rag.lexical import Corpus, CorpusCache
from newsrag.settings import Settings


class HybridRetriever(BaseRetriever):
    """Top-`k` chunks for a query, as LangChain Documents.

    Metadata: source, title, start, end (the chunk's exact span of the article), score (fused), the
    per-ranking scores, and the chunk's sentence spans. Use `invoke` so callbacks see the run.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    store: ChromaStore
    embedder: BaseEmbedder  # any backend (torch, onnx-int8, ...)
    corpus: CorpusCache
    k: int = Settings.k
    rrf_k: int = Settings.rrf_k
    lexical_weight: float = Settings.lexical_weight  # BM25's vote in the fusion, relative to each dense ranking
    filters: Filters = Filters()  # the default restriction; `invoke(..., filters=...)` overrides it

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun,
                                k: int | None = None, vector: np.ndarray | None = None,
                                filters: Filters | None = None) -> list[Document]:
        """`invoke(query, k=..., vector=..., filters=...)`: pass `vector` when the caller already encoded the query."""
        if vector is None:
            vector = self.embedder.encode([query])[0]
        return self.search(query, vector, k or self.k, self.filters if filters is None else filters)

    def search(self, query: str, vector: np.ndarray, k: int, filters: Filters | None = None) -> list[Document]:
        """Fuse three rankings; only chunks committed in the registry (present in the corpus) survive.

        `filters` restrict every ranking alike: Chroma `where` on both dense sides, the same predicate on BM25.
        """
        corpus = self.corpus.get()
        if not corpus.ids:
            return []
        filters = filters or Filters()
        keep = filters.matches if filters else None
        pool = max(4 * k, 20)
        dense = [(h.id, h.score) for h in self.store.query("chunks", vector, pool, filters.where())]
        sentence = self._sentence_ranking(corpus, vector, pool, filters.where())
        lexical = corpus.search(query, pool, keep)
        corpus.load(cid for ranking in (dense, sentence, lexical) for cid, _ in ranking)  # one read, not one per chunk
        fused: dict[str, float] = defaultdict(float)
        for ranking, weight in ((dense, 1.0), (sentence, 1.0), (lexical, self.lexical_weight)):
            seen = [cid for cid, _ in ranking if cid in corpus.metas and (keep is None or keep(corpus.metas[cid]))]
            for rank, cid in enumerate(dict.fromkeys(seen)):
                fused[cid] += weight / (self.rrf_k + rank + 1)
        best = sorted(fused, key=fused.get, reverse=True)[:k]
        scores = {"dense": dict(dense), "sentence": dict(sentence), "lexical": dict(lexical)}
        return [self._document(corpus, cid, fused[cid], scores) for cid in best]

    def _sentence_ranking(self, corpus: Corpus, vector: np.ndarray, pool: int,
                          where: dict | None = None) -> list[tuple[str, float]]:
        """Chunks ranked by their best-matching sentence (a sentence lives in one or two chunks)."""
        by_sentence = corpus.sentence_chunks
        out = []
        for hit in self.store.query("sentences", vector, pool, where):
            m = hit.meta
            for cid in by_sentence.get((m["source"], m["doc_hash"], m["start"]), ()):
                out.append((cid, hit.score))
        return out

    @staticmethod
    def _document(corpus: Corpus, cid: str, score: float, scores: dict) -> Document:
        meta = dict(corpus.metas[cid])
        meta.update(id=cid, score=score, **{f"{name}_score": s.get(cid) for name, s in scores.items()})
        return Document(page_content=corpus.texts[cid], metadata=meta, id=cid)
