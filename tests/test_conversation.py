"""A conversation over real pages: a new question asked right after a turn about another page is answered
as it is when asked alone. (Its own evidence and the evidence in context are both read; the calibrated
reader, not retrieval strength, picks the one likelier to answer.)"""

from __future__ import annotations

from pathlib import Path

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


@pytest.mark.answers
def test_the_topic_switch_eval_asks_each_question_alone_and_after_another_pages_turn(app, tmp_path):
    import json
    import shutil

    from newsrag.eval.topic_switch import run

    pages = tmp_path / "pages"
    pages.mkdir()
    for path in shared_pages(*PAGES):
        shutil.copy(path, pages / path.name)
    dataset = tmp_path / "pages.jsonl"
    rows = [json.loads(line) for line in (Path(__file__).parents[1] / "eval/qa/pages.jsonl").open(encoding="utf-8")]
    mine = [r for r in rows if r.get("evidence") and r["evidence"][0]["source"] in PAGES]
    dataset.write_text("".join(json.dumps(r) + "\n" for r in mine), encoding="utf-8")
    summary = run(tmp_path, dataset, pages, app)
    report = json.loads((tmp_path / "topic-switch.json").read_text(encoding="utf-8"))
    page = {r["id"]: r["evidence"][0]["source"] for r in mine}
    assert summary["questions"] == len(report["rows"]) == len(mine) == 20
    assert all(page[r["after"]] != page[r["id"]] for r in report["rows"])  # always a turn about another page
    # a new question fares as it does alone: found and answered as often after the other page's turn
    assert summary["found_after"] == summary["found_alone"] and summary["answered_after"] == summary["answered_alone"]
