"""Calibrate the support check for model answers on the bundled QA set (python -m newsrag.eval.calibrate_llm HOME).

A model's answer sentence is "supported" by the sentences it cites when its term overlap and its
best cosine similarity with them both clear a threshold. We have no labelled model answers, so each
answerable question yields proxy claims ("<question without ?> <gold answer>"):
- positive: the claim against the gold evidence sentence (as retrieved: a Candidate);
- hard negative: the claim against the best-scoring retrieved sentences that are not gold and do not
  contain the answer (same topic, wrong sentence);
- wrong-answer negative: the question with another question's answer, against the gold sentence.
The grid point maximising balanced accuracy (Youden's J, negatives pooled) wins.
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import numpy as np

from newsrag.eval import metrics as M
from newsrag.eval.news import DEFAULT_SET, load
from newsrag.app import App
from newsrag.settings import Settings
from newsrag.rag.llm.verify import Support, support

LEXICAL = [round(x, 2) for x in np.arange(0.3, 0.95, 0.05)]
DENSE = [round(x, 2) for x in np.arange(0.3, 0.85, 0.05)]
NOVEL = [0.0, 0.34, 0.5, 0.67, 1.0]


def pairs(settings: Settings, articles: Path) -> list[tuple[str, Support]]:
    """(kind, Support) for every proxy claim/sentence pair."""
    chain = App(settings).chain()
    items = [i for i in load(DEFAULT_SET) if i.answerable and i.answers]
    out = []
    for idx, item in enumerate(items):
        ev = chain.evidence(item.question, item.history)
        gold = item.gold_spans(articles)
        is_gold = [any(c.source == s and M.overlaps((c.start, c.end), (a, b)) for s, a, b in gold)
                   for c in ev.candidates]
        golds = [c for c, g in zip(ev.candidates, is_gold) if g]
        if not golds:
            continue  # retrieval missed the gold sentence: nothing to calibrate on
        stem = item.question.rstrip("?")
        other = items[(idx + 7) % len(items)].answers[0]
        claims = {"positive": f"{stem} {item.answers[0]}", "wrong_answer": f"{stem} {other}"}
        vec = dict(zip(claims, chain.embedder.encode(list(claims.values()))))
        q = item.question
        out.append(("positive", support(claims["positive"], vec["positive"], golds[:1], q)))
        if not M.contains_answer(other, item.answers):
            out.append(("wrong_answer", support(claims["wrong_answer"], vec["wrong_answer"], golds[:1], q)))
        hard = [c for c, g in zip(ev.candidates, is_gold) if not g and not M.contains_answer(c.text, item.answers)]
        for c in hard[:3]:
            out.append(("hard_negative", support(claims["positive"], vec["positive"], [c], q)))
    return out


def pass_rate(rows: list[tuple[str, Support]], point: tuple[float, float, float]) -> float:
    return sum(sup.passes(*point) for _, sup in rows) / len(rows)


def main() -> None:
    home = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(".newsrag")
    rows = pairs(Settings(home=home), Path("articles"))
    kinds = sorted({k for k, _ in rows})
    by_kind = {k: [r for r in rows if r[0] == k] for k in kinds}
    negatives = [r for r in rows if r[0] != "positive"]
    grid = []
    for point in itertools.product(LEXICAL, NOVEL, DENSE):  # (lexical, novel, dense)
        j = pass_rate(by_kind["positive"], point) - pass_rate(negatives, point)
        grid.append((j, point))
    grid.sort(key=lambda g: (g[0], g[1]), reverse=True)
    print("pairs:", {k: len(v) for k, v in by_kind.items()})
    for j, point in grid[:8]:
        rates = ", ".join(f"{k}={pass_rate(v, point):.3f}" for k, v in by_kind.items())
        print(f"J={j:.3f} lexical>={point[0]} novel>={point[1]} dense>={point[2]} pass rates: {rates}")


if __name__ == "__main__":
    main()
