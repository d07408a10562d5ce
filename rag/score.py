"""The learned scorer: two logistic models read from a small JSON file, applied with plain numpy.

`sentence` gives the probability that a sentence holds the answer; `refusal` the probability that
the question is answerable from its best evidence. Both are fitted by `python -m
newsrag.eval.fit_scorer` on the even-position articles of SQuAD 2.0 dev (docs/learned-scoring.md).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from newsrag.errors import NewsragError

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

    def probability(self, rows: list[dict[str, float]]) -> np.ndarray:
        z = ((self.matrix(rows) - self.mean) / self.scale) @ self.coef + self.intercept
        return 1.0 / (1.0 + np.exp(-z))


def _round(values: np.ndarray) -> list[float]:
    return [round(float(v), 6) for v in values]


@dataclass(frozen=True)
class Scorer:
    sentence: Linear
    refusal: Linear
    threshold: float  # answer when P(answerable) >= threshold

    @classmethod
    def load(cls, path: Path | None = None) -> "Scorer":
        """The scorer in `path` (default: the committed rag/scorer.json)."""
        path = Path(path or DEFAULT)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(Linear.from_json(data["sentence"]), Linear.from_json(data["refusal"]),
                       float(data["refusal"]["threshold"]))
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise NewsragError(f"cannot read the scorer file {path}: {e}") from e
