"""Speakers on real pages: named in an answer only where the sentence or its own paragraph names them.

News puts "“…,” he said." in a paragraph of its own after the paragraph naming the speaker: the
speaker still ranks the sentence for "What did Bassi say?", but an answer does not put a name the
paragraph does not give into the quote's mouth. Pages come from ../shared (skipped where absent).
"""

from __future__ import annotations

import pytest

from conftest import shared_pages
from newsrag.app import App
from newsrag.index.analyze import analyze
from newsrag.index.chunk import article_sentences
from newsrag.index.clean import clean
from newsrag.index.load import load
from newsrag.rag.fidelity import unfaithful
from newsrag.settings import Settings

pytestmark = pytest.mark.slow  # real pages through spaCy and the model

HALIBUT = "seattletimes.com.local-halibut-whole-foods.html"
ROOF = "npr.org.justice-dylann-roof-verdict.html"


def speakers_of(name: str) -> list[tuple[str, str | None, bool]]:
    path = shared_pages(name)[0]
    doc = clean(load(path, path.name, 10**7))
    sents = article_sentences(doc)
    return [(s.text, i.speaker, i.speaker_here) for s, i in zip(sents, analyze(doc.view, [(s.start, s.end) for s in sents]))]


def one(rows, fragment: str) -> tuple[str | None, bool]:
    hits = [(speaker, here) for text, speaker, here in rows if fragment in text]
    assert len(hits) == 1, fragment
    return hits[0]


@pytest.mark.parametrize("name, fragment, speaker, here", [
    (HALIBUT, "Whole Foods is one of the better ones", "Bassi", True),  # named in the sentence
    (HALIBUT, "When you look at nice halibut", "Wade Bassi", False),  # "he said", alone in its paragraph
    (HALIBUT, "so wildly expensive that we didn", "Forte", True),  # the sentence ends "…,” Forte said."
    (HALIBUT, "Grocery’s a very big category", "Forte", True),  # the quote goes on in the same paragraph
    (HALIBUT, "He said there’s little if any room for a profit", "Tyler Besecker", False),
    (ROOF, "I am guilty. We all know", "Roof", False),
    (ROOF, "That was it,", "Roof", True),
])
def test_speaker_and_whether_the_paragraph_names_them(name, fragment, speaker, here):
    assert one(speakers_of(name), fragment) == (speaker, here)


@pytest.fixture(scope="module")
def halibut(tmp_path_factory, embedder):
    path = shared_pages(HALIBUT)[0]
    app = App(Settings(home=tmp_path_factory.mktemp("halibut")), embedder=embedder)
    assert not app.ingest([path]).failed
    return app


def test_who_said_a_quote_on_a_real_page_names_the_speaker_its_paragraph_gives(halibut):
    result = halibut.ask("Who said “Grocery’s a very big category”?")["answer"]
    assert result["answerable"] and unfaithful(result) == []
    assert "Grocery’s a very big category" in result["citations"][0]["text"]
    assert result["citations"][0]["speaker"] == "Forte"
    assert any(result["answer"][e["start"]:e["end"]].startswith("Forte") for e in result["editorial"])


def test_a_quote_asked_after_another_question_is_still_found(halibut):
    first = halibut.ask("How much did Amazon pay for Whole Foods?")["answer"]
    history = [{"role": "user", "content": first["question"]}, {"role": "assistant", "content": first["answer"]}]
    result = halibut.ask("Who said “Grocery’s a very big category”?", history)["answer"]
    assert result["answerable"] and "Grocery’s a very big category" in result["citations"][0]["text"]


def test_a_quote_no_page_holds_is_refused_saying_so(halibut):
    result = halibut.ask("Who said “the halibut tasted of nothing at all”?")["answer"]
    assert not result["answerable"] and "the halibut tasted of nothing at all" in result["notice"]


def test_he_said_alone_in_its_paragraph_is_quoted_without_a_name(halibut):
    result = halibut.ask("Who said “When you look at nice halibut, I mean it is pure white”?")["answer"]
    assert result["answerable"] and "pure white" in result["citations"][0]["text"]
    assert result["citations"][0]["speaker"] is None and "Bassi" not in result["answer"]
    assert unfaithful(result) == []
