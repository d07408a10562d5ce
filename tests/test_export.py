"""Markdown export: every cited span quoted verbatim in a numbered footnote, with title and file."""

from __future__ import annotations

import re

from conftest import article_text
from newsrag.ui.export import answer_markdown, conversation_markdown, quote_line

QUESTIONS = ["What did Russia demand?", "Which TV channel interviewed Lavrov?"]


def test_conversation_footnotes_quote_every_span_and_number_across_answers(chain):
    results = [chain.invoke({"question": q}) for q in QUESTIONS]
    text = conversation_markdown(results)
    cites = [c for r in results for c in r["citations"]]
    assert len(cites) >= 3
    for i, c in enumerate(cites, start=1):
        assert article_text(c["source"])[c["start"]:c["end"]] == c["text"]
        assert f"[^{i}]: “{c['text']}” — {c['title']} ({c['source']})" in text  # verbatim, title, file
    markers = re.findall(r"\[\^(\d+)\](?!:)", text)
    assert sorted(set(map(int, markers))) == list(range(1, len(cites) + 1))  # each footnote used, none twice
    assert not re.search(r"(?<!\^)\[\d+\]", text)  # no bare [n] left
    assert all(q in text for q in QUESTIONS)
    one = answer_markdown(results[1])
    assert QUESTIONS[1] in one and QUESTIONS[0] not in one and "[^1]:" in one


def test_refusal_exports_its_notice_and_no_footnotes(chain):
    result = chain.invoke({"question": "Who won the 2018 FIFA World Cup?"})
    text = answer_markdown(result)
    assert result["answer"] in text and result["notice"] in text and "[^" not in text


def test_footnote_names_outlet_date_and_url_when_known():
    cite = {"n": 1, "source": "a.txt", "title": "Talks set", "text": "Talks begin on 10 January.",
            "outlet": "Radio Liberty", "published": "2021-12-28", "url": "https://example.org/talks"}
    assert quote_line(cite) == ("“Talks begin on 10 January.” — Talks set "
                                "(a.txt; Radio Liberty; 2021-12-28; https://example.org/talks)")
