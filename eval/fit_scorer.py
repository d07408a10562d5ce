"""Fit the learned scorer (rag/scorer.json) on the even-position articles of SQuAD 2.0 dev.

    python -m newsrag.eval.fit_scorer ../shared/data/squad2-dev.json --out rag/scorer.json

Only the articles at even positions of `data` (0, 2, 4, ...) are indexed and asked about; the odd
half is held out for `newsrag eval SQUAD.json --half odd`. Each question is retrieved with the real
retriever; a candidate sentence is positive when it contains a gold answer. A logistic model scores
sentences; a second one, on the best sentences' features, predicts whether the question is
answerable, with its threshold set so that >= 90% of answerable questions are still answered.
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from newsrag.eval import metrics as M
from newsrag.eval import squad
from newsrag.eval.run import index_squad
from newsrag.rag import features as F
from newsrag.rag.evidence import candidates, unknown_names
from newsrag.rag.query import Query
from newsrag.rag.score import Fixed, Linear
from newsrag.settings import Settings

COMMAND = "python -m newsrag.eval.fit_scorer ../shared/data/squad2-dev.json --cv --out rag/scorer.json"
ANSWERED = 0.90  # answered-when-answerable the refusal threshold keeps (on the fitting half)
MIN_THRESHOLD = 1e-6
FOLDS = 3  # article-grouped cross-validation folds of the fitting half (--cv)
KNOTS = 41  # quantiles matched between the sentence logit and the fixed score
L2 = 1e-3  # ridge penalty of the sentence ranker (standardised features)
# The sentence model's features. chunk_rank and dense_rank are computed too, but adding them lowered
# the top-1 sentence accuracy in a 2-fold, article-grouped split of the even half (0.760 vs 0.771);
# position and statement do not transfer to news (docs/learned-scoring.md).
SENTENCE_FEATURES = ("cosine", "coverage", "context_coverage", "expected_entity", "novelty", "negation_mismatch",
                     "named_share", "missing_idf", "length", "speaker_match")
# The refusal model's features: all of rag/features.QUESTION but `question_negated`. SQuAD 2.0's
# unanswerable questions were often written by inserting a negation into an answerable one; that
# construction artifact was the model's strongest feature and refused legitimate negated news
# questions ("What does Russia ask the US not to create...?").
REFUSAL_FEATURES = tuple(n for n in F.QUESTION if n != "question_negated")


@dataclass
class Asked:
    """One fitting question: its candidates (what their features are computed from) and labels."""

    analysis: F.Asked
    seen: list[F.Seen]  # the candidate sentences, as rag/features.py sees them
    labels: list[bool]  # each candidate holds a gold answer
    sources: list[str]  # each candidate's paragraph (for the simulated answer's duplicate merging)
    vectors: np.ndarray  # each candidate's sentence vector (float32)
    answerable: bool
    unknown: bool  # the chain's "unknown names" rule refuses it whatever the model says
    article: str  # the SQuAD article: cross-validation folds never split one
    rows: list[tuple[frozenset, dict, bool]] = field(default_factory=list)  # (terms, features, label)

    def featurise(self, corpus) -> None:
        """(Re)compute the candidates' features with the current rag/features.py."""
        self.seen = F.in_context(self.seen)
        self.rows = [(s.terms, F.sentence_features(self.analysis, s, corpus), y) for s, y in zip(self.seen, self.labels)]


def training_half(data: dict) -> tuple[list[squad.Paragraph], list[squad.Question]]:
    """The even-position articles' paragraphs and questions: the only data the scorer may see."""
    paragraphs, questions = squad.parse(squad.half(data, "even"))
    check_even(paragraphs, data)
    return paragraphs, questions


def check_even(paragraphs: list[squad.Paragraph], data: dict) -> None:
    """Raise if any paragraph comes from an article at an odd position (the held-out half)."""
    odd = {f"squad/{a.get('title', 'untitled')}/" for i, a in enumerate(data["data"]) if i % 2}
    leaked = [p.source for p in paragraphs if p.source.rsplit("/", 1)[0] + "/" in odd]
    if leaked:
        raise ValueError(f"{len(leaked)} paragraphs of held-out (odd-position) articles, e.g. {leaked[0]}")


def collect(settings: Settings, paragraphs, questions) -> tuple[list[Asked], object]:
    """Index the paragraphs with the real pipeline and gather every question's candidates."""
    app, _ = index_squad(settings, paragraphs)
    retriever, corpus = app.retriever(), app.corpus.get()  # the chain's own retriever; no scorer needed
    vectors = app.embedder.encode([q.question for q in questions])
    out = []
    for q, vector in zip(questions, vectors):
        docs = retriever.invoke(q.question, vector=vector)
        analysis = F.analyse(corpus, Query.of(q.question))
        found = candidates(app.store, corpus, analysis, vector, docs)
        out.append(Asked(analysis, [c.seen for c in found], [M.contains_answer(c.text, list(q.answers)) for c in found],
                         [c.source for c in found], np.array([c.vector for c in found], dtype=np.float32),
                         not q.impossible, bool(unknown_names(q.question, corpus)), q.source.rsplit("/", 1)[0]))
    return out, corpus


def cached(settings: Settings, paragraphs, questions, path: Path | None) -> tuple[list[Asked], object]:
    """`collect`, read from / written to the pickle `path` when given (a fit then takes seconds)."""
    if path and path.exists():
        with path.open("rb") as f:
            rows, corpus = pickle.load(f)
        items = [Asked(**row) for row in rows]
    else:
        items, corpus = collect(settings, paragraphs, questions)
        if path:
            with path.open("wb") as f:  # plain dicts: readable whichever module name pickled them
                pickle.dump(([vars(it) for it in items], corpus), f)
    for it in items:
        it.featurise(corpus)
    return items, corpus


def fit_linear(rows: list[dict], labels: list[bool], names: tuple[str, ...]) -> Linear:
    """Standardise, fit a logistic regression; features constant in the data are left out."""
    from sklearn.linear_model import LogisticRegression

    x, names, mean, scale = _standardised(rows, names)
    model = LogisticRegression(C=1.0, max_iter=2000).fit(x, np.asarray(labels))
    return Linear(names, mean, scale, model.coef_[0], float(model.intercept_[0]))


def fit_ranker(groups: list[tuple[list[dict], list[bool]]], names: tuple[str, ...], l2: float = L2) -> Linear:
    """A sentence model trained to put a gold-holding sentence first among each question's candidates.

    Conditional logit (softmax over a question's candidates, maximise the chance of the positives):
    a pointwise fit is dominated by easy negatives and ranked worse than the old fixed formula. The
    ranking weights are then calibrated (Platt) so the score reads as P(sentence holds the answer).
    """
    from scipy.optimize import minimize

    _, names, mean, scale = _standardised([f for rows, _ in groups for f in rows], names)
    xs = [(np.array([[f[n] for n in names] for f in rows]) - mean) / scale for rows, _ in groups]
    ys = [np.asarray(labels, dtype=bool) for _, labels in groups]
    train = [(x, y) for x, y in zip(xs, ys) if y.any()]

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        total, grad = 0.0, np.zeros_like(w)
        for x, y in train:
            z = x @ w
            p = np.exp(z - z.max())
            p /= p.sum()
            hit = p[y].sum()
            total -= np.log(hit + 1e-12)
            grad -= (p[y] @ x[y]) / hit - p @ x
        return total / len(train) + l2 * w @ w, grad / len(train) + 2 * l2 * w

    w = minimize(loss, np.zeros(len(names)), jac=True, method="L-BFGS-B").x
    a, b = _platt(np.concatenate([x @ w for x in xs]), np.concatenate(ys))
    return Linear(names, mean, scale, w * a, b)


def _platt(z: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    from sklearn.linear_model import LogisticRegression

    m = LogisticRegression(C=1e6, max_iter=1000).fit(z.reshape(-1, 1), y)
    return float(m.coef_[0][0]), float(m.intercept_[0])


def _standardised(rows: list[dict], names: tuple[str, ...]):
    """(x standardised, kept names, mean, scale), dropping features constant in `rows`."""
    x = np.array([[r[n] for n in names] for r in rows], dtype=np.float64)
    keep = x.std(axis=0) > 1e-9
    x, names = x[:, keep], tuple(n for n, k in zip(names, keep) if k)
    mean, scale = x.mean(axis=0), x.std(axis=0)
    return (x - mean) / scale, names, mean, scale


def knots(items: list[Asked], sentence: Linear, fixed: Fixed, n: int = KNOTS) -> dict:
    """Matching quantiles of the sentence logit and of the fixed score over every candidate.

    Mapping the logit through them puts the learned score on the fixed formula's scale, so the
    share-of-the-best rules (relative_keep...) keep their meaning; the ranking is the learned one.
    """
    rows = [f for it in items for _, f, _ in it.rows]
    q = np.linspace(0.0, 1.0, n)
    logit, score = np.quantile(sentence.logit(rows), q), np.quantile(fixed.sentences(rows), q)
    return {"logit": _round(logit), "score": _round(score)}


def _round(values: np.ndarray) -> list[float]:
    return [round(float(v), 6) for v in values]


def question_rows(items: list[Asked], score, corpus) -> list[dict]:
    """Each question's features over its candidates as `score` (rows -> scores) ranks them."""
    out = []
    for it in items:
        scores = score([f for _, f, _ in it.rows]) if it.rows else []
        ranked = sorted(zip(it.rows, scores), key=lambda x: -x[1])
        out.append(F.question_features(it.analysis, [(t, f, float(p)) for (t, f, _), p in ranked], corpus))
    return out


def threshold(p: np.ndarray, answerable: np.ndarray, unknown: np.ndarray, answered: float = ANSWERED) -> float:
    """The highest threshold that still answers `answered` of the answerable questions."""
    known = np.sort(p[answerable & ~unknown])[::-1]
    need = int(np.ceil(answered * answerable.sum()))
    # never 0: the floor's refusals (P = 0) must stay refusals (the chain refuses when P < threshold)
    return max(float(known[need - 1]) if 0 < need <= len(known) else 0.0, MIN_THRESHOLD)


@dataclass
class Models:
    """What `fit` learns: the sentence ranker, its score scale, the refusal model and its threshold."""

    sentence: Linear
    scale: dict
    refusal: Linear
    threshold: float

    def scores(self, rows: list[dict]) -> np.ndarray:
        return np.interp(self.sentence.logit(rows), self.scale["logit"], self.scale["score"])


def fit(items: list[Asked], corpus, fixed: Fixed, answered: float = ANSWERED) -> Models:
    """Both models: the ranker on the answerable questions, the refusal model on the rest.

    A question the fixed scorer refuses (no sentence reaches `min_evidence` by the fixed formula) is
    refused outright: that rule carries over to questions far from every article. The refusal model is
    fitted on the others, where it has to tell answerable from merely close, and its threshold keeps
    `answered` of all answerable questions.
    """
    ans = [it for it in items if it.answerable]
    sentence = fit_ranker([([f for _, f, _ in it.rows], [y for _, _, y in it.rows]) for it in ans], SENTENCE_FEATURES)
    partial = Models(sentence, knots(items, sentence, fixed), sentence, 0.0)
    qrows = question_rows(items, partial.scores, corpus)
    labels, unknown, weak = _flags(items, fixed)
    rest = ~weak & ~unknown
    refusal = fit_linear([q for q, r in zip(qrows, rest) if r], labels[rest].tolist(), REFUSAL_FEATURES)
    t = threshold(refusal.probability(qrows), labels, unknown | weak, answered)
    return Models(sentence, partial.scale, refusal, t)


def _flags(items: list[Asked], fixed: Fixed) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(answerable, refused by the unknown-names rule, refused by the fixed floor) per question."""
    weak = [not it.rows or fixed.sentences([f for _, f, _ in it.rows]).max() < fixed.threshold for it in items]
    return np.array([it.answerable for it in items]), np.array([it.unknown for it in items]), np.array(weak)


def measure(items: list[Asked], corpus, fixed: Fixed, m: Models) -> dict:
    """Top-1 sentence accuracy; answered/refused without and with the refusal model; its AUC."""
    labels, unknown, weak = _flags(items, fixed)
    p = m.refusal.probability(question_rows(items, m.scores, corpus))
    floor = ~unknown & ~weak
    model = floor & (p >= m.threshold)
    top1 = [it.labels[int(np.argmax(m.scores([f for _, f, _ in it.rows])))] for it in items if it.answerable and it.rows]
    fixed_top1 = [it.labels[int(np.argmax(fixed.sentences([f for _, f, _ in it.rows])))]
                  for it in items if it.answerable and it.rows]
    out = {"questions": len(items), "answerable": int(labels.sum()),
           "top1_holds_answer": float(np.sum(top1) / labels.sum()),
           "fixed_top1_holds_answer": float(np.sum(fixed_top1) / labels.sum())}
    for name, answered in (("learned", floor), ("learned-refusal", model)):
        out[name] = {"answered_when_answerable": float(answered[labels].mean()),
                     "refusal_rate_unanswerable": float((~answered[~labels]).mean())}
    out["refusal_auc"] = _auc(p[floor], labels[floor])
    return out


def cross_validate(items: list[Asked], corpus, fixed: Fixed, answered: float, folds: int = FOLDS) -> dict:
    """`measure` on each of `folds` article-grouped folds of the fitting half, fitted on the others; means."""
    articles = sorted({it.article for it in items})
    fold = {a: i % folds for i, a in enumerate(articles)}
    runs = []
    for k in range(folds):
        train = [it for it in items if fold[it.article] != k]
        test = [it for it in items if fold[it.article] == k]
        runs.append(measure(test, corpus, fixed, fit(train, corpus, fixed, answered)))
    return _mean(runs)


def _mean(runs: list[dict]) -> dict:
    first = runs[0]
    return {k: _mean([r[k] for r in runs]) if isinstance(first[k], dict) else
            (sum(r[k] for r in runs) if k in ("questions", "answerable") else round(float(np.mean([r[k] for r in runs])), 4))
            for k in first}


def to_json(m: Models) -> dict:
    return {"sentence": {**m.sentence.to_json(), "knots": m.scale},
            "refusal": {**m.refusal.to_json(), "threshold": round(m.threshold, 6)}}


def _auc(p: np.ndarray, y: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y, p))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("squad", type=Path, help="SQuAD 2.0 dev JSON")
    ap.add_argument("--out", type=Path, default=Path("rag/scorer.json"))
    ap.add_argument("--home", type=Path, help="data folder for the fitting index (default .newsrag)")
    ap.add_argument("--answered", type=float, default=ANSWERED, help="answered-when-answerable to keep (fitting half)")
    ap.add_argument("--cv", action="store_true", help=f"also report {FOLDS}-fold article-grouped cross-validation")
    ap.add_argument("--cache", type=Path, help="pickle of the collected candidates (read if present, else written)")
    args = ap.parse_args(argv)
    data = json.loads(args.squad.read_text(encoding="utf-8"))
    paragraphs, questions = training_half(data)
    settings = Settings.from_env(home=args.home)
    items, corpus = cached(settings, paragraphs, questions, args.cache)
    fixed = Fixed(settings.dense_weight, settings.misfit_penalty, settings.min_evidence)
    models = fit(items, corpus, fixed, args.answered)
    result = {"_comment": "Learned sentence scorer and refusal model (docs/learned-scoring.md). "
                          "Fitted on SQuAD 2.0 dev, articles at even positions of data only.",
              "command": COMMAND, "settings": {"k": settings.k, "answered": args.answered}, **to_json(models),
              "fitted_on": _mean([measure(items, corpus, fixed, models)])}
    if args.cv:
        result["cross_validated"] = cross_validate(items, corpus, fixed, args.answered)
    args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(json.dumps({k: result.get(k) for k in ("fitted_on", "cross_validated")}, indent=1))
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
