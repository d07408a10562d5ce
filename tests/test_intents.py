"""Intents beyond one fact, over the five articles: differing figures stated, summaries, comparisons, outcomes."""

from __future__ import annotations

import re

import pytest

from conftest import ARTICLES, article_text
from handbuilt import evidence
from newsrag.rag.intents import conflict
from newsrag.rag import question as intent
from newsrag.rag.query import Query
from newsrag.rag.intents import outcome
from test_chain import check_schema

MARK = re.compile(r"\[(\d+)\]")


@pytest.mark.parametrize("question, kind", [
    ("How many Russian troops are near Ukraine's border?", "fact"),
    ("What did Russia demand?", "fact"),
    ("Which countries does Russia want kept out of NATO?", "list"),
    ("List the dates of the planned talks", "list"),
    ("Compare the troop numbers reported", "compare"),
    ("Do the outlets agree on the number of Russian troops?", "compare"),
    ("Summarize what each outlet reports", "summarize"),
    ("Give an overview of Russia's demands", "summarize"),
    ("Give me a timeline of the talks", "timeline"),
    ("What happened after the talks?", "outcome"),
    ("What was agreed at the Geneva talks on January 10?", "outcome"),
    ("Did Russia and NATO reach an agreement at their January 12 talks?", "outcome"),
    ("How did Washington respond to Moscow's demand for security guarantees?", "fact"),
    ("What new sanctions did the US announce after the Geneva talks?", "outcome"),
    ("Who led the US delegation at the Geneva talks?", "outcome"),
    ("In which city did Putin hold his year-end press conference?", "fact"),
    ("How did the Geneva talks end?", "outcome"),
    ("Were the January 12 talks a success?", "outcome"),
    ("How did Washington respond to the demands?", "fact"),
])
def test_intent_of_a_question(question, kind):
    assert intent.detect(question).kind == kind


def test_topic_drops_the_framing_words():
    assert intent.detect("Compare the troop numbers reported") == intent.Intent("compare", "troop", True)
    assert intent.detect("Summarize what each outlet reports").topic == ""
    assert intent.detect("Summarize what the articles say about the Geneva talks").topic == "Geneva talks"


def test_counts_are_normalised_and_dates_years_durations_are_not_counts():
    focus = {"troop"}
    q = Query.of("How many troops?")
    assert intent.counted("How many troops?", "troops") == frozenset(focus)
    assert conflict.value_near("Russia has 100,000 troops there.", q, focus).number == 100_000
    assert conflict.value_near("Russia has 100 thousand troops there.", q, focus).number == 100_000
    assert conflict.value_near("a force of around 175,000 troops", q, focus).phrase == "around 175,000 troops"
    for text in ("Troops arrived on January 10.", "In 2014 troops moved.", "Troops stayed for 30 years.",
                 "Troops cost $ 300 million."):
        assert conflict.value_near(text, q, focus) is None, text
    assert conflict.value_near("Troops cost $ 300 million.", Query.of("How much did the troops cost?"), focus).number == 3e8
    assert not conflict.differ(100_000, 100_500) and conflict.differ(100_000, 175_000)


def test_a_number_the_question_says_is_not_its_answer():
    asked = Query.of("How many of the 100 soldiers were sent home?")
    assert conflict.value_near("Of the 100 soldiers, 10 soldiers were sent home.", asked, {"soldier"}).number == 10


def test_outcome_rule_refuses_only_what_is_merely_planned():
    asked = intent.detect("What was agreed at the Geneva talks?")
    planned = evidence("q", "The talks will take place in Geneva on January 10.", "Officials are expected to meet.")
    assert outcome.only_planned(asked, planned, 0.3, 8) == (
        "The articles describe this only as planned (“The talks will take place in Geneva on January 10”).")
    done = evidence("q", "The talks will take place in Geneva on January 10.", "The two sides agreed to meet again.")
    assert outcome.only_planned(asked, done, 0.3, 8) is None  # one sentence reports it as done
    past = evidence("q", "At the Geneva talks both sides restated their demands.", "Talks may resume.")
    assert outcome.only_planned(asked, past, 0.3, 8) is None  # the best evidence is not planned
    assert outcome.only_planned(intent.detect("Where are the talks?"), planned, 0.3, 8) is None  # not an outcome


def _cited(result: dict, value: str) -> list[dict]:
    return [c for c in result["citations"] if value in c["text"] and f"[{c['n']}]" in result["answer"]]


def test_differing_figures_are_stated_with_each_cited(chain):
    result = chain.invoke({"question": "How many Russian troops are near Ukraine's border?"})
    check_schema(result)
    assert result["answerable"] and result["conflict"] and result["answer"].startswith("Reports differ:")
    low, high = _cited(result, "100,000"), _cited(result, "175,000")
    assert low and high and {c["source"] for c in low}.isdisjoint(c["source"] for c in high)
    assert "100,000" in result["answer"] and "175,000" in result["answer"]
    # no single short answer when reports differ; each value is highlighted inside its own citation
    assert result["short_answer"] is None
    for c, value in ((low[0], "100,000"), (high[0], "175,000")):
        assert value in article_text(c["source"])[c["short"]["start"]:c["short"]["end"]]


def test_one_figure_question_without_disagreement_is_not_a_conflict(chain):
    result = chain.invoke({"question": "How large was the defense spending bill Biden signed on Monday?"})
    check_schema(result)
    assert result["answerable"] and not result["conflict"] and "768 billion" in result["answer"]


def test_compare_puts_the_values_side_by_side(chain):
    result = chain.invoke({"question": "Compare the troop numbers reported"})
    check_schema(result)
    assert result["answerable"] and result["intent"] == "compare" and result["conflict"]
    assert _cited(result, "100,000") and _cited(result, "175,000")


def test_compare_two_people_gives_each_a_line(chain):
    result = chain.invoke({"question": "Compare what Lavrov and Blinken said ahead of the talks"})
    check_schema(result)
    lines = result["answer"].splitlines()
    assert [line.split(":")[0] for line in lines] == ["Lavrov", "Blinken"]
    for line, name in zip(lines, ("Lavrov", "Blinken")):
        for n in MARK.findall(line):
            c = result["citations"][int(n) - 1]
            assert name in c["text"] or name in (c["speaker"] or "")


def test_summary_gives_one_cited_line_per_article(chain):
    result = chain.invoke({"question": "Summarize what each outlet reports"})
    check_schema(result)
    assert result["answerable"] and result["intent"] == "summarize"
    lines = result["answer"].splitlines()
    articles = sorted(p.name for p in ARTICLES.glob("*.txt"))
    assert len(lines) == len(articles)
    owners = []
    for line in lines:
        numbers = [int(n) for n in MARK.findall(line)]
        assert 1 <= len(numbers) <= 4, line
        owners.append(result["citations"][numbers[0] - 1]["source"])
        assert line.startswith(result["citations"][numbers[0] - 1]["title"].split()[0])  # labelled by its title
    assert owners == articles
    quoted = [s["text"] for s in result["sentences"]]
    assert len(quoted) == len(set(quoted))  # never the same sentence twice
    assert all(c["text"].strip() != c["title"].strip() for c in result["citations"])  # no headline as a statement


def test_a_summary_of_one_article_gives_its_main_points(fresh, embedder):
    """"Summarize the telescope article" over two real pages: three of its sentences, in article order, not the
    one sentence a summary gives each of many articles."""
    from conftest import shared_pages
    from newsrag.app import App

    settings, store = fresh
    app = App(settings, store, embedder)
    app.ingest(shared_pages("nature.com.telescope.html", "salon.com.emissions.html"))
    result = app.chain().invoke({"question": "Summarize the article about the Chinese telescope"})
    assert result["answerable"] and result["intent"] == "summarize"
    cites = result["citations"]
    assert len(cites) == settings.summary_single and {c["source"] for c in cites} == {"nature.com.telescope.html"}
    assert [c["start"] for c in cites] == sorted(c["start"] for c in cites)
    assert len(result["answer"].splitlines()) == 1 and result["answer"].startswith("Gigantic Chinese telescope")
    text = app.store.article_text("nature.com.telescope.html")
    assert all(text[c["start"]:c["end"]] == c["text"] for c in cites)


def test_topical_summary_leaves_out_articles_that_say_nothing_about_it(chain):
    result = chain.invoke({"question": "Summarize what the articles say about the Geneva talks"})
    check_schema(result)
    assert result["answerable"] and all("Geneva" in line for line in result["answer"].splitlines())


def test_outcome_of_an_event_known_only_as_planned_is_refused(chain):
    result = chain.invoke({"question": "What happened after the talks?"})
    check_schema(result)
    assert not result["answerable"] and result["citations"] == [] and result["intent"] == "outcome"
    assert result["notice"].startswith("The articles describe this only as planned (“")


def test_outcome_of_an_event_that_took_place_is_answered(chain):
    result = chain.invoke({"question": "What did Biden decide in his December 7 talks with Putin?"})
    check_schema(result)
    assert result["answerable"] and "refused to abide" in result["answer"] and result["notice"] is None
