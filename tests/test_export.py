"""Markdown export: every cited span quoted verbatim, once, in a numbered footnote with its file,
offsets, outlet and date; our own words (editorial ranges) in italics."""

from __future__ import annotations

import re

from conftest import article_text
from newsrag.ui.export import OURS, answer_markdown, conversation_markdown, quote_line
from test_chat_render import CONFLICT, EDITORIAL

QUESTIONS = ["What did Russia demand?", "Which TV channel interviewed Lavrov?"]


def test_conversation_footnotes_quote_every_span_and_number_across_answers(chain):
    results = [chain.invoke({"question": q}) for q in QUESTIONS]
    text = conversation_markdown(results)
    cites = [c for r in results for c in r["citations"]]
    assert len(cites) >= 3
    for i, c in enumerate(cites, start=1):
        assert article_text(c["source"])[c["start"]:c["end"]] == c["text"]
        assert f"[^{i}]: {c['source']}, {c['start']}–{c['end']} · " in text  # file and offsets
        assert f"\n    > {c['text']}\n" in text  # verbatim, as a block quote, no quotation marks of ours
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


def test_export_puts_our_words_in_italics_and_says_so():
    text = answer_markdown({**CONFLICT, "editorial": EDITORIAL})
    assert ("*Reports differ:* 100,000 troops, he *[Antony Blinken]* said [^1]; around 175,000 [^2]."
            in text) and OURS in text
    assert "*" not in answer_markdown(CONFLICT) and OURS not in answer_markdown(CONFLICT)
    both = conversation_markdown([CONFLICT, {**CONFLICT, "editorial": EDITORIAL}])
    assert both.count(OURS) == 1 and "[^4]" in both


def test_footnote_gives_source_offsets_outlet_date_and_the_quote_once():
    quoted = {"n": 1, "source": "a.txt", "title": "Talks set", "start": 284, "end": 318,
              "text": "“We are ready to talk,” he said.", "outlet": "Radio Liberty", "published": "2021-12-28",
              "url": "https://example.org/talks"}
    assert quote_line(quoted) == ("a.txt, 284–318 · Radio Liberty · 2021-12-28 · Talks set · "
                                  "https://example.org/talks\n    > “We are ready to talk,” he said.")
    assert quote_line({"n": 2, "source": "b.txt", "title": "b.txt", "start": 0, "end": 2, "text": "Hi"}) == (
        "b.txt, 0–2 · outlet unknown · date unknown\n    > Hi")
    text = answer_markdown({**CONFLICT, "citations": [quoted]})
    assert "““" not in text and text.count(quoted["text"]) == 1


def test_italics_keep_a_leading_comma_outside_and_the_legend_comes_once():
    """The core marks ", Blinken said" as ours: "troops*, Blinken said*" would stay literal asterisks."""
    answer = "100,000 troops, Blinken said [1]."
    assert answer[14:28] == ", Blinken said"
    result = {**CONFLICT, "answer": answer, "citations": CONFLICT["citations"][:1],
              "editorial": [{"start": 14, "end": 28, "kind": "attribution", "note": "who gives this figure"}]}
    text = answer_markdown(result)
    assert "100,000 troops, *Blinken said* [^1]." in text
    assert text.index(OURS) < text.index("## ") and text.count(OURS) == 1
    assert conversation_markdown([result, result]).count(OURS) == 1
