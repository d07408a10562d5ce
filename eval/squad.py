"""SQuAD v2 JSON as an external benchmark: every paragraph an article, every question scored.

Retrieval is judged per paragraph: a retrieved chunk belongs to the gold paragraph when its source
is that paragraph's source. Ranks count distinct paragraphs in retrieval order, so hit@10 means the
gold paragraph is among the paragraphs of the top `max(k, 10)` chunks (at most 10 paragraphs, often
fewer when two chunks of one paragraph both rank: slightly stricter than a paragraph-level R@10).
"""

from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from newsrag.eval import metrics as M
from newsrag.app import App
from newsrag.rag.fidelity import unfaithful
from newsrag.index.ingest import IngestReport
from newsrag.index.load import from_text
from newsrag.rag.question import expected

DEPTH = 10  # retrieval depth (chunks) at least this, so hit@10 is measurable


@dataclass(frozen=True)
class Paragraph:
    source: str
    title: str
    text: str


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    answers: tuple[str, ...]
    impossible: bool
    source: str  # the paragraph it was written on


def is_squad(data: object) -> bool:
    """True for the SQuAD v1/v2 layout: {"data": [{"title", "paragraphs": [{"context", "qas"}]}]}."""
    if not isinstance(data, dict) or not isinstance(data.get("data"), list) or not data["data"]:
        return False
    first = data["data"][0]
    paras = first.get("paragraphs") if isinstance(first, dict) else None
    return bool(isinstance(paras, list) and paras and isinstance(paras[0], dict)
                and "context" in paras[0] and "qas" in paras[0])


def parse(data: dict) -> tuple[list[Paragraph], list[Question]]:
    """Paragraphs (source "squad/<title>/<i>") and their questions, in file order."""
    paragraphs, questions = [], []
    for article in data["data"]:
        title = str(article.get("title", "untitled"))
        for i, para in enumerate(article["paragraphs"]):
            source = f"squad/{title}/{i}"
            paragraphs.append(Paragraph(source, title.replace("_", " "), para["context"]))
            for qa in para["qas"]:
                answers = tuple(dict.fromkeys(a["text"] for a in qa.get("answers", []) if a.get("text")))
                impossible = bool(qa.get("is_impossible", not answers))
                questions.append(Question(str(qa["id"]), qa["question"], answers, impossible, source))
    return paragraphs, questions


def read(path: Path) -> tuple[list[Paragraph], list[Question]]:
    return parse(json.loads(path.read_text(encoding="utf-8")))


HALVES = ("all", "even", "odd")


def half(data: dict, which: str = "all") -> dict:
    """The SQuAD file restricted to the articles at even (0, 2, 4, ...) or odd positions of `data`.

    The reader is trained and calibrated on the even half only (eval/fit_reader.py); the odd half is held
    out for reporting quality.
    """
    if which not in HALVES:
        raise ValueError(f"half must be one of {', '.join(HALVES)}, not {which!r}")
    if which == "all":
        return data
    parity = 0 if which == "even" else 1
    return {**data, "data": [a for i, a in enumerate(data["data"]) if i % 2 == parity]}


def sample(questions: list[Question], limit: int | None, seed: int) -> list[Question]:
    """`limit` questions drawn with a fixed seed (file order kept), or all of them."""
    if limit is None or limit >= len(questions):
        return questions
    keep = set(random.Random(seed).sample(range(len(questions)), limit))
    return [q for i, q in enumerate(questions) if i in keep]


def ingest(paragraphs: Iterable[Paragraph], app: App) -> IngestReport:
    """Paragraphs through the normal clean/chunk/embed/store pipeline; unchanged ones are skipped."""
    return app.ingest_documents(from_text(p.text, p.source, p.title) for p in paragraphs)


def paragraph_rank(sources: list[str], gold: str, depth: int = DEPTH) -> int | None:
    """1-based rank of `gold` among the distinct sources, in order (None if not in the first `depth`)."""
    distinct = list(dict.fromkeys(sources))[:depth]
    return distinct.index(gold) + 1 if gold in distinct else None


def score(app: App, q: Question, texts: dict[str, str]) -> dict:
    """Answer (timed), then rank the gold paragraph: fused, plus BM25-only and dense-only diagnostics."""
    depth = max(app.settings.k, DEPTH)
    t0 = time.perf_counter()
    final = app.ask(q.question)
    latency = time.perf_counter() - t0
    result, evidence = final["answer"], final["evidence"]
    vector = app.embedder.encode([q.question])[0]
    docs = app.retriever(k=depth).invoke(q.question, vector=vector)
    lexical = [app.corpus.get().metas[cid]["source"] for cid, _ in app.corpus.get().search(q.question, depth)]
    dense = [h.meta["source"] for h in app.store.query("chunks", vector, depth)]
    cites = result["citations"]
    cited = " ".join(c["text"] for c in cites)
    return {
        "id": q.id, "question": q.question, "answerable": not q.impossible, "gold": q.source,
        "refused": not result["answerable"], "latency": latency, "strength": evidence.strength,
        "rank": paragraph_rank([d.metadata["source"] for d in docs], q.source),
        "bm25_rank": paragraph_rank(lexical, q.source),
        "dense_rank": paragraph_rank(dense, q.source),
        "cited_answer": (not q.impossible and bool(cites) and M.contains_answer(cited, list(q.answers))),
        "exact": [texts.get(c["source"], "")[c["start"]:c["end"]] == c["text"] for c in cites],
        "faithful": not unfaithful(result) if result["answerable"] else None,
        "answer": result["answer"],
        "short_given": bool(result.get("short_answer")),
        "reader_f1": _reader_f1(evidence, q),
        "features": getattr(getattr(evidence, "found", None), "features", None),  # what the calibration read
        **short_scores(short_answer(result), q),
    }


def _reader_f1(evidence, q: Question) -> float | None:
    """F1 of the reader's best span (shown or not, refused or not) on an answerable question."""
    found = getattr(evidence, "found", None) if evidence is not None else None
    if q.impossible or found is None:
        return None
    text = found.best.text if found.best else ""
    return max((M.token_f1(text, a) for a in q.answers), default=0.0)


def short_answer(result: dict) -> str | None:
    """What the product gives as its short answer: the answer's `short_answer` text; for differing
    figures ("Reports differ: 100,000 troops [1]; ..."), which have none, the first value it highlights
    in its citations; otherwise the whole answer text (what a user reads). None when refused. Nothing
    is picked by the eval itself."""
    if not result["answerable"]:
        return None
    given = result.get("short_answer")
    if isinstance(given, dict) and given.get("text"):
        return given["text"]
    marked = [c for c in result["citations"] if c.get("short")]
    if marked:  # article offsets of the highlighted value inside the cited span
        c, span = marked[0], marked[0]["short"]
        return c["text"][span["start"] - c["start"]:span["end"] - c["start"]] or result["answer"]
    return result["answer"]


def short_scores(short: str | None, q: Question) -> dict:
    """Short-answer EM and F1 against the gold answers (0 when refused); None for unanswerable questions."""
    if q.impossible:
        return {"short_answer": short, "short_em": None, "short_f1": None, "typed": None}
    pred = short or ""
    return {"short_answer": short, "typed": expected(q.question) is not None,
            "short_em": float(any(M.normalize(pred) == M.normalize(a) for a in q.answers)),
            "short_f1": max((M.token_f1(pred, a) for a in q.answers), default=0.0)}


def evaluate(app: App, questions: list[Question], texts: dict[str, str],
             on_row: Callable[[dict], None] | None = None) -> tuple[list[dict], dict]:
    """Score every question; `on_row` sees each row as it is made (progress, a partial log)."""
    rows = []
    for q in questions:
        rows.append(score(app, q, texts))
        if on_row:
            on_row(rows[-1])
    return rows, aggregate(rows)


def _hits(ranks: list[int | None], prefix: str) -> dict:
    n = len(ranks) or 1
    out = {f"{prefix}hit@{k}": sum(r is not None and r <= k for r in ranks) / n for k in (1, 5, 10)}
    out[f"{prefix}mrr@10"] = sum(1 / r for r in ranks if r) / n
    return out


def _short(rows: list[dict], prefix: str) -> dict:
    """Mean short-answer EM/F1 over `rows` (open corpus: from the retrieved evidence, not the gold paragraph)."""
    rows = [r for r in rows if r.get("short_f1") is not None]
    if not rows:
        return {}
    return {f"{prefix}short_em": sum(r["short_em"] for r in rows) / len(rows),
            f"{prefix}short_f1": sum(r["short_f1"] for r in rows) / len(rows), f"{prefix}questions": len(rows),
            f"{prefix}short_given": sum(bool(r.get("short_given")) for r in rows) / len(rows)}


def aggregate(rows: list[dict]) -> dict:
    """Answerable: retrieval (fused, BM25-only, dense-only), cited answers; unanswerable: refusals."""
    ans = [r for r in rows if r["answerable"]]
    una = [r for r in rows if not r["answerable"]]
    exact = [e for r in rows for e in r["exact"]]
    latencies = [r["latency"] * 1000 for r in rows]
    out = {"n": len(rows), "answerable": len(ans), "unanswerable": len(una)}
    if ans:
        for prefix, key in (("", "rank"), ("bm25_", "bm25_rank"), ("dense_", "dense_rank")):
            out.update(_hits([r[key] for r in ans], prefix))
        out["cited_answer"] = sum(r["cited_answer"] for r in ans) / len(ans)
        out["answered_when_answerable"] = sum(not r["refused"] for r in ans) / len(ans)
        out.update(_short(ans, ""))
        out.update(_short([r for r in ans if r.get("typed")], "typed_"))
    out["refusal_rate_unanswerable"] = sum(r["refused"] for r in una) / len(una) if una else None
    shown = [r for r in rows if r.get("short_given")]  # on an unanswerable question a short answer is wrong
    out["short_precision"] = (sum((r.get("short_f1") or 0.0) >= 0.5 for r in shown) / len(shown)) if shown else None
    read = [r["reader_f1"] for r in ans if r.get("reader_f1") is not None]
    out["reader_span_f1"] = sum(read) / len(read) if read else None
    out["citation_exact"] = sum(exact) / len(exact) if exact else None
    faithful = [r["faithful"] for r in rows if r.get("faithful") is not None]
    out["faithful"] = sum(faithful) / len(faithful) if faithful else None
    out["latency_p50_ms"] = M.percentile(latencies, 0.5)
    out["latency_p95_ms"] = M.percentile(latencies, 0.95)
    return out


def calibration_split(data: dict) -> tuple[list[dict], list[dict]]:
    """The even half's articles split for the reader: (training articles, calibration articles).

    Every third even article (6 of 18) is kept out of the reader's training; thresholds for its
    short answers and refusals are chosen there. The odd half stays for reporting only.
    """
    even = half(data, "even")["data"]
    return [a for i, a in enumerate(even) if i % 3 != 2], [a for i, a in enumerate(even) if i % 3 == 2]
