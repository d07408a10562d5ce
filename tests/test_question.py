"""Question analysis: expected answer type, named subject or speaker, and speaker matching."""

from __future__ import annotations

import pytest

from newsrag.rag.question import analyze_question, speaker_matches


@pytest.mark.parametrize("question, kind, subject", [
    ("What does Lavrov think?", "position", "Lavrov"),
    ("What did Lavrov say about the talks?", "position", "Lavrov"),
    ("What is NATO's position?", "position", "NATO"),
    ("According to Putin, on whose side is the ball?", None, "Putin"),
    ("Who voted against the budget?", "person", None),
    ("Which news agency confirmed the dates?", "org", None),
    ("How many Russian troops are near Ukraine's border?", "number", None),
    ("How long did the press conference last?", "duration", None),
    ("When will the talks take place?", "date", None),
    ("Where will the talks be held?", "place", None),
    ("Why does Russia oppose NATO expansion?", "reason", None),
    ("List the meetings scheduled in January.", "list", None),
])
def test_answer_type_and_subject(question, kind, subject):
    q = analyze_question(question)
    assert (q.answer_type, q.subject) == (kind, subject)


def test_labels_follow_the_type():
    assert analyze_question("Who warned Putin?").labels[0] == "PERSON"
    assert analyze_question("Where are the talks?").labels == ("GPE", "LOC", "FAC")
    assert analyze_question("How much money did the bill include?").labels[0] == "MONEY"
    assert analyze_question("What does Lavrov think?").labels == ()
    assert analyze_question("Which official said the talks would happen?").asks_speaker
    assert not analyze_question("Who attended the summit?").asks_speaker


@pytest.mark.parametrize("subject, speaker, same", [
    ("Lavrov", "Sergey Lavrov", True),
    ("Sergei Lavrov", "Lavrov", True),
    ("NATO", "North Atlantic Treaty Organization", True),
    ("White House", "A senior US White House official", True),
    ("Lavrov", "Vladimir Putin", False),
    ("Putin", None, False),
    ("Blinken", "Dmitry Peskov", False),
])
def test_speaker_matches_by_surname_or_acronym(subject, speaker, same):
    assert speaker_matches(subject, speaker) is same
