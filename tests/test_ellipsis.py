"""Elliptical follow-ups are rewritten into standalone questions, and answered as such."""

from __future__ import annotations

import pytest

from newsrag.rag.question import rewrite, standalone


def turns(*questions: str) -> list[dict]:
    out = []
    for q in questions:
        out += [{"role": "user", "content": q}, {"role": "assistant", "content": "An answer [1]."}]
    return out


@pytest.mark.parametrize("previous, question, whole", [
    ("Where will the US-Russia talks be held?", "When?", "When will the US-Russia talks be held?"),
    ("In which city will the NATO-Ukraine Commission meet?", "and when?", "When will the NATO-Ukraine Commission meet?"),
    ("What did Lavrov say about the talks?", "And Blinken?", "What did Blinken say about the talks?"),
    ("What did Lavrov say about the talks?", "what about Peskov?", "What did Peskov say about the talks?"),
    ("When will the US-Russia talks be held?", "And the NATO-Russia Council?",
     "When will the NATO-Russia Council talks be held?"),
])
def test_rewrite(previous, question, whole):
    assert rewrite(question, previous) == whole


@pytest.mark.parametrize("question", ["Who is Karen Donfried?", "And where will that be held?", "Why did he say so?",
                                      "and how many troops?"])
def test_not_elliptical_is_left_alone(question):
    assert rewrite(question, "What did Lavrov say about the talks?") is None


@pytest.mark.parametrize("previous", ["How many troops are near the border?", "Who will lead the US delegation?",
                                      "Which official said Russia has no veto?"])
def test_no_rewrite_when_the_wh_words_are_the_subject(previous):
    assert rewrite("When?", previous) is None


def test_follow_ups_resolve_in_turn():
    history = turns("Where will the US-Russia talks be held?", "When?")
    assert standalone("And the NATO-Russia Council?", history) == "When will the NATO-Russia Council talks be held?"
    assert standalone("When?", []) is None


def test_and_someone_else_answers_with_their_words(chain):
    history = turns("What did Lavrov say about the talks?")
    result = chain.invoke({"question": "And Blinken?", "history": history})
    assert result["question"] == "And Blinken?"  # what the user typed is echoed
    lead = result["citations"][result["sentences"][0]["citations"][0] - 1]
    assert "Blinken" in (lead["speaker"] or "")
