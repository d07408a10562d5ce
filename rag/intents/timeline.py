"""Timeline answers: the dated statements of the evidence in date order, one line each with its citations.

A statement's date is the first date expression of its sentence, resolved at ingest (index/dates.py).
Statements of the same day that say the same thing (in any outlet) are merged into one line. The
"timeline" intent comes from rag/question.py; this is its handler in the registry (rag/intents/__init__.py).
"""

from __future__ import annotations

import datetime as dt

from newsrag.rag.answer import Answer
from newsrag.rag.cite import DATE
from newsrag.rag.evidence import Candidate, Evidence
from newsrag.rag.extractive import Statement, compose, same_fact
from newsrag.rag.intents.base import Rules
from newsrag.rag.query import Query

MAX_LINES = 12


def sort_key(iso: str) -> str:
    """Sortable form of an ISO date of any precision (a week sorts as its Monday)."""
    if "-W" in iso:
        year, week = iso.split("-W")
        return dt.date.fromisocalendar(int(year), int(week), 1).isoformat()
    return iso


def handle(query: Query, evidence: Evidence, rules: Rules) -> Answer | None:
    """The timeline answer, or None (answer as usual) when no relevant statement carries a resolved date.

    A sentence joins if it scores at least `rules.summary_keep` of the best dated one, as an article
    joins a topical summary.
    """
    pool = sorted((c for c in evidence.candidates if c.dates and c.statement), key=lambda c: -c.score)
    if not pool:
        return None
    statements: list[Statement] = []
    for c in pool:
        if c.score < rules.summary_keep * pool[0].score:
            break
        same_day = [st for st in statements if _date(st[0]) == _date(c)]
        same = same_fact(c, same_day, rules.duplicate_similarity)
        if same is not None:
            if all((x.source, x.start) != (c.source, c.start) for x in same):
                same.append(c)
        elif len(statements) < MAX_LINES:
            statements.append([c])
    statements.sort(key=lambda st: (sort_key(_date(st[0])), st[0].source, st[0].start))
    note = "the date of the sentence's first date expression, resolved against the article's publication date"
    return compose(query.text, statements, render=lambda st: [(f"{_date(st[0])} — ", DATE, note), (st[0].text, None, "")],
                   joiner="\n")


def _date(c: Candidate) -> str:
    return c.dates[0][2]
