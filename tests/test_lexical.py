"""The BM25 snapshot follows the store: rebuilt after ingest/remove, saved for the next process."""

from __future__ import annotations

import pytest

from conftest import ARTICLES
from newsrag.index.ingest import ingest
from newsrag.rag.lexical import CorpusCache


@pytest.mark.both_modes
def test_snapshot_is_saved_reused_and_replaced(fresh, embedder, tmp_path):
    settings, store = fresh
    ingest([ARTICLES / "003_f3e8cce4618215f0.txt"], store, embedder, settings)
    folder = tmp_path / "cache"
    first = CorpusCache(store, folder).get()
    saved = list(folder.glob("bm25-*"))
    assert len(saved) == 1 and saved[0].name.endswith(str(first.generation)) and (saved[0] / "manifest.json").is_file()
    again = CorpusCache(store, folder)._load(first.generation)  # what a fresh process does
    assert again is not None and again.ids == first.ids and again.search("Geneva talks", 3) == first.search(
        "Geneva talks", 3)

    ingest([ARTICLES / "002_adfc22d6dbd34d9a.txt"], store, embedder, settings)
    cache = CorpusCache(store, folder)
    second = cache.get()
    assert second.generation != first.generation
    assert {m["source"] for m in second.metas.values()} == {"003_f3e8cce4618215f0.txt", "002_adfc22d6dbd34d9a.txt"}
    assert [p.name for p in folder.glob("bm25-*")] == [f"bm25-{store.prefix}-{store.identity}-{second.generation}"]

    store.remove("002_adfc22d6dbd34d9a.txt")
    assert {m["source"] for m in cache.get().metas.values()} == {"003_f3e8cce4618215f0.txt"}


def test_a_corrupt_snapshot_is_rebuilt(fresh, embedder, tmp_path):
    settings, store = fresh
    ingest([ARTICLES / "001_a0084ac74e741594.txt"], store, embedder, settings)
    folder = tmp_path / "cache"
    generation = CorpusCache(store, folder).get().generation
    path = next(folder.glob("bm25-*/chunks.json"))
    path.write_bytes(path.read_bytes()[:-100])  # truncated
    corpus = CorpusCache(store, folder).get()
    assert corpus.generation == generation and corpus.ids
