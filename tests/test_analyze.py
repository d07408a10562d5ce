"""Language analysis at ingest on the real articles with the real spaCy model: speakers, statements, entities."""

from __future__ import annotations

import json
import shutil

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ARTICLES
from newsrag.errors import BackendError
from newsrag.index.analyze import Local, analyze, analyze_articles, check_meta, model_path
from newsrag.index.chunk import article_sentences
from newsrag.index.clean import clean
from newsrag.index.ingest import ingest
from newsrag.index.load import load
from newsrag.index.statement import is_caption
from newsrag.index.store import ChromaStore, connect
from newsrag.settings import Settings

SOURCES = sorted(p.name for p in ARTICLES.glob("*.txt"))


def analysed(source: str) -> list[tuple[str, object]]:
    """(sentence text, SentenceInfo) for every sentence of an article, as ingest sees them."""
    doc = clean(load(ARTICLES / source, source, 10**7))
    sents = article_sentences(doc)
    return list(zip((s.text for s in sents), analyze(doc.view, [(s.start, s.end) for s in sents])))


def find(rows, fragment: str):
    hits = [info for text, info in rows if fragment in text]
    assert len(hits) == 1, fragment
    return hits[0]


def test_named_speaker_of_a_quote():
    rows = analysed("001_a0084ac74e741594.txt")
    assert find(rows, "Lavrov said on Wednesday").speaker.endswith("Lavrov")
    assert find(rows, "We don’t want to take a confrontation path").speaker.endswith("Lavrov")  # quote goes on
    assert find(rows, "Foreign Minister Sergey Lavrov said").speaker == "Sergey Lavrov"  # title dropped


def test_he_said_inherits_the_last_named_speaker():
    rows = analysed("001_a0084ac74e741594.txt")
    assert find(rows, "I hope that they will take us seriously").speaker.endswith("Lavrov")
    assert find(rows, "We want this talk").speaker == "Dmitry Peskov"
    assert find(rows, "talks are held to discuss their respective positions").speaker == "Dmitry Peskov"


def test_a_speaker_is_named_here_only_when_the_sentence_or_its_paragraph_names_them():
    text = ("Foreign Minister Sergey Lavrov said the talks would be hard. “We want peace,” he said.\n\n"
            "“We are ready,” he said on Friday.\n\nThe weather was cold in Geneva, John Smith noted.")
    spans = [(m.start(), m.end()) for m in __import__("re").finditer(r"[^\n]+?[.!?]”?(?:\s|$)", text)]
    spans = [(a, b if text[b - 1] not in " \n" else b - 1) for a, b in spans]
    rows = list(zip((text[a:b] for a, b in spans), analyze(text, spans)))
    assert (find(rows, "talks would be hard").speaker, find(rows, "talks would be hard").speaker_here) == (
        "Sergey Lavrov", True)
    assert (find(rows, "We want peace").speaker, find(rows, "We want peace").speaker_here) == ("Sergey Lavrov", True)
    ready = find(rows, "We are ready")  # a paragraph of its own: the speaker ranks it, an answer does not name them
    assert (ready.speaker, ready.speaker_here) == ("Sergey Lavrov", False)
    assert find(rows, "We are ready").meta(0)["speaker_here"] is False


def test_sentences_without_speech_have_no_speaker():
    rows = analysed("003_f3e8cce4618215f0.txt")
    assert find(rows, "In 2014, Russia illegally annexed Crimea").speaker is None
    assert find(rows, "Ryabkov said the US-Russian talks").speaker == "Ryabkov"


@pytest.mark.parametrize("source, fragment", [
    ("003_f3e8cce4618215f0.txt", "US, Russia to start talks on January 10 amid Ukraine crisis"),  # headline
    ("003_f3e8cce4618215f0.txt", "Above, a satellite image shows"),  # caption
    ("004_86d88f5456c1cfa9.txt", "Russia against Ukraine’s move to NATO"),  # subheading
    ("004_86d88f5456c1cfa9.txt", "/ photo REUTERS"),  # caption glued to a sentence
    ("002_adfc22d6dbd34d9a.txt", "has two ways – the United States made a statement"),  # headline, no stop
])
def test_headlines_and_captions_are_not_statements(source, fragment):
    assert find(analysed(source), fragment).statement is False


def test_prose_is_statements():
    for source in SOURCES:
        rows = analysed(source)
        share = sum(info.statement for _, info in rows) / len(rows)
        assert share >= 0.75, (source, share)
    assert find(analysed("002_adfc22d6dbd34d9a.txt"), "Moscow demands that NATO legally formalize").statement


def test_a_sentence_glued_to_a_caption_stands_alone():
    """"early next year.Russia offers NATO ... / photo REUTERS...": the sentence is a statement of its
    own, the caption glued to it a unit of its own that is never a statement."""
    rows = analysed("004_86d88f5456c1cfa9.txt")
    texts = [text for text, _ in rows]
    assert "Negotiations may take place early next year." in texts
    assert find(rows, "Negotiations may take place early next year.").statement
    caption = "Russia offers NATO to refuse to admit Ukraine to the Alliance / photo REUTERS"
    assert f"{caption}{caption}" in texts and not find(rows, caption).statement
    assert "Intelligence suggests that the Russian Federation will try to invade the country again this winter." in texts
    assert not any("USANATOUSA" in t for t in texts)  # a tag list glued on ("winter.USANATOUSA and Russia"): debris


@pytest.mark.parametrize("text, caption", [
    ("Russia offers NATO to refuse to admit Ukraine to the Alliance / photo REUTERS", True),
    ("Photo: AP", True), ("(Credit: Clayton Aldern / Grist)", True), ("Protesters in Kyiv (Reuters)", True),
    ("Crowds gather in the square. Getty Images", True), ("Workers unload aid (AP Photo/Evan Vucci)", True),
    ("MOSCOW (Reuters) - Russia said on Friday it would attend the talks.", False),
    ("Negotiations may take place early next year.", False), ("He sent a photo to reporters.", False),
])
def test_captions_are_recognised_by_their_credit_line(text, caption):
    assert is_caption(text) is caption


_TEXTS = {s: (ARTICLES / s).read_text(encoding="utf-8") for s in SOURCES}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SOURCES), st.lists(st.tuples(st.floats(0, 1), st.integers(20, 400)), min_size=1, max_size=4))
def test_entity_offsets_are_exact_article_offsets(source, cuts):
    """For any spans of an article, each entity lies inside its span and text[start:end] is the entity."""
    text = _TEXTS[source]
    spans = sorted({(int(f * (len(text) - 1)), min(len(text), int(f * (len(text) - 1)) + n)) for f, n in cuts})
    for (s, e), info in zip(spans, analyze(text, spans)):
        for label, start, end in info.ents:
            assert s <= start < end <= e
            assert text[start:end] == text[start:end].strip() != ""
            assert label.isupper()
        assert [x[1] for x in info.ents] == sorted(x[1] for x in info.ents)


def test_model_meta_is_checked(tmp_path):
    check_meta(model_path())  # the installed one is accepted
    fake = tmp_path / "model"
    shutil.copytree(model_path(), fake, ignore=shutil.ignore_patterns("tok2vec", "parser", "ner", "tagger", "vocab"))
    meta = json.loads((fake / "meta.json").read_text())
    (fake / "meta.json").write_text(json.dumps({**meta, "version": "3.7.1"}))
    with pytest.raises(BackendError, match="requirements-spacy-model.txt"):
        check_meta(fake)


def test_known_analysis_is_reused_not_recomputed():
    """A sentence whose analysis is known is taken as is (how re-ingest skips unchanged text)."""
    text = "Lavrov said the talks went well.\n\nThe weather was cold in Geneva."
    spans = [(0, 32), (34, len(text))]
    known = {text[0:32]: Local((("ORG", 0, 6),), "Somebody Else", False)}
    first, second = analyze_articles([(text, spans)], known)[0]
    assert (first.speaker, first.statement, first.ents) == ("Somebody Else", False, [("ORG", 0, 6)])
    assert ("GPE", text.index("Geneva"), text.index("Geneva") + 6) in second.ents


def one_article(tmp_path, embedder, source: str):
    """A fresh embedded store with one real article ingested: (store, its folder, settings)."""
    settings = Settings(home=tmp_path / "home")
    store = ChromaStore(connect(settings), settings.collection)
    folder = tmp_path / "a"
    folder.mkdir()
    shutil.copy(ARTICLES / source, folder)
    ingest([folder], store, embedder, settings)
    return store, folder, settings


def test_ingest_stores_analysis_and_reuses_it(tmp_path, embedder):
    store, folder, settings = one_article(tmp_path, embedder, "001_a0084ac74e741594.txt")
    got = store.sentences.get(include=["metadatas"])["metadatas"]
    text = _TEXTS["001_a0084ac74e741594.txt"]
    for m in got:
        assert isinstance(m["statement"], bool) and isinstance(m["speaker"], str)
        for label, start, end in json.loads(m["ents"]):
            assert m["start"] <= start < end <= m["end"] and text[start:end].strip()
    assert any(m["speaker"].endswith("Lavrov") and "confrontation path" in m["quote"] for m in got)
    vectors, analyses = store.known_sentences([])
    assert vectors == {} and analyses == {}
    quotes = [m["quote"] for m in got]
    _, analyses = store.known_sentences([" ".join(q.split()) for q in quotes])
    assert set(analyses) == set(quotes)  # an edited article would reuse every unchanged sentence


class _Counted:
    """The real sentence collection, counting the records its `get` returns (vectors apart)."""

    def __init__(self, collection):
        self.collection, self.records, self.vectors = collection, 0, 0

    def get(self, **kw):
        got = self.collection.get(**kw)
        self.records += len(got["ids"])
        self.vectors += len(got["ids"]) if "embeddings" in kw.get("include", []) else 0
        return got

    def __getattr__(self, name):
        return getattr(self.collection, name)


def test_known_sentences_reads_one_vector_per_text_however_often_the_index_repeats_it(tmp_path, embedder):
    """Wire copy stored under many sources: looking up a batch's texts costs the batch, not the copies."""
    store, folder, settings = one_article(tmp_path, embedder, "001_a0084ac74e741594.txt")
    quotes = [m["quote"] for m in store.sentences.get(include=["metadatas"])["metadatas"]]
    texts = [" ".join(q.split()) for q in quotes]
    once = store.known_sentences(texts)
    for i in range(40):
        shutil.copy(ARTICLES / "001_a0084ac74e741594.txt", folder / f"copy{i:02d}.txt")
    ingest([folder], store, embedder, settings)
    assert store.sentences.count() == 41 * len(quotes)
    store.sentences = counted = _Counted(store.sentences)
    vectors, analyses = store.known_sentences(texts)
    assert counted.vectors == len(set(texts)) and counted.records <= 100 + len(set(texts))
    assert set(vectors) == set(once[0]) == set(texts) and set(analyses) == set(once[1]) == set(quotes)
    assert all(abs(vectors[t] - once[0][t]).max() < 1e-6 for t in texts)


def test_reingest_analyses_an_index_stored_before_analysis(tmp_path, embedder):
    """Rows written without analysis (an older index) get it on the next ingest; vectors are kept."""
    store, folder, settings = one_article(tmp_path, embedder, "003_f3e8cce4618215f0.txt")
    got = store.sentences.get(include=["metadatas", "embeddings"])
    old = [{k: v for k, v in m.items() if k not in ("ents", "speaker", "statement", "said")} for m in got["metadatas"]]
    store.sentences.delete(ids=got["ids"])  # rewritten as an index from before analysis stored them
    store.sentences.add(ids=got["ids"], embeddings=got["embeddings"], metadatas=old,
                        documents=[" ".join(m["quote"].split()) for m in old])
    assert not store.analysed("003_f3e8cce4618215f0.txt", old[0]["doc_hash"])
    report = ingest([folder], store, embedder, settings)
    assert report.updated == ["003_f3e8cce4618215f0.txt"]
    after = store.sentences.get(ids=got["ids"], include=["metadatas", "embeddings"])
    assert all("speaker" in m and "statement" in m for m in after["metadatas"])
    before = dict(zip(got["ids"], got["embeddings"]))
    diffs = [float(abs(v - before[i]).max()) for i, v in zip(after["ids"], after["embeddings"])]
    assert max(diffs) < 1e-6, diffs  # vectors reused
    assert ingest([folder], store, embedder, settings).unchanged == ["003_f3e8cce4618215f0.txt"]
