"""Generic features of an evidence sentence for a question, and of a question's best evidence.

The learned scorer (rag/score.py, fitted by eval/fit_scorer.py) weighs them. Each feature is one
small function of the question's analysis (`Asked`) and one sentence (`Seen`); none is specific to
news or to SQuAD, and all are cheap (no model runs at query time beyond the question's vector).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from typing import Callable

import numpy as np

from newsrag.rag import qtype
from newsrag.rag.question import speaker_matches
from newsrag.rag.lexical import Corpus
from newsrag.rag.terms import terms

_NEGATION = re.compile(r"\b(not|no|never|none|nobody|nothing|neither|nor|without|cannot)\b|n[’']t\b", re.I)
_NAMED = re.compile(r"\b[A-Z][\w’'-]*\b|\d[\d,.]*|\b(" + qtype._MONTHS + r")\b", re.I)


@dataclass(frozen=True)
class Asked:
    """What the features need to know about the question."""

    text: str  # what the user typed this turn: decides the kind of answer wanted
    terms: frozenset[str]  # focus terms (stemmed)
    idf: dict[str, float]  # focus term -> its idf in the indexed corpus
    total: float  # idf mass of the focus terms
    rarest: float  # the corpus's highest idf: makes idf features comparable across corpora
    kind: str | None  # qtype.expected(text): number, date, name, place, duration or None
    subject: str | None  # the named subject or speaker ("What does Lavrov think?" -> "Lavrov")
    negated: bool
    named: frozenset[str]  # stems of the names, numbers and dates the question contains


def named_terms(text: str) -> frozenset[str]:
    """Stems of capitalised words (not the first word), numbers and month names in `text`."""
    out: set[str] = set()
    for m in _NAMED.finditer(text):
        if m.start() == 0 and not m.group(0)[0].isdigit():
            continue  # "What ..." is capitalised only because it opens the question
        out.update(terms(m.group(0)))
    return frozenset(out)


def analyse(corpus: Corpus, query, focus: str | None = None) -> Asked:
    """What the features need of the analysed question (rag/query.py `Query`) in this corpus; term
    coverage counts the terms of `focus` (default: the question)."""
    asked = query.text
    q_terms = frozenset(terms(focus or asked))
    idf = {t: corpus.weight(t) for t in q_terms}
    rarest = math.log(1 + max(len(corpus.ids), 1))
    return Asked(asked, q_terms, idf, sum(idf.values()) or 1.0, rarest, query.expected, query.asked.subject,
                 bool(_NEGATION.search(asked)), named_terms(asked) & q_terms)


@dataclass(frozen=True)
class Seen:
    """One candidate sentence as the features see it."""

    text: str
    terms: frozenset[str]
    dense: float  # cosine similarity to the question
    chunk_rank: int  # retrieval rank of the best chunk holding it (0 = first)
    position: int  # position of that chunk in its article (0 = first)
    dense_rank: int  # rank by cosine among the candidates (0 = closest)
    meta: dict  # the stored sentence metadata (speaker / statement when the index has them)
    context: frozenset[str] = frozenset()  # terms of the sentence before it (`in_context`)


def in_context(seen: list[Seen]) -> list[Seen]:
    """Each sentence with the terms of the sentence before it (when that is a candidate from the same
    chunk) as its context: one sentence, whatever the chunk length, so it means the same in short
    encyclopaedia paragraphs and long news chunks."""
    chunks: dict[tuple, list[int]] = {}
    for i, s in enumerate(seen):
        chunks.setdefault((s.chunk_rank, s.meta.get("source")), []).append(i)
    before: dict[int, Seen] = {}
    for members in chunks.values():
        members.sort(key=lambda i: seen[i].meta.get("start", 0))
        for prev, i in zip(members, members[1:]):
            before[i] = seen[prev]
    return [replace(s, context=before[i].terms) if i in before else s for i, s in enumerate(seen)]


def cosine(q: Asked, s: Seen, corpus: Corpus) -> float:
    return s.dense


def coverage(q: Asked, s: Seen, corpus: Corpus) -> float:
    """Share of the question's idf-weighted terms the sentence contains."""
    return sum(q.idf[t] for t in q.terms & s.terms) / q.total


def novelty(q: Asked, s: Seen, corpus: Corpus) -> float:
    """Idf mass of what the sentence says beyond the question, against the question's own mass.

    A sentence that only restates the question is not an answer.
    """
    new = sum(corpus.weight(t) for t in s.terms - q.terms)
    return new / (new + q.total)


def context_coverage(q: Asked, s: Seen, corpus: Corpus) -> float:
    """Share of the question's idf-weighted terms it and the sentence before it contain: an answer
    sentence often names its subject only in the sentence before ("It was founded in 1850")."""
    return sum(q.idf[t] for t in q.terms & (s.terms | s.context)) / q.total


def missing_idf(q: Asked, s: Seen, corpus: Corpus) -> float:
    """The idf of the rarest question term the sentence lacks (0 when it has them all)."""
    return max((q.idf[t] for t in q.terms - s.terms), default=0.0) / q.rarest


def negation_mismatch(q: Asked, s: Seen, corpus: Corpus) -> float:
    return float(q.negated != bool(_NEGATION.search(s.text)))


def named_share(q: Asked, s: Seen, corpus: Corpus) -> float:
    """Share of the question's names, numbers and dates present in the sentence (1 if it has none)."""
    return len(q.named & s.terms) / len(q.named) if q.named else 1.0


def expected_entity(q: Asked, s: Seen, corpus: Corpus) -> float:
    """+1 when the sentence offers the asked-for kind beyond the question's words, -1 when it lacks it, 0 untyped.

    The patterns of rag/qtype.py ("in Geneva" for where, a number next to what is counted for how
    many) proved more selective than any stored entity of the type, which nearly every sentence has.
    """
    if q.kind is None:
        return 0.0
    return 1.0 if qtype.offers(q.kind, s.text, q.text) else -1.0


def speaker_match(q: Asked, s: Seen, corpus: Corpus) -> float:
    """1 when the sentence's stored speaker is the question's subject (or someone it names)."""
    speaker = s.meta.get("speaker") or ""
    if q.subject:
        return float(speaker_matches(q.subject, speaker))
    return float(bool(speaker) and bool(set(terms(speaker)) & q.named))


def statement(q: Asked, s: Seen, corpus: Corpus) -> float:
    """1 for a statement (stored at ingest; assumed when the index does not say)."""
    return float(s.meta.get("statement", True))


def chunk_rank(q: Asked, s: Seen, corpus: Corpus) -> float:
    return 1.0 / (1 + s.chunk_rank)


def position(q: Asked, s: Seen, corpus: Corpus) -> float:
    return 1.0 / (1 + s.position)


def dense_rank(q: Asked, s: Seen, corpus: Corpus) -> float:
    return 1.0 / (1 + s.dense_rank)


def length(q: Asked, s: Seen, corpus: Corpus) -> float:
    return math.log1p(len(s.text.split()))


SENTENCE: dict[str, Callable[[Asked, Seen, Corpus], float]] = {
    f.__name__: f for f in (cosine, coverage, context_coverage, novelty, missing_idf, negation_mismatch, named_share,
                            expected_entity, speaker_match, statement, chunk_rank, position, dense_rank, length)
}


def sentence_features(q: Asked, s: Seen, corpus: Corpus) -> dict[str, float]:
    return {name: f(q, s, corpus) for name, f in SENTENCE.items()}


TOP = 3  # the best sentences whose scores and match describe the evidence


def question_features(q: Asked, ranked: list[tuple[frozenset[str], dict[str, float], float]],
                      corpus: Corpus, top: int = TOP) -> dict[str, float]:
    """Features of the question and its evidence: every candidate (terms, features, score), best first.

    The refusal model weighs them: the best `top` sentences' scores and match, whether the rarest
    question words are missing from the best sentence, its chunk or all of the evidence, whether the
    question's names/numbers/dates are there, whether any sentence offers the asked-for kind.
    """
    if not ranked:
        return {name: 0.0 for name in QUESTION}
    best = ranked[:top]
    _, f, score = best[0]
    chunk = _union(t for t, g, _ in ranked if g["chunk_rank"] == f["chunk_rank"])
    scores = [b[2] for b in best]
    return {
        "best_score": score,
        "margin": score - (scores[1] if len(scores) > 1 else 0.0),
        "mean_score": float(np.mean(scores)),
        "best_cosine": f["cosine"],
        "best_coverage": f["coverage"],
        "best_missing_idf": f["missing_idf"],
        "best_negation_mismatch": f["negation_mismatch"],
        "evidence_missing_idf": missing_idf(q, _union(t for t, _, _ in best), corpus),
        "evidence_named_share": named_share(q, _union(t for t, _, _ in best), corpus),
        "chunk_missing_idf": missing_idf(q, chunk, corpus),
        "chunk_coverage": coverage(q, chunk, corpus),
        "chunk_named_share": named_share(q, chunk, corpus),
        "all_missing_idf": missing_idf(q, _union(t for t, _, _ in ranked), corpus),
        "any_expected_entity": max(b[1]["expected_entity"] for b in best),
        "typed": float(q.kind is not None),
        "question_negated": float(q.negated),
        "question_terms": math.log1p(len(q.terms)),
    }


def _union(term_sets) -> Seen:
    """Several sentences' terms as one pseudo-sentence, for the term features."""
    return Seen("", frozenset().union(*term_sets), 0.0, 0, 0, 0, {})


QUESTION = ("best_score", "margin", "mean_score", "best_cosine", "best_coverage", "best_missing_idf",
            "best_negation_mismatch", "evidence_missing_idf", "evidence_named_share", "chunk_missing_idf",
            "chunk_coverage", "chunk_named_share", "all_missing_idf", "any_expected_entity", "typed",
            "question_negated", "question_terms")
