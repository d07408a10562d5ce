"""Hostile input: fuzzed questions and article files never crash, never traceback, never hurt the index."""

from __future__ import annotations

import shutil

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ARTICLES
from newsrag.index.ingest import ingest
from newsrag.index.store import ChromaStore, connect
from newsrag.errors import InputError
from newsrag.settings import Settings

FUZZ = settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))

QUESTIONS = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=50).map(lambda s: s * 200),  # ~10k chars
    st.text(alphabet=st.characters(whitelist_categories=("Cc", "Cf", "Zs", "Zl", "Zp")), max_size=50),
    st.sampled_from(["", " ", "\x00", "?" * 2000, "Russia\u202e NATO", "<script>alert(1)</script>", "🙂" * 10]),
)


@pytest.fixture(scope="module")
def small_chain(tmp_path_factory, embedder):
    from newsrag.app import App

    s = Settings(home=tmp_path_factory.mktemp("fuzz-chain"))
    store = ChromaStore(connect(s), s.collection)
    ingest([ARTICLES / "003_f3e8cce4618215f0.txt"], store, embedder, s)
    return App(s, store, embedder).chain()


@pytest.mark.slow
@FUZZ
@given(QUESTIONS)
def test_fuzzed_questions_answer_or_refuse_cleanly(small_chain, question):
    try:
        result = small_chain.invoke({"question": question})
    except InputError as e:
        assert str(e) and "\n" not in str(e)
        return
    assert isinstance(result["answerable"], bool)
    text = ARTICLES.joinpath("003_f3e8cce4618215f0.txt").read_text(encoding="utf-8")
    for c in result["citations"]:
        assert text[c["start"]:c["end"]] == c["text"]


FILES = st.one_of(
    st.binary(max_size=4000).map(lambda b: ("random.txt", b)),
    st.just(("empty.md", b"")),
    st.integers(100, 5000).map(lambda n: ("deep.html", ("<div>" * n + "Deep text about talks. " + "</div>" * n).encode())),
    st.text(max_size=3000).map(lambda t: ("text.txt", t.encode("utf-8", "surrogatepass"))),
    st.text(max_size=500).map(lambda t: ("page.html", f"<html><body><p>{t}</p><script>{t}</script></body></html>".encode(
        "utf-8", "surrogatepass"))),
)


@pytest.fixture(scope="module")
def fuzz_store(tmp_path_factory, embedder):
    s = Settings(home=tmp_path_factory.mktemp("fuzz-store"))
    store = ChromaStore(connect(s), s.collection)
    ingest([ARTICLES / "001_a0084ac74e741594.txt"], store, embedder, s)
    return s, store, embedder, store.articles()["001_a0084ac74e741594.txt"]


@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
@given(FILES)
def test_fuzzed_files_never_crash_or_hurt_the_index(fuzz_store, tmp_path_factory, named):
    s, store, embedder, original = fuzz_store
    folder = tmp_path_factory.mktemp("f")
    name, data = named
    (folder / name).write_bytes(data)
    shutil.copy(ARTICLES / "000_3b191358b68c1c09.txt", folder)
    report = ingest([folder], store, embedder, s)
    assert "000_3b191358b68c1c09.txt" in report.added + report.unchanged
    for _, reason in report.failed:
        assert reason and "\n" not in reason and "Traceback" not in reason
    assert store.articles()["001_a0084ac74e741594.txt"] == original
    if name in store.articles():  # whatever went in is consistent and removable
        assert store.remove(name)


@pytest.mark.slow
def test_a_single_5mb_line_is_indexed_without_harm(fuzz_store, tmp_path):
    s, store, embedder, original = fuzz_store
    (tmp_path / "one-line.txt").write_bytes(b"Russia talks " * 400_000)  # 5.2 MB, no line break, no period
    report = ingest([tmp_path], store, embedder, s)
    assert report.added == ["one-line.txt"] and not report.failed
    chunks = store.chunks.get(where={"source": "one-line.txt"}, include=["metadatas"])["metadatas"]
    text = (tmp_path / "one-line.txt").read_text(encoding="utf-8")
    assert all(0 <= m["start"] < m["end"] <= len(text) for m in chunks)
    assert store.articles()["001_a0084ac74e741594.txt"] == original
    assert store.remove("one-line.txt")
