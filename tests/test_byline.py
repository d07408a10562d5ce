"""Bylines answerable: "Who wrote ...?" and "What did <author> write ...?" from the articles' author field, cited
to the byline's exact span in the stored text; on hand-built evidence over a real store, and on a real page."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from conftest import shared_pages
from newsrag.app import App
from newsrag.rag.intents.byline import byline_answer, byline_span
from newsrag.rag.query import Query
from newsrag.rag.evidence import Candidate, Evidence
from newsrag.settings import Settings

FERRY = """---
outlet: Harbour Post
published: 2024-05-01
author: Jane Doe
---
# Harbour council approves new ferry line

By Jane Doe

The harbour council approved a new ferry line on Tuesday after a long debate, officials said.
"""
BRIDGE = """---
outlet: Harbour Post
author: Jane Doe
---
# Old swing bridge to close for repairs

The old swing bridge will close for six weeks of repairs from June, the council said on Monday.
"""
MARKET = """# Fish market moves to the north quay

The fish market will move to the north quay next spring, traders were told at a meeting on Friday.
"""


@pytest.fixture(scope="module")
def app(tmp_path_factory, embedder):
    base = tmp_path_factory.mktemp("bylines")
    folder = base / "articles"
    folder.mkdir()
    for name, text in (("ferry.md", FERRY), ("bridge.md", BRIDGE), ("market.md", MARKET)):
        (folder / name).write_text(text, encoding="utf-8")
    app = App(Settings(home=base / "home"), embedder=embedder)
    assert not app.ingest([folder]).failed
    return app


def evidence(question: str, *sources: str) -> Evidence:
    """Evidence as retrieval would leave it: one sentence of each of `sources`, best first."""
    made = [Candidate(source=s, title="", start=0, end=1, text="x", quote="x", vector=np.zeros(3), rank=i, dense=0.5,
                      lexical=0.5, fits=True, score=0.5) for i, s in enumerate(sources)]
    return Evidence(question, made, [])


def quoted(app, citation) -> str:
    return app.store.article_text(citation.source)[citation.start:citation.end]


def test_who_wrote_an_article_named_by_its_title_cites_the_byline(app):
    answer = byline_answer(Query.of("Who wrote the ferry line article?"), evidence("x", "market.md"), app.store)
    assert answer.answer == "Jane Doe wrote “Harbour council approves new ferry line” (Harbour Post, 2024-05-01). [1]"
    cited, = answer.citations
    assert (cited.source, cited.text, cited.supported) == ("ferry.md", "By Jane Doe", True)
    assert quoted(app, cited) == cited.text


def test_a_page_without_a_shown_byline_is_cited_by_its_headline_unsupported(app):
    answer = byline_answer(Query.of("Who is the author of the swing bridge story?"), evidence("x"), app.store)
    cited, = answer.citations
    assert answer.answer.startswith("Jane Doe wrote “Old swing bridge to close for repairs”")
    assert cited.source == "bridge.md" and not cited.supported and quoted(app, cited) == cited.text


def test_who_wrote_about_a_topic_means_the_article_retrieval_found_on_it(app):
    found = evidence("x", "market.md", "ferry.md")
    found = replace(found, candidates=[replace(c, text=t) for c, t in zip(found.candidates, ("Fish.", "A long debate."))])
    answer = byline_answer(Query.of("Who wrote about the debate?"), found, app.store)
    assert answer.citations[0].source == "ferry.md" and "Jane Doe" in answer.answer
    assert byline_answer(Query.of("Who wrote about the tunnel?"), found, app.store) is None  # no article is on it


def test_an_article_without_an_author_is_said_to_name_none(app):
    answer = byline_answer(Query.of("Who wrote the fish market article?"), evidence("x"), app.store)
    assert not answer.answerable and "does not name its author" in answer.notice


def test_what_an_author_wrote_lists_their_articles_each_cited(app):
    answer = byline_answer(Query.of("What did Jane Doe write?"), evidence("x"), app.store)
    assert {c.source for c in answer.citations} == {"ferry.md", "bridge.md"}
    assert all(quoted(app, c) == c.text for c in answer.citations)
    about = byline_answer(Query.of("What has Jane Doe written about the bridge?"), evidence("x"), app.store)
    assert [c.source for c in about.citations] == ["bridge.md"]


def test_what_an_author_wrote_about_a_topic_quotes_the_article_on_it(app):
    text = app.store.article_text("bridge.md")
    said = "The old swing bridge will close for six weeks of repairs from June, the council said on Monday."
    start = text.index(said)
    found = replace(evidence("x", "bridge.md"), candidates=[replace(evidence("x", "bridge.md").candidates[0], start=start,
                    end=start + len(said), text=said, quote=said)])
    answer = byline_answer(Query.of("What did Jane Doe write about repairs?"), found, app.store)
    assert answer.answer.endswith(f"[1] {said} [2]") and [quoted(app, c) for c in answer.citations][1] == said


@pytest.mark.parametrize("question", ["What did Vladimir Putin write to Biden?", "Who won the ferry contract?",
                                      "Who wrote the novel War and Peace?",
                                      "What did the council decide?"])
def test_other_questions_are_not_about_bylines(app, question):
    assert byline_answer(Query.of(question), evidence("x", "ferry.md"), app.store) is None


def test_the_byline_span_is_the_shortest_line_naming_the_author():
    text = "Headline\n\n  By Jon Porter  \n\nJon Porter wrote this story about FaceTime and iOS."
    start, end = byline_span(text, "Jon Porter; Staff")
    assert text[start:end] == "By Jon Porter"
    assert byline_span(text, "Anne Other") is None


def test_a_real_page_answers_who_wrote_it_from_its_byline(tmp_path, embedder):
    """The Verge's page: "Who wrote ...?" is cited to the byline the page shows; "What did ... write?" too."""
    page, = shared_pages("theverge.com.ios13.html")
    app = App(Settings(home=tmp_path / "home"), embedder=embedder)
    assert app.ingest([page]).added == [page.name]
    for question in ("Who wrote the article about FaceTime eye contact?", "What did Jon Porter write about iOS 13?"):
        answer = app.ask(question)["answer"]
        cited = answer["citations"][0]
        assert answer["answerable"] and "Jon Porter" in answer["answer"] and "The Verge" in answer["answer"]
        assert cited["supported"] and cited["author"] == "Jon Porter" and cited["offsets"] == "readable"
        assert cited["text"] == "Jon Porter @JonPorty"
        text = app.store.article_text(page.name)
        assert all(text[c["start"]:c["end"]] == c["text"] for c in answer["citations"])
    assert "iOS 13" in answer["citations"][-1]["text"]  # what he wrote about it, quoted
