"""Sentence scoring: the fixed formula, and the held-out half the reader never sees."""

from __future__ import annotations

import pytest

from newsrag.eval import squad
from newsrag.rag.evidence import Fixed
from newsrag.settings import Settings


def test_fixed_score_weighs_cosine_and_coverage_and_penalises_a_missing_kind():
    scorer = Fixed.of(Settings())
    w = scorer.dense_weight
    assert scorer.score(0.8, 0.4, True) == pytest.approx(w * 0.8 + (1 - w) * 0.4)
    assert scorer.score(0.8, 0.4, False) == pytest.approx(scorer.misfit_penalty * scorer.score(0.8, 0.4, True))
    assert scorer.threshold == Settings().min_evidence


def _squad(n_articles: int) -> dict:
    return {"data": [{"title": f"T{i}", "paragraphs": [{"context": f"Article {i} says {i}.", "qas": [
        {"id": f"q{i}", "question": f"What does article {i} say?", "answers": [{"text": str(i), "answer_start": 0}],
         "is_impossible": False}]}]} for i in range(n_articles)]}


def test_halves_split_the_articles_by_position():
    data = _squad(5)
    held_out, _ = squad.parse(squad.half(data, "odd"))
    even, _ = squad.parse(squad.half(data, "even"))
    assert [p.title for p in held_out] == ["T1", "T3"] and [p.title for p in even] == ["T0", "T2", "T4"]
    with pytest.raises(ValueError, match="half must be"):
        squad.half(data, "middle")
