"""The lexical index (index/fulltext.py) follows the registry commit by commit, is shared by every
process through its file, and holds only committed chunks."""

from __future__ import annotations

import pytest

from conftest import ARTICLES, article_text
from newsrag.index.fulltext import Entry, FullText
from newsrag.index.ingest import ingest
from newsrag.index.store import ChromaStore, connect
from newsrag.index.terms import terms
from newsrag.rag.lexical import CorpusCache

A, B = "003_f3e8cce4618215f0.txt", "002_adfc22d6dbd34d9a.txt"


def sources(corpus) -> set[str]:
    return {corpus.metas[cid]["source"] for cid in corpus.ids}


@pytest.mark.both_modes
def test_each_commit_is_seen_by_another_handle_at_once(fresh, embedder):
    settings, store = fresh
    ingest([ARTICLES / A], store, embedder, settings)
    cache = CorpusCache(store)
    first = cache.get()
    assert sources(first) == {A} and first.search("Geneva talks", 3)
    other = FullText(store.lexical.path)  # what another process opens: the same file, no rebuild
    before = other.generation()

    ingest([ARTICLES / B], store, embedder, settings)
    assert other.generation() != before and set(other.hashes()) == {A, B}
    second = cache.get()
    assert second is not first and sources(second) == {A, B}
    assert len(second.ids) == store.counts()["chunks"]

    store.remove(B)
    assert sources(cache.get()) == {A} and set(other.hashes()) == {A}


def test_search_agrees_with_the_stored_chunks(fresh, embedder):
    settings, store = fresh
    ingest([ARTICLES], store, embedder, settings)
    corpus = CorpusCache(store).get()
    hits = corpus.search("Lavrov interview television", 5)
    assert hits and [s for _, s in hits] == sorted((s for _, s in hits), reverse=True)
    stored = store.get_chunks(cid for cid, _ in hits)
    assert {cid: corpus.texts[cid] for cid, _ in hits} == {cid: t for cid, (t, _) in stored.items()}
    assert "lavrov" in corpus.idf and "zzqx" not in corpus.idf and corpus.weight("zzqx") > corpus.weight("lavrov")
    keep = lambda m: m["source"] == A  # noqa: E731
    assert all(corpus.metas[cid]["source"] == A for cid, _ in corpus.search("talks", 50, keep))


def test_mentions_is_case_sensitive_and_sees_headings(fresh, embedder):
    settings, store = fresh
    ingest([ARTICLES / A], store, embedder, settings)
    word = next(w for w in article_text(A).split() if w.istitle() and len(w) > 4 and w.isalpha())
    assert store.mentions(word) and not store.mentions(word.upper()) and not store.mentions("Zzqxland")


def test_a_lost_or_broken_index_file_is_rebuilt_from_chroma(fresh, embedder):
    settings, store = fresh
    ingest([ARTICLES / A, ARTICLES / B], store, embedder, settings)
    truth = store.lexical.hashes()
    path = store.lexical.path
    path.write_bytes(b"not a database" * 100)
    for extra in path.parent.glob(f"{path.name}-*"):
        extra.unlink()
    again = ChromaStore(connect(settings), settings.collection)
    assert again.lexical.hashes() == truth and CorpusCache(again).get().search("Geneva talks", 3)


def test_an_interrupted_commit_is_completed_by_the_next_open(fresh, embedder):
    """The registry committed, the lexical write did not happen (a crash between): sync adds it."""
    settings, store = fresh
    ingest([ARTICLES / A], store, embedder, settings)
    store.lexical.drop([A])
    assert not store.lexical.hashes()
    assert store.sync() == 1 and set(store.lexical.hashes()) == {A}
    assert store.sync() == 0


def _entry(source: str, texts: list[str]) -> Entry:
    chunks = [(f"{source}-{i}", terms(t), t, {"source": source, "title": "", "sentences": "[[0, 1]]"})
              for i, t in enumerate(texts)]
    return Entry(source, "h", " ".join(texts), {}, chunks)


def test_pruned_bm25_scores_exactly_and_only_among_chunks_with_a_rare_term(tmp_path):
    index = FullText(tmp_path / "x.sqlite")
    common = [f"the harbour board met on day {i} to discuss the harbour budget" for i in range(60)]
    index.put([_entry("a", common), _entry("b", ["the harbour of Kelmora closes for dredging",
                                                 "Kelmora fishermen protest at the harbour"])])
    q = terms("Kelmora harbour dredging")
    full = dict(index.search(q, 100, budget=10**9))
    pruned = index.search(q, 100, budget=3)
    assert {cid for cid, _ in pruned} == {"b-0", "b-1"}  # only chunks holding a rare term are scored
    assert all(abs(full[cid] - s) < 1e-9 for cid, s in pruned)  # ...with their whole BM25 score
    assert [cid for cid, _ in pruned] == [cid for cid, _ in index.search(q, 2, budget=10**9)]
    assert index.frequency("harbour") == 62 and index.size() == 62

    index.drop(["b"])
    assert index.frequency("kelmora") == 0 and index.size() == 60 and not index.search(terms("Kelmora"), 5)


def test_an_older_versions_bm25_snapshots_are_deleted_by_the_first_write(fresh, embedder):
    """Before the shared index, each process cached a BM25 snapshot under home/cache/bm25-*: gone now."""
    from newsrag.app import App

    settings, store = fresh
    cache = settings.home / "cache"
    (cache / "bm25-news-abc-3").mkdir(parents=True)
    (cache / "bm25-news-abc-3" / "manifest.json").write_text("{}")
    (cache / "bm25-news-abc-2.tmp").write_text("x")
    (cache / "keep.json").write_text("{}")
    App(settings, store=store, embedder=embedder).heal()
    assert sorted(p.name for p in cache.iterdir()) == ["keep.json"]
