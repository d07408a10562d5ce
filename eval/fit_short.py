"""Fit the short-answer span model (rag/short.json) on the even-position articles of SQuAD 2.0 dev.

    python -m newsrag.eval.fit_short ../shared/data/squad2-dev.json --out rag/short.json

Only articles at even positions of `data` are indexed and asked about (the odd half is held out for
`newsrag eval SQUAD.json --half odd`). Each answerable question goes through the real product
(`App.ask`); the candidate spans of its best cited sentences (rag/spans.py) are labelled with their
token F1 against the gold answers, used as a soft target: each span is a positive of weight F1 and
a negative of weight 1 - F1, so the logistic model's probability estimates a span's expected F1.
Thresholds, one for typed and one for untyped questions, are then set where giving the best span
instead of no short answer (the eval then scores the whole answer text) maximises mean F1; for
untyped questions only among thresholds where the spans given have mean F1 >= UNTYPED_PRECISION.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from newsrag.eval import metrics as M
from newsrag.eval import squad
from newsrag.eval.fit_scorer import check_even
from newsrag.eval.run import index_squad
from newsrag.rag import spans as S
from newsrag.rag.question import analyze_question
from newsrag.rag.short import TOP, TYPED, Model, choose, described_name
from newsrag.settings import Settings

COMMAND = "python -m newsrag.eval.fit_short ../shared/data/squad2-dev.json --home .squad-even --out rag/short.json"
# An untyped question ("What did Russia demand?") gets a short answer only when the model is confident:
# at a threshold where the short answers given to untyped questions of the fitting half have mean F1 >= this.
UNTYPED_PRECISION = 0.5
C = 0.3  # inverse L2 penalty (best of 0.03-3 in a 2-fold, article-grouped split of the even half)


@dataclass
class Asked:
    """One fitting question: its spans and their F1, and the F1 of the answer text without a span."""

    typed: bool
    spans: list[tuple[S.Span, float]]
    fallback: float
    article: str


def training_half(data: dict) -> tuple[list[squad.Paragraph], list[squad.Question]]:
    """The even-position articles' paragraphs and answerable questions: the only data the model may see."""
    paragraphs, questions = squad.parse(squad.half(data, "even"))
    check_even(paragraphs, data)
    return paragraphs, [q for q in questions if not q.impossible]


def collect(settings: Settings, data: dict, paragraphs, questions) -> list[Asked]:
    """Ask every question through the product; keep the spans of its best cited sentences.

    Refuses (ValueError) paragraphs of the held-out, odd-position articles of `data`, before indexing.
    """
    check_even(paragraphs, data)
    app, _ = index_squad(settings, paragraphs)
    app.warm()
    out = []
    for n, q in enumerate(questions):
        final = app.ask(q.question)
        result, evidence = final["answer"], final["evidence"]
        if not result["answerable"] or described_name(q.question):
            continue  # refused, or answered by rule
        cited = {(c["source"], c["start"]) for c in result["citations"]}
        ranked = [c for c in evidence.candidates if (c.source, c.start) in cited]
        question = analyze_question(q.question)
        view = S.question_view(question, evidence.question)
        rows = [(s, _f1(s.text, q)) for rank, c in enumerate(ranked[:TOP]) for s in S.spans(c, view, rank)]
        out.append(Asked(question.answer_type in TYPED, rows, _f1(result["answer"], q), q.source.rsplit("/", 1)[0]))
        if n % 500 == 0:
            print(f"{n}/{len(questions)} questions", file=sys.stderr, flush=True)
    return out


def _f1(text: str, q: squad.Question) -> float:
    return max((M.token_f1(text, a) for a in q.answers), default=0.0)


def fit_model(items: list[Asked], c: float = C):
    """A logistic model with soft labels (weight F1 as positive, 1 - F1 as negative)."""
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    rows = [(s.features, y) for it in items for s, y in it.spans]
    vec = DictVectorizer()
    x = vec.fit_transform([f for f, _ in rows] * 2)
    y = np.r_[np.ones(len(rows)), np.zeros(len(rows))]
    w = np.r_[[y for _, y in rows], [1 - y for _, y in rows]] + 1e-6
    model = LogisticRegression(C=c, max_iter=3000).fit(x, y, sample_weight=w)
    weights = {k: round(float(v), 4) for k, v in zip(vec.get_feature_names_out(), model.coef_[0]) if abs(v) >= 1e-3}
    return weights, float(model.intercept_[0])


def threshold(items: list[Asked], model, precision: float = 0.0) -> tuple[float, float]:
    """(threshold, mean F1): the threshold at which giving the best span (when its probability reaches
    it) maximises mean F1, among those where the spans given score at least `precision` on average."""
    best = [_chosen(it, model) for it in items]
    scores = []
    for t in sorted({0.0, 1.01} | {round(p, 3) for p, _ in best}):
        given = [y for p, y in best if p >= t]
        if given and np.mean(given) < precision:
            continue
        scores.append((float(np.mean([y if p >= t else it.fallback for (p, y), it in zip(best, items)])), t))
    f1, t = max(scores)
    return float(t), f1


def _chosen(it: Asked, model) -> tuple[float, float]:
    """(probability, F1) of the span the product would choose for this question."""
    f1 = {id(s): y for s, y in it.spans}
    got = choose([s for s, _ in it.spans], it.typed, model)
    return (got[1], f1[id(got[0])]) if got else (0.0, 0.0)


def fit(items: list[Asked], c: float = C) -> dict:
    """The model, its thresholds and the in-sample figures (fitting half) that go into rag/short.json."""
    weights, bias = fit_model(items, c)
    model = Model(weights, bias, 0.0, 0.0)
    typed = [it for it in items if it.typed]
    untyped = [it for it in items if not it.typed]
    (t_typed, f_typed), (t_untyped, f_untyped) = threshold(typed, model), threshold(untyped, model, UNTYPED_PRECISION)
    return {"weights": dict(sorted(weights.items())), "bias": round(bias, 5),
            "threshold": {"typed": round(t_typed, 3), "untyped": round(t_untyped, 3)},
            "fitted_on": {"questions": len(items), "typed": len(typed), "spans": sum(len(it.spans) for it in items),
                          "short_f1_typed": round(f_typed, 4), "short_f1_untyped": round(f_untyped, 4),
                          "short_f1_all": round((f_typed * len(typed) + f_untyped * len(untyped)) / len(items), 4)}}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("squad", type=Path, help="SQuAD 2.0 dev JSON")
    ap.add_argument("--out", type=Path, default=Path("rag/short.json"))
    ap.add_argument("--home", type=Path, help="data folder for the fitting index (default .newsrag)")
    ap.add_argument("--limit", type=int, help="at most this many questions (fixed seed 0)")
    args = ap.parse_args(argv)
    data = json.loads(args.squad.read_text(encoding="utf-8"))
    paragraphs, questions = training_half(data)
    if args.limit:
        questions = squad.sample(questions, args.limit, 0)
    items = collect(Settings.from_env(home=args.home), data, paragraphs, questions)
    result = {"_comment": "Short-answer span model (docs/short-answers.md). Fitted on SQuAD 2.0 dev, "
                          "articles at even positions of data only.", "command": COMMAND, **fit(items)}
    args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(result["fitted_on"], indent=1))
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
