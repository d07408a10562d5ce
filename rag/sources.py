"""Who said it and when: each citation gets its article's outlet, date, URL and author, its resolved dates, and
which text its offsets index."""

from __future__ import annotations

from dataclasses import replace

from newsrag.index.load import offsets_of
from newsrag.index.store import NEWS_FIELDS, ChromaStore
from newsrag.rag.answer import Answer
from newsrag.rag.evidence import Evidence


def with_sources(answer: Answer, evidence: Evidence, store: ChromaStore) -> Answer:
    """`answer` with every citation's news fields filled from the registry (null where unknown) and the
    text its offsets index ("file" or "readable")."""
    if not answer.citations:
        return answer
    articles = store.article_meta(c.source for c in answer.citations)
    dates = {(c.source, c.start, c.end): [list(d) for d in c.dates] for c in evidence.candidates}
    cited = []
    for c in answer.citations:
        a = articles.get(c.source)
        fields = {k: getattr(a, k) for k in NEWS_FIELDS} if a else {}
        cited.append(replace(c, **fields, offsets=offsets_of(c.source), dates=dates.get((c.source, c.start, c.end), [])))
    return replace(answer, citations=cited)
