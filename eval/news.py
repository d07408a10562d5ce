"""The bundled QA set (eval/qa/news.jsonl): load it and score the chain on every question."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from newsrag.eval import metrics as M
from newsrag.app import App
from newsrag.rag.fidelity import unfaithful

TYPES = ("single", "multi", "conflict", "followup", "speaker", "compare", "summarize", "unanswerable", "outcome")
REFUSE = ("unanswerable", "outcome")  # types that must be refused ("outcome": an event known only as planned)
SPREAD = ("multi", "conflict", "compare", "summarize")  # types whose evidence spans several articles
DEFAULT_SET = Path(__file__).parent / "qa" / "news.jsonl"


@dataclass
class Item:
    id: str
    question: str
    type: str
    answers: list[str]
    evidence: list[dict]
    history: list[dict] = field(default_factory=list)
    must_cite: list[str] = field(default_factory=list)  # values the answer must state, each in a citation

    @property
    def answerable(self) -> bool:
        return self.type not in REFUSE

    def gold_spans(self, articles: Path, stored: Callable[[str], str | None] | None = None) -> list[tuple[str, int, int]]:
        """Where each evidence text sits in its article: in the stored text (what citations point into,
        the readable text of an HTML page) when `stored` gives it, else in the file."""
        spans = []
        for ev in self.evidence:
            text = (stored and stored(ev["source"])) or (articles / ev["source"]).read_text(encoding="utf-8")
            start = text.index(ev["text"])
            spans.append((ev["source"], start, start + len(ev["text"])))
        return spans


def load(path: Path) -> list[Item]:
    items = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            d = json.loads(line)
            items.append(Item(d["id"], d["question"], d["type"], d.get("answers", []), d.get("evidence", []),
                              d.get("history", []), d.get("must_cite", [])))
    return items


def score(app: App, item: Item, articles: Path) -> dict:
    """Run one question through the chain (timed) and score retrieval, answer, citations, refusal."""
    t0 = time.perf_counter()
    final = app.ask(item.question, item.history)
    latency = time.perf_counter() - t0
    result, evidence = final["answer"], final["evidence"]
    gold = item.gold_spans(articles, app.store.article_text)
    chunks = [(d.metadata["source"], d.metadata["start"], d.metadata["end"]) for d in evidence.documents]
    cites = result["citations"]
    texts = {}
    exact = []
    for c in cites:
        if c["source"] not in texts:
            texts[c["source"]] = original(app, articles, c["source"])
        exact.append(texts[c["source"]][c["start"]:c["end"]] == c["text"])
    answerable = item.answerable
    return {
        "id": item.id, "type": item.type, "question": item.question, "answerable": answerable,
        "refused": not result["answerable"], "strength": evidence.strength, "latency": latency,
        "hit_rank": M.first_hit_rank(chunks, gold) if answerable else None,
        "match": M.contains_answer(result["answer"], item.answers) if answerable else None,
        "f1": max((M.token_f1(_said(result), a) for a in item.answers), default=0.0) if answerable else None,
        "short": (result.get("short_answer") or {}).get("text"),
        "short_right": (_short_right(result, item.answers) if result.get("short_answer") else None),
        "exact": exact,
        "faithful": not unfaithful(result) if result["answerable"] else None,
        "support": M.citation_support(cites, gold, item.answers) if answerable else None,
        "evidence_recall": M.evidence_recall(cites, gold) if item.type in SPREAD else None,
        "values_cited": M.values_cited(result["answer"], cites, item.must_cite) if item.must_cite else None,
        "planned_notice": "only as planned" in (result["notice"] or "") if item.type == "outcome" else None,
        "answer": result["answer"], "citations": cites, "notice": result["notice"],
        "features": getattr(getattr(evidence, "found", None), "features", None),  # what the calibration read
    }


def original(app: App, articles: Path, source: str) -> str:
    """The text a citation's offsets point into: the file itself, or an HTML page's stored readable text."""
    if Path(source).suffix.lower() in (".html", ".htm"):
        return app.store.article_text(source) or ""
    return (articles / source).read_text(encoding="utf-8")


def _short_right(result: dict, answers: list[str]) -> bool:
    """The short answer shown is right: token F1 >= 0.5 with a gold answer (never on an unanswerable question)."""
    return any(M.token_f1(result["short_answer"]["text"], a) >= 0.5 for a in answers)


def _said(result: dict) -> str:
    """What the answer gives as its answer: the short answer when it has one, else the whole text."""
    return (result.get("short_answer") or {}).get("text") or result["answer"]


def aggregate(rows: list[dict], k: int) -> dict:
    """Metrics per question type and overall."""
    groups = {t: [r for r in rows if r["type"] == t] for t in TYPES}
    groups = {t: g for t, g in groups.items() if g}
    groups["overall"] = rows
    return {name: _summary(g, k) for name, g in groups.items()}


def _mean(values: Iterable) -> float | None:
    values = [float(v) for v in values if v is not None]
    return sum(values) / len(values) if values else None


def _summary(rows: list[dict], k: int) -> dict:
    ans = [r for r in rows if r["answerable"]]
    refused = [r for r in rows if r["refused"]]
    exact = [e for r in rows for e in r["exact"]]
    latencies = [r["latency"] * 1000 for r in rows]
    return {
        "n": len(rows),
        f"hit@{k}": _mean(r["hit_rank"] is not None for r in ans) if ans else None,
        "mrr": _mean((1 / r["hit_rank"]) if r["hit_rank"] else 0.0 for r in ans) if ans else None,
        "answer_match": _mean(r["match"] for r in ans),
        "answer_f1": _mean(r["f1"] for r in ans),
        "citation_exact": _mean(exact) if exact else None,
        "faithful": _mean(r.get("faithful") for r in rows),
        "citation_support": _mean(r["support"] for r in ans),
        "evidence_recall": _mean(r["evidence_recall"] for r in rows),
        "values_cited": _mean(r.get("values_cited") for r in rows),
        "planned_notice": _mean(r.get("planned_notice") for r in rows),
        # precision needs both kinds of question in the group: only "overall" has them
        "refusal_precision": (_mean(not r["answerable"] for r in refused)
                              if refused and ans and len(ans) < len(rows) else None),
        "refusal_recall": (_mean(r["refused"] for r in rows if not r["answerable"])
                           if any(not r["answerable"] for r in rows) else None),
        "answered_when_answerable": _mean(not r["refused"] for r in ans),
        "short_shown": _mean(r.get("short") is not None for r in ans),
        "short_precision": _mean(r.get("short_right") for r in rows),
        "latency_p50_ms": M.percentile(latencies, 0.5),
        "latency_p95_ms": M.percentile(latencies, 0.95),
    }


def evaluate(app: App, items: list[Item], articles: Path,
             progress: Callable[[int, int], None] | None = None) -> tuple[list[dict], dict]:
    rows = []
    for i, item in enumerate(items, 1):
        rows.append(score(app, item, articles))
        if progress:
            progress(i, len(items))
    return rows, aggregate(rows, app.settings.k)
