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


def test_committed_scorer_loads_and_names_only_known_features():
    scorer = Scorer.load()
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
    with pytest.raises(NewsragError, match="unknown scoring"):
        make_scorer(Settings(scoring="magic"))


def test_scorer_probabilities_follow_the_weights():
    scorer = Scorer.load()
    model = scorer.sentence
    base = dict(zip(model.features, model.mean))
    strongest = model.features[int(np.argmax(model.coef))]
    more = {**base, strongest: base[strongest] + model.scale[model.features.index(strongest)]}
    low, high = model.probability([base, more])
    assert 0.0 < low < high < 1.0


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


@pytest.mark.parametrize("mode", ["embedded"], indirect=True)
def test_learned_refusal_on_the_five_articles(indexed, embedder):
    from newsrag.app import App

    settings, store = indexed
    chain = App(settings.with_(scoring="learned"), store, embedder).chain()
    assert isinstance(chain.scorer, Scorer)
    on_topic = chain.invoke({"question": "What did Russia demand from NATO?"})
    assert on_topic["answerable"] and on_topic["citations"]
    off_topic_question = "What is the boiling point of water at high altitude?"
    evidence = chain.evidence(off_topic_question)
    assert not evidence.unknown  # refused by the learned model, not by the unknown-names rule
    assert evidence.confidence < chain.scorer.threshold <= chain.evidence("What did Russia demand from NATO?").confidence
    assert not chain.invoke({"question": off_topic_question})["answerable"]
