"""Grid-search the extractive answerer's thresholds on the bundled QA set (python -m newsrag.eval.calibrate).

Retrieval and sentence scoring (rag/evidence.py; `dense_weight` is no longer searched) run once per
question; each setting then re-decides refusal and re-selects sentences. The
objective balances answer correctness, citation support, multi-article recall and refusals.
"""

from __future__ import annotations

import itertools
import sys
from dataclasses import replace
from pathlib import Path

from newsrag.eval import metrics as M
from newsrag.eval.news import DEFAULT_SET, Item, load
from newsrag.app import App
from newsrag.rag.answer import refusal
from newsrag.rag.backends import make_answerer
from newsrag.rag.chain import refuses
from newsrag.rag.evidence import Fixed
from newsrag.settings import Settings

GRID = {
    "min_evidence": [0.35, 0.38, 0.4, 0.42, 0.44, 0.46, 0.48],
    "relative_keep": [0.3, 0.5, 0.75, 0.8, 0.85, 0.9],
    "duplicate_similarity": [0.7, 0.8],
    "max_answer_sentences": [3, 4, 5],
}


def objective(rows: list[dict]) -> dict:
    ans = [r for r in rows if r["answerable"]]
    una = [r for r in rows if not r["answerable"]]
    multi = [r["recall"] for r in rows if r["recall"] is not None]
    single_len = [r["n_statements"] for r in rows if r["type"] == "single" and not r["refused"]]
    parts = {
        "match": sum(r["match"] for r in ans) / len(ans),
        "support": sum(r["support"] for r in ans) / len(ans),
        "recall": sum(multi) / len(multi) if multi else 0.0,
        "balanced_refusal": 0.5 * (sum(r["refused"] for r in una) / len(una) + sum(not r["refused"] for r in ans) / len(ans)),
        "single_len": sum(single_len) / len(single_len) if single_len else 0.0,
    }
    parts["J"] = (0.3 * parts["match"] + 0.2 * parts["support"] + 0.2 * parts["recall"]
                  + 0.3 * parts["balanced_refusal"] - 0.02 * parts["single_len"])
    return parts


def run(settings: Settings, items: list[Item], articles: Path) -> list[tuple[dict, dict]]:
    app = App(settings)
    chain = app.chain()
    cached = []
    for item in items:
        ev = chain.evidence(item.question, item.history)
        cached.append((item, ev, item.gold_spans(articles)))
    results = []
    keys = list(GRID)
    for values in itertools.product(*GRID.values()):
        s = replace(settings, **dict(zip(keys, values)))
        answerer = make_answerer(s, app.embedder)
        rows = []
        for item, ev, gold in cached:
            a = refusal(item.question) if refuses(ev, Fixed.of(s)) else answerer.answer(ev)
            cites = [c.__dict__ for c in a.citations]
            rows.append({
                "type": item.type, "answerable": item.answerable, "refused": not a.answerable,
                "match": a.answerable and M.contains_answer(a.answer, item.answers),
                "support": (M.citation_support(cites, gold, item.answers) or 0.0) if a.answerable else 0.0,
                "recall": M.evidence_recall(cites, gold) if item.type in ("multi", "conflict") else None,
                "n_statements": a.answer.count("] ") + 1,
            })
        results.append((dict(zip(keys, values)), objective(rows)))
    results.sort(key=lambda r: r[1]["J"], reverse=True)
    return results


def main() -> None:
    home = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(".newsrag")
    settings = Settings.from_env(home=home)
    results = run(settings, load(DEFAULT_SET), Path("articles"))
    for params, parts in results[:15]:
        print({k: round(v, 3) for k, v in parts.items()}, params)


if __name__ == "__main__":
    main()
