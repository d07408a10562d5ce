"""Comparison: figures side by side when numbers are compared, else each named subject's best statement
against the other's, else each outlet's best statement on the topic."""

from __future__ import annotations

from newsrag.rag.answer import Answer, Sentence
from newsrag.rag.cite import LABEL, Cites, Writer
from newsrag.rag.evidence import Evidence
from newsrag.rag.intents.base import Rules, is_statement
from newsrag.rag.intents.conflict import figures, figures_answer
from newsrag.rag.intents.summary import per_article
from newsrag.rag.query import Query


def handle(query: Query, evidence: Evidence, rules: Rules) -> Answer | None:
    if query.intent.quantity or query.expected == "number":
        groups = figures(query, evidence, rules)
        if groups:
            return figures_answer(query.text, groups)
    names = [n for n in query.names if not n.isupper() and any(n in c.text for c in evidence.candidates)]
    if len(names) >= 2:
        return by_subject(query.text, names, evidence)
    return per_article(query.text, evidence, rules, 1, topical=True, central=False)


def by_subject(question: str, names: list[str], evidence: Evidence) -> Answer | None:
    """Side by side: for each name in the question, its best statement (said by them, else mentioning them)."""
    cites, w, sentences, used = Cites(), Writer(), [], set()
    for name in names:
        fits = [c for c in evidence.candidates if is_statement(c) and (c.source, c.start) not in used
                and (name in c.text or name in (c.speaker or ""))]
        c = next((c for c in fits if name in (c.speaker or "")), fits[0] if fits else None)
        if c is None:
            continue
        used.add((c.source, c.start))
        numbers = cites.mark(c)
        w.sep("\n" if w.length else "").ours(f"{name}: ", LABEL, "the name compared").quote(c.text).marks(numbers)
        sentences.append(Sentence(c.text, numbers))
    return Answer(question, w.text, True, cites.citations, sentences=sentences, editorial=w.editorial) if w.length else None
