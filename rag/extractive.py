"""The default answerer: no LLM, no network. It quotes the evidence sentences that answer the question.

Picks the best-scoring sentences, merges repeats of one fact from different outlets into one
statement citing each outlet, orders statements by article and position, and adds `[n]` markers.
"""

from __future__ import annotations

from typing import Iterator

import numpy as np

from newsrag.rag.answer import Answer, Answerer, Citation, Sentence, refusal
from newsrag.rag.evidence import Candidate, Evidence
from newsrag.rag.terms import terms

Statement = list[Candidate]  # first = the sentence shown; all = the citations


class ExtractiveAnswerer(Answerer):
    name = "extractive"

    def __init__(self, max_sentences: int, relative_keep: float, duplicate_similarity: float, min_words: int = 5):
        self.max_sentences = max_sentences
        self.relative_keep = relative_keep
        self.duplicate_similarity = duplicate_similarity
        self.min_words = min_words

    def stream(self, evidence: Evidence) -> Iterator[str | Answer]:
        statements = self.select(evidence)
        if not statements:
            yield refusal(evidence.question)
            return
        answer = compose(evidence.question, statements)
        for piece in answer.answer.split(" "):
            yield piece + " "
        yield answer

    def select(self, evidence: Evidence) -> list[Statement]:
        pool = [c for c in evidence.candidates if len(c.text.split()) >= self.min_words]
        if not pool:
            return []
        best = pool[0].score
        statements: list[Statement] = []
        for c in pool:
            if c.score < self.relative_keep * best:
                break
            same = self._same_fact(c, statements)
            if same is not None:
                _cite_too(same, c)
            elif len(statements) < self.max_sentences:
                statements.append([c])
        for c in pool:  # other outlets stating a selected fact, even if they scored lower
            if c.score >= 0.5 * best and (same := self._same_fact(c, statements)) is not None:
                _cite_too(same, c)
        return order(statements)

    def _same_fact(self, c: Candidate, statements: list[Statement]) -> Statement | None:
        for st in statements:
            head = st[0]
            if (head.source, head.start) == (c.source, c.start):
                return st
            if float(np.dot(head.vector, c.vector)) >= self.duplicate_similarity or _jaccard(head, c) >= 0.6:
                return st
        return None


def _cite_too(statement: Statement, c: Candidate) -> None:
    """Add `c` as another citation of the statement if it comes from an outlet not cited yet."""
    if all(x.source != c.source for x in statement):
        statement.append(c)


def _jaccard(a: Candidate, b: Candidate) -> float:
    ta, tb = set(terms(a.text)), set(terms(b.text))
    return len(ta & tb) / (len(ta | tb) or 1)


def order(statements: list[Statement]) -> list[Statement]:
    """Readable order: articles in order of their best statement, statements in article order."""
    first_seen: dict[str, int] = {}
    for i, st in enumerate(statements):
        first_seen.setdefault(st[0].source, i)
    return sorted(statements, key=lambda st: (first_seen[st[0].source], st[0].start))


def compose(question: str, statements: list[Statement]) -> Answer:
    """Answer text with `[n]` markers; one citation per distinct span, numbered by first use."""
    numbers: dict[tuple[str, int, int], int] = {}
    citations: list[Citation] = []
    parts = []
    sentences = []
    for st in statements:
        marks = []
        for c in st:
            key = (c.source, c.start, c.end)
            if key not in numbers:
                numbers[key] = len(numbers) + 1
                citations.append(Citation(numbers[key], c.source, c.title, c.start, c.end, c.quote))
            marks.append(f"[{numbers[key]}]")
        parts.append(f"{st[0].text} {''.join(dict.fromkeys(marks))}")
        sentences.append(Sentence(st[0].text, [int(m[1:-1]) for m in dict.fromkeys(marks)]))
    return Answer(question, " ".join(parts), True, citations, sentences=sentences)
