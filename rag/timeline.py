"""Timeline answers: the dated statements of the evidence in date order, one line each with its citations.

A statement's date is the first date expression of its sentence, resolved at ingest (index/dates.py).
Statements of the same day that say the same thing (in any outlet) are merged into one line.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np

from newsrag.rag.answer import Answer
from newsrag.rag.evidence import Candidate, Evidence
from newsrag.rag.extractive import Statement, jaccard, compose

# Minimal detector; TODO: use rag/intent.py ("timeline" intent) once branch ans-intents lands.
_ASKS = re.compile(r"\b(time ?line|chronology|chronological|in date order|sequence of events|what happened when)\b",
                   re.I)
_LEAD = re.compile(r"^\s*(give me |show me |make |what is |what's )?(a |an |the )?"
                   r"(time ?line|chronology|sequence of events)( of| for| on)?\s*|\bwhat happened when\b", re.I)


def asks_timeline(question: str) -> bool:
    """True for "timeline of ...", "chronology of ...", "what happened when ..." questions."""
    return bool(_ASKS.search(question))


def topic(question: str) -> str:
    """What the timeline is about, for retrieval: "timeline of the Ukraine talks" -> "the Ukraine talks"."""
    return _LEAD.sub(" ", question).strip(" ?.") or question


def sort_key(iso: str) -> str:
    """Sortable form of an ISO date of any precision (a week sorts as its Monday)."""
    if "-W" in iso:
        year, week = iso.split("-W")
        return dt.date.fromisocalendar(int(year), int(week), 1).isoformat()
    return iso


def timeline(evidence: Evidence, relative_keep: float = 0.5, duplicate_similarity: float = 0.7,
             max_lines: int = 12) -> Answer | None:
    """The timeline answer, or None when no relevant sentence carries a resolved date."""
    pool = [c for c in evidence.candidates if c.dates]
    if not pool:
        return None
    best = max(c.score for c in pool)
    statements: list[Statement] = []
    for c in sorted(pool, key=lambda c: -c.score):
        if c.score < relative_keep * best:
            break
        same = _same_day_fact(c, statements, duplicate_similarity)
        if same is not None:
            if all((x.source, x.start) != (c.source, c.start) for x in same):
                same.append(c)
        elif len(statements) < max_lines:
            statements.append([c])
    statements.sort(key=lambda st: (sort_key(_date(st[0])), st[0].source, st[0].start))
    return compose(evidence.question, statements, lambda st: f"{_date(st[0])} — {st[0].text}", "\n")


def _date(c: Candidate) -> str:
    return c.dates[0][2]


def _same_day_fact(c: Candidate, statements: list[Statement], threshold: float) -> Statement | None:
    for st in statements:
        head = st[0]
        if _date(head) == _date(c) and (float(np.dot(head.vector, c.vector)) >= threshold or jaccard(head, c) >= 0.6):
            return st
    return None
