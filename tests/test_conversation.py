"""A conversation over real pages: a new question asked right after a turn about another page is answered
as it is when asked alone. (Its own evidence and the evidence in context are both read; the calibrated
reader, not retrieval strength, picks the one likelier to answer.)"""

from __future__ import annotations

import pytest

from conftest import shared_pages
from newsrag.app import App
from newsrag.settings import Settings

PAGES = ("al.com.local-debit-card-skimming.html", "kulu-media.com.meta-outage.html",
         "npr.org.justice-dylann-roof-verdict.html", "espn.com.sport-saban-meyer-agents.html")


@pytest.fixture(scope="module")
def app(tmp_path_factory, embedder):
    app = App(Settings(home=tmp_path_factory.mktemp("conversation") / "home"), embedder=embedder)
    assert not app.ingest(shared_pages(*PAGES)).failed
    return app


@pytest.mark.answers
@pytest.mark.parametrize("before, question, page, answer", [
    ("Which outage-tracking website recorded tens of thousands of Meta complaints?",
     "Where was the skimming device that investigators linked to five of the thefts hidden?",
     "al.com.local-debit-card-skimming.html", "gas"),
    ("On how many federal counts was Dylann Roof convicted?",
     "Which teams does the columnist say Saban walked out on?",
     "espn.com.sport-saban-meyer-agents.html", "Dolphins"),
])
def test_a_new_question_after_a_turn_about_another_page_is_answered_as_alone(app, before, question, page, answer):
    alone = app.ask(question)["answer"]
    assert alone["answerable"] and alone["citations"][0]["source"] == page
    first = app.ask(before)["answer"]
    history = [{"role": "user", "content": before}, {"role": "assistant", "content": first["answer"]}]
    after = app.ask(question, history)["answer"]
    assert after["answerable"], after["answer"]
    assert after["citations"][0]["source"] == page and answer in after["answer"]
