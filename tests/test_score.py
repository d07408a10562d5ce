"""The learned scorer: its committed file, the fitting split that keeps the odd half held out, and
learned refusal on the five articles."""

from __future__ import annotations

import json

import numpy as np
import pytest

from newsrag.eval import fit_scorer, squad
from newsrag.rag import features
from newsrag.errors import NewsragError
from newsrag.rag.score import DEFAULT, Fixed, Scorer, make_scorer
from newsrag.settings import Settings


def _learned(scoring: str = "learned") -> Scorer:
    scorer = make_scorer(Settings(scoring=scoring))
    assert isinstance(scorer, Scorer)
    return scorer


def test_committed_scorer_loads_and_names_only_known_features():
    scorer = _learned()
    assert set(scorer.sentence.features) <= set(features.SENTENCE)
    assert set(scorer.refusal.features) <= set(features.QUESTION)
    assert {"cosine", "coverage", "novelty", "missing_idf"} <= set(scorer.sentence.features)
    for model in (scorer.sentence, scorer.refusal):
        n = len(model.features)
        assert model.mean.shape == model.scale.shape == model.coef.shape == (n,) and (model.scale > 0).all()
    assert 0.0 < scorer.threshold < 1.0
    data = json.loads(DEFAULT.read_text(encoding="utf-8"))
    assert data["command"] == fit_scorer.COMMAND  # the file says how to reproduce it


def test_fixed_scoring_is_the_default_and_unknown_scoring_is_refused():
    assert isinstance(make_scorer(Settings()), Fixed)
    assert not _learned().use_refusal and _learned("learned-refusal").use_refusal
    with pytest.raises(NewsragError, match="unknown scoring"):
        make_scorer(Settings(scoring="magic"))


def test_scorer_probabilities_follow_the_weights():
    scorer = _learned()
    model = scorer.sentence
    base = dict(zip(model.features, model.mean))
    strongest = model.features[int(np.argmax(model.coef))]
    more = {**base, strongest: base[strongest] + model.scale[model.features.index(strongest)]}
    low, high = model.probability([base, more])
    assert 0.0 < low < high < 1.0
    # the sentence score keeps that order, on the fixed formula's scale (what the keep-shares assume)
    fixed = make_scorer(Settings(scoring="fixed"))
    s_low, s_high = scorer.sentences([base, more])
    logits, scores = scorer.knots
    assert s_low < s_high and scores[0] <= s_low and s_high <= scores[-1]
    assert (np.diff(logits) >= 0).all() and (np.diff(scores) >= 0).all()
    assert scores[0] < fixed.threshold < scores[-1]


def test_learned_scoring_refuses_where_the_fixed_floor_does_and_the_model_only_in_its_mode():
    learned, with_model = _learned(), _learned("learned-refusal")
    q = features.Asked("Who?", frozenset({"x"}), {"x": 1.0}, 1.0, 1.0, None, None, False, frozenset())
    row = {name: 0.0 for name in features.SENTENCE}
    weak = [(frozenset(), {**row, "cosine": 0.1, "coverage": 0.1}, 0.1)]
    strong = [(frozenset({"x"}), {**row, "cosine": 0.9, "coverage": 1.0}, 0.9)]
    assert learned.answerable(q, weak, None) == 0.0 < learned.threshold  # the fixed min_evidence floor
    assert with_model.answerable(q, weak, None) == 0.0
    assert learned.answerable(q, strong, None) == 1.0  # no refusal model in "learned"
    assert 0.0 < with_model.answerable(q, strong, None) < 1.0


def _squad(n_articles: int) -> dict:
    return {"data": [{"title": f"T{i}", "paragraphs": [{"context": f"Article {i} says {i}.", "qas": [
        {"id": f"q{i}", "question": f"What does article {i} say?", "answers": [{"text": str(i), "answer_start": 0}],
         "is_impossible": False}]}]} for i in range(n_articles)]}


def test_fitting_sees_only_even_position_articles():
    data = _squad(5)
    paragraphs, questions = fit_scorer.training_half(data)
    assert [p.title for p in paragraphs] == ["T0", "T2", "T4"]
    assert [q.id for q in questions] == ["q0", "q2", "q4"]
    held_out, _ = squad.parse(squad.half(data, "odd"))
    assert [p.title for p in held_out] == ["T1", "T3"]
    with pytest.raises(ValueError, match="held-out"):
        fit_scorer.check_even(paragraphs + held_out[:1], data)


def test_threshold_keeps_the_answered_share():
    p = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.1, 0.2])
    answerable = np.array([True] * 5 + [False] * 2)
    unknown = np.zeros(7, dtype=bool)
    t = fit_scorer.threshold(p, answerable, unknown, answered=0.8)
    assert t == 0.6 and ((p >= t) & answerable).sum() / answerable.sum() >= 0.8


@pytest.mark.answers
@pytest.mark.parametrize("mode", ["embedded"], indirect=True)
@pytest.mark.parametrize("scoring", ["learned", "learned-refusal"])
def test_learned_refusal_on_the_five_articles(indexed, embedder, scoring):
    from newsrag.app import App

    settings, store = indexed
    chain = App(settings.with_(scoring=scoring), store, embedder).chain()
    assert isinstance(chain.scorer, Scorer)
    on_topic = chain.invoke({"question": "What did Russia demand from NATO?"})
    assert on_topic["answerable"] and on_topic["citations"]
    off_topic_question = "What is the boiling point of water at high altitude?"
    evidence = chain.evidence(off_topic_question)
    assert not evidence.unknown  # refused by the scorer, not by the unknown-names rule
    assert evidence.confidence < chain.scorer.threshold <= chain.evidence("What did Russia demand from NATO?").confidence
    assert not chain.invoke({"question": off_topic_question})["answerable"]


def test_context_is_the_sentence_before_in_the_same_chunk():
    def seen(text: str, start: int, chunk: int, source: str = "a") -> features.Seen:
        return features.Seen(text, frozenset(text.split()), 0.5, chunk, 0, 0, {"source": source, "start": start})

    first, second, third = seen("geneva talks", 0, 0), seen("it was held", 20, 0), seen("other words", 40, 0)
    other_chunk, other_article = seen("later text", 60, 1), seen("elsewhere said", 30, 0, source="b")
    out = features.in_context([third, second, first, other_chunk, other_article])
    assert [s.context for s in out] == [second.terms, first.terms, frozenset(), frozenset(), frozenset()]
    q = features.Asked("Where were the talks held?", frozenset({"geneva", "held"}), {"geneva": 2.0, "held": 1.0},
                       3.0, 3.0, "place", None, False, frozenset())
    assert features.coverage(q, out[1], None) == 1.0 / 3.0
    assert features.context_coverage(q, out[1], None) == 1.0
