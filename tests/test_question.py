"""Question analysis: the kind of answer expected, the named subject or speaker, whether someone's position
is asked, and speaker matching."""

from __future__ import annotations

import pytest

from newsrag.rag.query import Query
from newsrag.rag.question import asks_position, counted, expected, find_subject
from newsrag.rag.speakers import speaker_matches


@pytest.mark.parametrize("question, kind, subject, position", [
    ("What does Lavrov think?", None, "Lavrov", True),
    ("What did Lavrov say about the talks?", None, "Lavrov", True),
    ("What is NATO's position?", None, "NATO", True),
    ("According to Putin, on whose side is the ball?", None, "Putin", False),
    ("Who voted against the budget?", "name", None, False),
    ("Which news agency does Lavrov say confirmed it?", None, "Lavrov", False),  # typed: an agency
    ("How many Russian troops are near Ukraine's border?", "number", None, False),
    ("How long did the press conference last?", "duration", None, False),
    ("When will the talks take place?", "date", None, False),
    ("Where will the talks be held?", "place", None, False),
    ("When did Lavrov say the talks would start?", "date", "Lavrov", False),  # typed: not his position
    ("Why does Lavrov say NATO must stop?", None, "Lavrov", False),
    ("Which official does Lavrov think is to blame?", "name", "Lavrov", False),
    ("List the meetings scheduled in January.", None, None, False),
])
def test_kind_subject_and_position(question, kind, subject, position):
    found = find_subject(question)
    assert (expected(question), found, asks_position(question, found)) == (kind, subject, position)
    q = Query.of(question)
    assert (q.expected, q.subject, q.position) == (kind, subject, position)  # analysed once, into the Query


def test_what_is_counted():
    assert counted("How many Russian troops are near Ukraine's border?", "") == {"russian", "troop"}
    assert counted("Compare the troop numbers reported", "troop") == {"troop"}  # no "how many": the topic


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
