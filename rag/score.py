"""Sentence scoring and the refusal decision: the fixed formula (default) or the learned scorer.

The learned scorer is two logistic models read from a small JSON file, applied with plain numpy:
`sentence` ranks the sentences (how likely each holds the answer); `refusal` gives the probability
that the question is answerable from its evidence. Both are fitted by `python -m newsrag.eval.fit_scorer`
on the even-position articles of SQuAD 2.0 dev (docs/learned-scoring.md). Both scorers read the
same features (rag/features.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from newsrag.errors import NewsragError
from newsrag.rag import features as F
from newsrag.rag.lexical import Corpus
from newsrag.settings import Settings

Ranked = list[tuple[frozenset, dict, float]]  # (sentence terms, features, score), best first

DEFAULT = Path(__file__).with_name("scorer.json")


@dataclass(frozen=True)
class Linear:
    """A standardised logistic model: p = sigmoid(coef · (x - mean) / scale + intercept)."""

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float

    @classmethod
    def from_json(cls, data: dict) -> "Linear":
        return cls(tuple(data["features"]), np.asarray(data["mean"], dtype=np.float64),
                   np.asarray(data["scale"], dtype=np.float64), np.asarray(data["coef"], dtype=np.float64),
                   float(data["intercept"]))

    def to_json(self) -> dict:
        return {"features": list(self.features), "mean": _round(self.mean), "scale": _round(self.scale),
                "coef": _round(self.coef), "intercept": round(self.intercept, 6)}

    def matrix(self, rows: list[dict[str, float]]) -> np.ndarray:
        return np.array([[row[name] for name in self.features] for row in rows], dtype=np.float64).reshape(
            len(rows), len(self.features))

    def logit(self, rows: list[dict[str, float]]) -> np.ndarray:
        return ((self.matrix(rows) - self.mean) / self.scale) @ self.coef + self.intercept

    def probability(self, rows: list[dict[str, float]]) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-self.logit(rows)))


def _round(values: np.ndarray) -> list[float]:
    return [round(float(v), 6) for v in values]


@dataclass(frozen=True)
class Fixed:
    """The hand-tuned formula: w·cosine + (1−w)·coverage, × `misfit_penalty` when the asked-for kind is
    missing; the question is answerable when the best sentence scores at least `threshold`."""

    dense_weight: float
    misfit_penalty: float
    threshold: float
    refuses_missing_kind = False  # the penalty already demotes such sentences

    def sentences(self, rows: list[dict[str, float]]) -> np.ndarray:
        w = self.dense_weight
        return np.array([(w * r["cosine"] + (1 - w) * r["coverage"]) * (1.0 if r["expected_entity"] >= 0
                         else self.misfit_penalty) for r in rows])

    def answerable(self, q: F.Asked, ranked: Ranked, corpus: Corpus) -> float:
        return ranked[0][2] if ranked else 0.0


@dataclass(frozen=True)
class Scorer:
    """The learned scorer (see module docstring).

    A sentence's score is its ranking logit mapped onto the fixed formula's scale (`knots`: matching
    quantiles of both on the fitting half), so the rules that keep sentences scoring some share of
    the best one (relative_keep, compose_keep, summary_keep) mean what they mean with the fixed score.
    """

    sentence: Linear
    refusal: Linear
    threshold: float  # answer when P(answerable) >= threshold
    knots: tuple[np.ndarray, np.ndarray]  # (sentence logit quantiles, fixed score quantiles)
    floor: Fixed  # the fixed scorer: its refusal (best fixed score below min_evidence) stands
    use_refusal: bool = False  # also refuse when the refusal model's P(answerable) < threshold
    refuses_missing_kind = False  # the refusal model weighs `any_expected_entity` itself

    def sentences(self, rows: list[dict[str, float]]) -> np.ndarray:
        return np.interp(self.sentence.logit(rows), *self.knots)

    def answerable(self, q: F.Asked, ranked: Ranked, corpus: Corpus) -> float:
        """P(answerable): 0 when the fixed scorer would refuse (no sentence reaches its min_evidence),
        else the refusal model's estimate, or 1 when it is not used."""
        if not ranked or self.floor.sentences([f for _, f, _ in ranked]).max() < self.floor.threshold:
            return 0.0
        if not self.use_refusal:
            return 1.0
        return float(self.refusal.probability([F.question_features(q, ranked, corpus)])[0])

    @classmethod
    def load(cls, floor: Fixed, path: Path | None = None, use_refusal: bool = False) -> "Scorer":
        """The scorer in `path` (default: the committed rag/scorer.json), refusing where `floor` does."""
        path = Path(path or DEFAULT)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            knots = tuple(np.asarray(data["sentence"]["knots"][k], dtype=np.float64) for k in ("logit", "score"))
            return cls(Linear.from_json(data["sentence"]), Linear.from_json(data["refusal"]),
                       float(data["refusal"]["threshold"]), knots, floor, use_refusal)
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise NewsragError(f"cannot read the scorer file {path}: {e}") from e


def make_scorer(settings: Settings) -> Fixed | Scorer:
    """The scorer `settings.scoring` names: "fixed", "learned" (learned sentence scores, the fixed
    refusal floor) or "learned-refusal" (the same plus the learned refusal model)."""
    fixed = Fixed(settings.dense_weight, settings.misfit_penalty, settings.min_evidence)
    if settings.scoring == "fixed":
        return fixed
    if settings.scoring in ("learned", "learned-refusal"):
        return Scorer.load(fixed, settings.scorer_path, use_refusal=settings.scoring == "learned-refusal")
    raise NewsragError(f"unknown scoring {settings.scoring!r} (fixed, learned or learned-refusal)")
