"""Calibrate the reader's two decisions on SQuAD 2.0 dev's calibration articles (never the odd half).

    python -m newsrag.eval.calibrate_reader            # writes rag/reader_calibration.json

Every calibration question runs through the real chain (retrieve over all calibration paragraphs,
then read); from the features of each (rag/read.py FEATURES) two logistic models are fitted:
P(answerable) (label: the question has an answer) and P(correct), fitted on the answerable questions
only (label: the reader's best span has token F1 >= 0.5 with a gold answer): refusal is the first
model's job, so the second judges the span of a question the articles answer. Thresholds: refuse
below the P(answerable) that keeps `--answer-rate` of the answerable questions answered; show a
short answer above the lowest P(correct) at which the answered answerable questions' shown spans
reach `--precision`.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from newsrag.eval import metrics as M
from newsrag.eval import squad
from newsrag.eval.fit_reader import SHARED
from newsrag.eval.run import index_squad
from newsrag.rag.read import CALIBRATION, FEATURES
from newsrag.settings import Settings


def rows_for(settings: Settings, articles: list[dict], limit: int | None = None, seed: int = 0) -> list[dict]:
    """Features and labels of each question of `articles`, read through the real chain."""
    paragraphs, questions = squad.parse({"data": articles})
    questions = squad.sample(questions, limit, seed)
    app, _ = index_squad(settings, paragraphs)
    chain = app.chain("extractive")
    out = []
    for q in questions:
        ev = chain.read(chain.evidence(q.question))
        found = ev.found
        if found is None:
            continue
        text = found.best.text if found.best else ""
        f1 = max((M.token_f1(text, a) for a in q.answers), default=0.0)
        out.append({"id": q.id, "question": q.question, "answerable": not q.impossible, "span": text,
                    "f1": f1, "correct": (not q.impossible) and f1 >= 0.5, **found.features})
    return out


def fit(rows: list[dict], label: str, only_answerable: bool = False,
        features: tuple[str, ...] = FEATURES) -> tuple[list[float], float]:
    from sklearn.linear_model import LogisticRegression

    rows = [r for r in rows if r["answerable"] or not only_answerable]
    x = np.array([[r[f] for f in features] for r in rows], dtype=float)
    y = np.array([r[label] for r in rows], dtype=int)
    model = LogisticRegression(C=1.0, max_iter=2000).fit(x, y)
    return [float(w) for w in model.coef_[0]], float(model.intercept_[0])


def prob(w, b, rows, features: tuple[str, ...] = FEATURES) -> np.ndarray:
    x = np.array([[r[f] for f in features] for r in rows], dtype=float)
    return 1 / (1 + np.exp(-(x @ np.array(w) + b)))


def thresholds(rows: list[dict], p_ans: np.ndarray, p_ok: np.ndarray, answer_rate: float, precision: float,
               min_shown: int = 30) -> tuple[float, float, dict]:
    answerable = np.array([r["answerable"] for r in rows])
    correct = np.array([r["correct"] for r in rows])
    t_ans = float(np.quantile(p_ans[answerable], 1 - answer_rate))
    kept = p_ans >= t_ans
    t_ok = 1.0
    judged = kept & answerable
    for t in sorted(set(np.round(p_ok[judged], 4)), reverse=True):
        shown = judged & (p_ok >= t)
        if shown.sum() >= min_shown and correct[shown].mean() >= precision:
            t_ok = float(t)
    shown = kept & (p_ok >= t_ok)
    figures = {"questions": len(rows), "answerable": int(answerable.sum()),
               "answered_when_answerable": float(kept[answerable].mean()),
               "refused_unanswerable": float((~kept[~answerable]).mean()) if (~answerable).any() else None,
               "short_shown_share_of_answerable": float(shown[answerable].mean()),
               "short_precision_answerable": float(correct[shown & answerable].mean()) if shown.any() else None,
               "short_precision_all": float(correct[shown].mean()) if shown.any() else None}
    return t_ans, t_ok, figures


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--shared", type=Path, default=SHARED)
    p.add_argument("--out", type=Path, default=None, help="default: rag/reader_calibration.json, or beside "
                   "the reader in NEWSRAG_READER_DIR")
    p.add_argument("--answer-rate", type=float, default=0.88)
    p.add_argument("--precision", type=float, default=0.92)
    p.add_argument("--limit", type=int, default=None, help="calibration questions drawn (default: all)")
    p.add_argument("--rows", type=Path, default=None, help="also write the per-question rows here (JSONL)")
    p.add_argument("--features", default=",".join(FEATURES), help="the features both models read (comma-separated)")
    p.add_argument("--from-rows", type=Path, default=None, help="refit from rows a previous run wrote")
    args = p.parse_args(argv)
    data = json.loads((args.shared / "squad2-dev.json").read_text(encoding="utf-8"))
    _, calib = squad.calibration_split(data)
    settings = Settings.from_env()
    if args.from_rows:
        rows = [json.loads(line) for line in args.from_rows.read_text(encoding="utf-8").splitlines() if line]
    else:
        rows = rows_for(settings, calib, args.limit)  # its own collection, reused by a second run
    out = args.out or (settings.reader_dir / CALIBRATION.name if settings.reader_dir else CALIBRATION)
    if args.rows:
        args.rows.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    names = tuple(args.features.split(","))
    unknown = set(names) - set(FEATURES)
    if unknown:
        p.error(f"unknown features {sorted(unknown)}; known: {', '.join(FEATURES)}")
    wa, ba = fit(rows, "answerable", features=names)
    wc, bc = fit(rows, "correct", only_answerable=True, features=names)
    t_ans, t_ok, figures = thresholds(rows, prob(wa, ba, rows, names), prob(wc, bc, rows, names), args.answer_rate,
                                      args.precision)
    result = {"features": list(names),
              "answerable": {"w": wa, "b": ba, "threshold": t_ans},
              "correct": {"w": wc, "b": bc, "threshold": t_ok},
              "fitted_on": f"SQuAD 2.0 dev calibration articles ({len(calib)} of the even half), {len(rows)} questions",
              "targets": {"answer_rate": args.answer_rate, "precision": args.precision},
              "calibration_figures": figures,
              "command": "python -m newsrag.eval.calibrate_reader"}
    out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
