"""Ingest against real Chroma (embedded and server): idempotent, edits replace, removals drop, bad files isolated."""

from __future__ import annotations

import shutil

import pytest

from conftest import ARTICLES
from newsrag.index.ingest import ingest
from newsrag.index.load import parse


def snapshot(store) -> tuple[set, set, dict]:
    chunks = set(store.chunks.get(include=[])["ids"])
    sentences = set(store.sentences.get(include=[])["ids"])
    return chunks, sentences, {s: a.doc_hash for s, a in store.articles().items()}


def copy_articles(dst, names=None):
    dst.mkdir(parents=True, exist_ok=True)
    for p in sorted(ARTICLES.glob("*.txt")):
        if names is None or p.name in names:
            shutil.copy(p, dst / p.name)
    return dst


@pytest.mark.both_modes
def test_ingest_twice_changes_nothing(fresh, embedder, tmp_path):
    settings, store = fresh
    folder = copy_articles(tmp_path / "a")
    first = ingest([folder], store, embedder, settings)
    assert len(first.added) == 5 and first.chunks > 0 and not first.failed
    before = snapshot(store)
    second = ingest([folder], store, embedder, settings)
    assert second.added == [] and second.updated == [] and len(second.unchanged) == 5 and second.chunks == 0
    assert snapshot(store) == before
    assert store.counts()["chunks"] == first.chunks


def test_a_new_pipeline_rebuilds_each_article_once(fresh, embedder, tmp_path, monkeypatch):
    """An index made by an older pipeline (other splitting or analysis for the same text) is rebuilt on the
    next ingest: every article updated, its old records gone, then unchanged again."""
    from newsrag.index import load, store as store_module

    settings, store = fresh
    folder = copy_articles(tmp_path / "a")
    monkeypatch.setattr(load, "PIPELINE", load.PIPELINE - 1)
    monkeypatch.setattr(store_module, "PIPELINE", load.PIPELINE)
    old = ingest([folder], store, embedder, settings)
    old_hashes = snapshot(store)[2]
    monkeypatch.undo()
    new = ingest([folder], store, embedder, settings)
    assert len(new.updated) == len(old.added) == 5 and not new.failed
    chunks, sentences, hashes = snapshot(store)
    assert not set(hashes.values()) & set(old_hashes.values())
    metas = store.sentences.get(include=["metadatas"])["metadatas"]
    assert {m["doc_hash"] for m in metas} == set(hashes.values())  # no record of the old pipeline left
    assert all(m["pipeline"] == load.PIPELINE for m in metas)
    assert store.counts()["chunks"] == new.chunks
    assert ingest([folder], store, embedder, settings).unchanged == sorted(hashes)


@pytest.mark.both_modes
def test_edit_replaces_and_remove_drops(fresh, embedder, tmp_path):
    settings, store = fresh
    folder = copy_articles(tmp_path / "a", {"003_f3e8cce4618215f0.txt", "001_a0084ac74e741594.txt"})
    ingest([folder], store, embedder, settings)
    chunks_before, _, hashes_before = snapshot(store)
    path = folder / "003_f3e8cce4618215f0.txt"
    path.write_text(path.read_text(encoding="utf-8") + "\n\nThe talks were moved to Vienna on short notice.\n",
                    encoding="utf-8")
    report = ingest([folder], store, embedder, settings)
    assert report.updated == ["003_f3e8cce4618215f0.txt"] and report.unchanged == ["001_a0084ac74e741594.txt"]
    chunks_after, _, hashes_after = snapshot(store)
    assert hashes_after["003_f3e8cce4618215f0.txt"] != hashes_before["003_f3e8cce4618215f0.txt"]
    metas = store.chunks.get(where={"source": "003_f3e8cce4618215f0.txt"}, include=["metadatas", "documents"])
    assert {m["doc_hash"] for m in metas["metadatas"]} == {hashes_after["003_f3e8cce4618215f0.txt"]}
    assert any("Vienna" in d for d in metas["documents"])
    assert store.remove("003_f3e8cce4618215f0.txt")
    assert store.chunks.get(where={"source": "003_f3e8cce4618215f0.txt"}, include=[])["ids"] == []
    assert store.sentences.get(where={"source": "003_f3e8cce4618215f0.txt"}, include=[])["ids"] == []
    assert list(store.articles()) == ["001_a0084ac74e741594.txt"]
    assert not store.remove("003_f3e8cce4618215f0.txt")


@pytest.mark.both_modes
def test_a_query_asking_for_more_than_is_stored_gets_what_there_is(fresh, embedder, tmp_path):
    """`store.query` asks Chroma without counting first (a count costs more than the query on a large
    index): an empty collection gives nothing, a small one all it holds, and a removal is seen."""
    settings, store = fresh
    vector = embedder.encode(["When will the US and Russia start talks?"])[0]
    assert store.query("chunks", vector, 50) == [] and store.query("sentences", vector, 50) == []
    ingest([copy_articles(tmp_path / "a", {"003_f3e8cce4618215f0.txt"})], store, embedder, settings)
    chunks, sentences, _ = snapshot(store)
    for collection, stored in (("chunks", chunks), ("sentences", sentences)):
        hits = store.query(collection, vector, len(stored) + 50)
        assert {h.id for h in hits} == stored and hits == sorted(hits, key=lambda h: -h.score)
        assert len(store.query(collection, vector, 3, {"source": "003_f3e8cce4618215f0.txt"})) == 3
    assert store.remove("003_f3e8cce4618215f0.txt")
    assert store.query("chunks", vector, 50) == [] and store.query("sentences", vector, 50) == []


class _Uncounted:
    """A real Chroma collection whose `count()` is forbidden: on a large index it costs more than a query."""

    def __init__(self, col):
        self._col = col

    def __getattr__(self, name):
        if name == "count":
            raise AssertionError("store.query counted the collection")
        return getattr(self._col, name)


def test_a_query_never_counts_the_collection_and_sentences_store_only_what_is_read(fresh, embedder, tmp_path):
    settings, store = fresh
    ingest([copy_articles(tmp_path / "a", {"003_f3e8cce4618215f0.txt"})], store, embedder, settings)
    vector = embedder.encode(["When will the US and Russia start talks?"])[0]
    store.chunks, store.sentences = _Uncounted(store.chunks), _Uncounted(store.sentences)
    assert store.query("chunks", vector, 5) and store.query("sentences", vector, 5)
    metas = store.sentences.get(include=["metadatas"])["metadatas"]
    assert metas and all("toks" not in m for m in metas)  # the old parse: nothing reads it since the trained reader


@pytest.mark.both_modes
def test_interrupted_write_is_invisible_and_healed(fresh, embedder, tmp_path):
    """Records written before the registry commit (a crash) are never retrieved, and a re-run cleans up."""
    from newsrag.index.chunk import chunk
    from newsrag.index.clean import clean
    from newsrag.index.load import load
    from newsrag.rag.lexical import build

    settings, store = fresh
    folder = copy_articles(tmp_path / "a", {"002_adfc22d6dbd34d9a.txt"})
    ingest([folder], store, embedder, settings)
    committed = snapshot(store)
    # An edited version whose write stopped before its commit: new records, old registry entry.
    doc = clean(load(folder / "002_adfc22d6dbd34d9a.txt", "002_adfc22d6dbd34d9a.txt"))
    doc = type(doc)(doc.source, doc.title, doc.text + "\n\nExtra sentence here.", doc.view + "\n\nExtra sentence here.")
    chunks = chunk(doc)
    texts = list({s.text for c in chunks for s in c.sentences})
    vecs = dict(zip(texts, embedder.encode(texts)))
    store._upsert(store.chunks, [c.id for c in chunks], [vecs[c.sentences[0].text] for c in chunks],
                  [c.text for c in chunks], [{**_meta(c)} for c in chunks])
    corpus = build(store, store.generation())
    assert set(corpus.ids) == committed[0]  # orphans are not visible to retrieval
    assert store.has_stale("002_adfc22d6dbd34d9a.txt", committed[2]["002_adfc22d6dbd34d9a.txt"])
    ingest([folder], store, embedder, settings)  # the re-run heals
    assert snapshot(store) == committed


def _meta(c):
    from newsrag.index.store import _chunk_meta

    return _chunk_meta(c)


BAD_FILES = {
    "empty.txt": b"",
    "blank.md": b"   \n\n  \t\n",
    "binary.txt": bytes(range(256)) * 4,
    "latin1.txt": "Caf\u00e9 talks in Gen\u00e8ve.".encode("latin-1"),
    "slides.pdf": b"%PDF-1.4 not an article",
}
EXPECTED = {
    "empty.txt": "empty file",
    "blank.md": "only whitespace",
    "binary.txt": "binary",
    "latin1.txt": "not valid UTF-8",
    "slides.pdf": "unsupported file type '.pdf'",
    "huge.txt": "too large",
}


def test_bad_files_are_reported_and_the_rest_indexed(fresh, embedder, tmp_path):
    settings, store = fresh
    folder = copy_articles(tmp_path / "a", {"000_3b191358b68c1c09.txt", "004_86d88f5456c1cfa9.txt"})
    for name, data in BAD_FILES.items():
        (folder / name).write_bytes(data)
    with open(folder / "huge.txt", "wb") as f:  # 50 MB
        f.write(b"Russia and NATO. " * (50_000_000 // 17))
    report = ingest([folder], store, embedder, settings)
    assert sorted(report.added) == ["000_3b191358b68c1c09.txt", "004_86d88f5456c1cfa9.txt"]
    problems = {name: reason for name, reason in report.failed + report.skipped}
    assert set(problems) == set(EXPECTED)
    for name, fragment in EXPECTED.items():
        assert fragment in problems[name], problems[name]
        assert "\n" not in problems[name]
    assert sorted(store.articles()) == ["000_3b191358b68c1c09.txt", "004_86d88f5456c1cfa9.txt"]
    # a file given directly with a bad type is a failure, not a skip
    report = ingest([folder / "slides.pdf"], store, embedder, settings)
    assert report.failed and "unsupported" in report.failed[0][1]


def test_missing_path_is_reported_and_the_others_ingested(fresh, embedder, tmp_path):
    settings, store = fresh
    folder = copy_articles(tmp_path / "a", {"001_a0084ac74e741594.txt"})
    report = ingest([tmp_path / "nope", folder], store, embedder, settings)
    assert report.added == ["001_a0084ac74e741594.txt"]
    assert len(report.failed) == 1 and "nope: no such file or folder" in report.failed[0][1]


def test_html_article_citations_quote_the_page_text(fresh, embedder, tmp_path):
    from newsrag.app import App

    settings, store = fresh
    page = tmp_path / "h" / "summit.html"
    page.parent.mkdir()
    body = ("<p>The foreign ministers of Finland and Norway met in Tromsø on Tuesday to discuss Arctic "
            "fisheries quotas for the coming decade.</p>"
            "<p>They agreed to cut the cod quota by <b>twelve percent</b> from next spring, "
            "officials said after the meeting.</p>"
            "<p>Environmental groups welcomed the decision but said deeper cuts were needed to protect stocks.</p>")
    page.write_text(
        "<!doctype html><html><head><title>Arctic cod quota cut | Example News</title>"
        "<script>document.write('Leave a Reply')</script></head><body>"
        "<nav><a href='/'>Home</a> <a href='/world'>World</a></nav>"
        f"<article><h1>Arctic cod quota cut by twelve percent</h1>{body}</article>"
        "<footer>Share this: Twitter Facebook. Copyright 2021 Example News.</footer></body></html>",
        encoding="utf-8")
    report = ingest([page.parent], store, embedder, settings)
    assert report.added == ["summit.html"], report
    assert store.articles()["summit.html"].title == "Arctic cod quota cut by twelve percent"
    texts = " ".join(store.chunks.get(include=["documents"])["documents"])
    assert "Home" not in texts and "Share this" not in texts and "document.write" not in texts
    answer = App(settings, store, embedder).chain().invoke({"question": "By how much was the cod quota cut?"})
    assert answer["answerable"], answer
    stored = store.article_text("summit.html")  # the page as a reader reads it: markup gone
    assert stored == parse(page.read_text(encoding="utf-8"), "summit.html").text and "<" not in stored
    assert answer["citations"]
    for c in answer["citations"]:
        assert stored[c["start"]:c["end"]] == c["text"]
    assert "cod quota by twelve percent from next spring" in " ".join(c["text"] for c in answer["citations"])
    assert "twelve percent" in answer["answer"]
