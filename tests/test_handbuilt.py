"""The hand-built evidence stage tests use (tests/handbuilt.py) is shaped as retrieval's: exact quotes, best first."""

from __future__ import annotations

from conftest import article_text
from handbuilt import article_evidence, candidate, evidence

SOURCE = "001_a0084ac74e741594.txt"


def test_article_evidence_quotes_the_article_exactly_and_dense_follows_shared_words():
    text = article_text(SOURCE)
    ev = article_evidence("What did Lavrov praise in interviews with RT Television?", text, SOURCE)
    assert len(ev.candidates) > 10 and all(c.source == SOURCE for c in ev.candidates)
    assert all(text[c.start:c.end] == c.quote for c in ev.candidates)
    assert [c.start for c in ev.candidates] == sorted(c.start for c in ev.candidates)
    assert "RT Television" in max(ev.candidates, key=lambda c: c.dense).text


def test_evidence_is_best_first_and_takes_built_candidates_as_they_are():
    said = candidate("Lavrov said the talks would start in January.", speaker="Lavrov", source="b.txt")
    ev = evidence("When do the talks start?", "The talks start on January 10.", said, asked="When?")
    assert [c.score for c in ev.candidates] == [1.0, 0.5] and ev.candidates[1] is said
    assert ev.asked == "When?" and ev.candidates[1].speaker == "Lavrov" and ev.strength == 1.0
    assert ev.candidates[0].end - ev.candidates[0].start == len("The talks start on January 10.")
