"""Answers for a reader, over the five real articles: speakers, short answers, no headlines quoted."""

from __future__ import annotations

import json

import pytest

from conftest import article_text
from newsrag.rag.speakers import speaker_matches


def stored(store, citation: dict) -> dict:
    """The sentence row stored at ingest for a cited span."""
    got = store.sentences.get(where={"$and": [{"source": citation["source"]}, {"start": citation["start"]},
                                              {"end": citation["end"]}]}, include=["metadatas"])
    assert got["ids"], citation
    return got["metadatas"][0]


@pytest.mark.parametrize("question, subject", [
    ("What does Lavrov think?", "Lavrov"),
    ("What did Peskov say about the talks?", "Peskov"),
    ("What does Blinken think about Russia?", "Blinken"),
])
def test_speaker_questions_never_quote_someone_else(chain, question, subject):
    result = chain.invoke({"question": question})
    assert result["answerable"] and result["citations"]
    speakers = [c["speaker"] for c in result["citations"]]
    assert any(speaker_matches(subject, s) for s in speakers)  # their own words are there...
    for c in result["citations"]:  # ...and nobody else's words unless they are about them
        assert c["speaker"] is None or speaker_matches(subject, c["speaker"]) or subject in c["text"]
    assert "even Russia today is too big" not in result["answer"]  # Putin's words, not Lavrov's


def test_lavrov_is_not_answered_with_putin(chain):
    result = chain.invoke({"question": "What does Lavrov think?"})
    first = result["citations"][result["sentences"][0]["citations"][0] - 1]
    assert speaker_matches("Lavrov", first["speaker"])  # his own words lead


@pytest.mark.parametrize("question", [
    "What did Peskov say about the talks?", "What does Lavrov think?", "What did Blinken say about the choice Russia faces?",
    "What does Putin think about NATO expansion?", "What did the Kremlin spokesman say?",
])
def test_quotes_name_their_speaker(chain, question):
    """Every answer sentence citing reported speech names who spoke (the citation stays the exact span)."""
    result = chain.invoke({"question": question})
    for s in result["sentences"]:
        for n in s["citations"][:1]:
            c = result["citations"][n - 1]
            assert article_text(c["source"])[c["start"]:c["end"]] == c["text"]
            if c["speaker"]:
                assert c["speaker"].split()[-1] in s["text"], (s["text"], c["speaker"])


@pytest.mark.parametrize("question", [
    "Who is the Kremlin spokesman quoted on the planned talks?",
    pytest.param("How long did Putin's press conference last?", marks=pytest.mark.xfail(
        strict=True, reason="known miss since the stage-5 reader (docs/reader.md): its span 'four hours' is right, "
                            "but P(right) 0.805 is under the 0.840 threshold")),
    "How large was the defense spending bill Biden signed on Monday?",
    pytest.param("Where will the US-Russia talks be held?", marks=pytest.mark.xfail(
        strict=True, reason="the reader's span is 'Geneva' (stage 5), but its P(right) 0.823 is under the 0.840 threshold")),
    "In what year did Russia unlawfully take over Crimea?",
    "Who is the Assistant Secretary of State for European and Eurasian Affairs?",
    "Which Russian deputy foreign minister confirmed the dates of the talks?",
])
def test_short_answer_is_highlighted_inside_its_citation(chain, question):
    result = chain.invoke({"question": question})
    short = result["short_answer"]
    assert short is not None, result["answer"]
    c = result["citations"][short["n"] - 1]
    span = c["short"]
    assert span is not None and c["start"] <= span["start"] < span["end"] <= c["end"]
    assert article_text(c["source"])[span["start"]:span["end"]] == short["text"]  # exact offsets
    assert result["answer"].startswith(short["text"])  # shown first
    assert short["text"].lower() not in question.lower()  # not the question's own words
    assert sum(x["short"] is not None for x in result["citations"]) == 1


@pytest.mark.xfail(strict=True, reason="known miss since the stage-5 reader (docs/reader.md): it reads the bill's "
                                       "total, '$ 768 billion', at P(right) 0.860, over the 0.840 threshold")
def test_a_wrong_span_is_not_shown_as_the_short_answer(chain):
    """The reader's best span for the Ukraine share of the bill is the bill's total ("$ 768 billion"):
    its calibrated P(right) keeps it from being shown first (stage 1 showed it)."""
    result = chain.invoke({"question": "How much of the defense spending bill is for Ukraine's Security Assistance "
                                       "Initiative?"})
    assert result["short_answer"] is None or "300 million" in result["short_answer"]["text"], result["answer"]
    assert "300 million" in result["citations"][0]["text"]


@pytest.mark.parametrize("question, expected", [
    ("Who is the Assistant Secretary of State for European and Eurasian Affairs?", "Karen Donfried"),
    pytest.param("How long did Putin's press conference last?", "four hours", marks=pytest.mark.xfail(
        strict=True, reason="known miss since the stage-5 reader: P(right) 0.805 under 0.840 (see above)")),
    pytest.param("Where will the US-Russia talks be held?", "Geneva", marks=pytest.mark.xfail(
        strict=True, reason="the reader's span is 'Geneva' (stage 5), but its P(right) 0.823 is under the 0.840 threshold")),
])
def test_short_answers_of_typed_questions(chain, question, expected):
    assert chain.invoke({"question": question})["short_answer"]["text"] == expected


def test_a_short_answer_only_when_the_reader_is_confident(chain):
    """An open question ("What did Russia demand?") has no span the reader is sure of: no short answer."""
    assert chain.invoke({"question": "What did Russia demand?"})["short_answer"] is None


QUESTIONS = [
    "What is NATO's position?", "US Russia talks January 10 amid Ukraine crisis", "What does the satellite image show?",
    "Russia against Ukraine's move to NATO", "What did Russia offer NATO?", "When will the talks take place?",
    "Why is Russia against Ukraine joining NATO?", "What will the talks discuss?", "What happened in the region?",
    "What did the United States say about the negotiations?", "Has a date been set for the security talks?",
]


@pytest.mark.slow
def test_headlines_and_captions_are_never_answer_statements(chain, indexed):
    _, store = indexed
    non_statements = [m["quote"] for m in store.sentences.get(include=["metadatas"])["metadatas"]
                      if not m["statement"]]
    assert non_statements  # the articles have headlines and captions to avoid
    for question in QUESTIONS:
        result = chain.invoke({"question": question})
        for c in result["citations"]:
            assert stored(store, c)["statement"], (question, c["text"])
        for quote in non_statements:
            assert quote not in result["answer"], (question, quote)


def test_stored_speakers_and_entities_reach_the_citations(chain, indexed):
    _, store = indexed
    result = chain.invoke({"question": "What did Peskov say about the talks?"})
    for c in result["citations"]:
        meta = stored(store, c)
        assert c["speaker"] == (meta["speaker"] or None)
        for label, start, end in json.loads(meta["ents"]):
            assert c["start"] <= start < end <= c["end"]


def test_source_panel_highlights_the_short_answer_inside_its_sentence(chain):
    from newsrag.ui import render

    result = chain.invoke({"question": "Who is the Assistant Secretary of State for European and Eurasian Affairs?"})
    c = result["citations"][result["short_answer"]["n"] - 1]
    html = render.highlighted(article_text(c["source"]), [c], focus=c["n"])
    mark = html[html.index("<mark"):html.index("</mark>")]
    assert f'<strong class="short-answer">{result["short_answer"]["text"]}</strong>' in mark
