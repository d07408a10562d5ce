"""The default answerer: no LLM, no network. It quotes the evidence sentences that answer the question.

Picks the best-scoring sentences, merges repeats of one fact from different outlets into one
statement citing each outlet, orders statements by article and position, and adds `[n]` markers.
"""

from __future__ import annotations

from typing import Callable, Iterator

import numpy as np

from newsrag.rag import qtype, speakers
from newsrag.rag.answer import Answer, Answerer, Citation, Sentence, refusal
from newsrag.rag.evidence import Candidate, Evidence
from newsrag.rag.question import Question, analyze_question
from newsrag.rag.short import Short, short_answer
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
        question = analyze_question(evidence.asked or evidence.question)
        statements = self.select(evidence, question)
        if not statements:
            yield refusal(evidence.question)
            return
        ranked = sorted((c for st in statements for c in st), key=lambda c: c.score, reverse=True)
        dated = qtype.expected(evidence.question) == "date"  # "when" answers show the absolute date too
        answer = compose(evidence.question, statements, short_answer(question, ranked, evidence.question),
                         render=_dated if dated else None)
        for piece in answer.answer.split(" "):
            yield piece + " "
        yield answer

    def select(self, evidence: Evidence, question: Question | None = None) -> list[Statement]:
        """The statements to quote: headlines and captions never; for a question about what someone
        said or thinks, their own words first and nobody else's words put in their mouth."""
        pool = [c for c in evidence.candidates if c.statement and len(c.text.split()) >= self.min_words]
        question = question or analyze_question(evidence.asked or evidence.question)
        by_speaker = speakers.applies(question, pool)
        if by_speaker:
            pool = speakers.prefer(pool, question)
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
        ordered = order(statements)
        if by_speaker:  # their own words lead (a stable sort keeps the reading order otherwise)
            ordered.sort(key=lambda st: not speakers.is_own(st[0], question))
        return ordered

    def _same_fact(self, c: Candidate, statements: list[Statement]) -> Statement | None:
        return same_fact(c, statements, self.duplicate_similarity)


def same_fact(c: Candidate, statements: list[Statement], similarity: float) -> Statement | None:
    """The statement already stating what `c` states (same sentence, near-same vector or wording), or None."""
    for st in statements:
        head = st[0]
        if (head.source, head.start) == (c.source, c.start):
            return st
        if float(np.dot(head.vector, c.vector)) >= similarity or _jaccard(head, c) >= 0.6:
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


def _dated(st: Statement) -> str:
    """A statement's sentence with each resolved date beside its expression, attributed to its speaker."""
    return speakers.attributed(st[0].dated_text(), st[0].speaker)


def compose(question: str, statements: list[Statement], short: Short | None = None,
            render: Callable[[Statement], str] | None = None, joiner: str = " ") -> Answer:
    """Answer text with `[n]` markers; one citation per distinct span, numbered by first use.

    A short answer comes first ("Karen Donfried [1]."), its citation marking where it sits in the
    sentence; a quote is attributed to its speaker ("Lavrov said: “…” [2]"). `render` writes a
    statement's text (default: its first sentence, attributed); statements are joined by `joiner`.
    """
    render = render or (lambda st: speakers.attributed(st[0].text, st[0].speaker))
    numbers: dict[tuple[str, int, int], int] = {}
    citations: list[Citation] = []

    def cite(c: Candidate) -> int:
        key = (c.source, c.start, c.end)
        if key not in numbers:
            numbers[key] = len(numbers) + 1
            span = {"start": short.start, "end": short.end} if short and short.candidate is c else None
            citations.append(Citation(numbers[key], c.source, c.title, c.start, c.end, c.quote,
                                      speaker=c.speaker, short=span))
        return numbers[key]

    parts, sentences = [], []
    short_json = None
    if short is not None:
        n = cite(short.candidate)
        short_json = {"text": short.text, "n": n}
        parts.append(f"{short.text} [{n}].")
        sentences.append(Sentence(short.text, [n]))
    for st in statements:
        marks = list(dict.fromkeys(cite(c) for c in st))
        text = render(st)
        parts.append(f"{text} {''.join(f'[{n}]' for n in marks)}")
        sentences.append(Sentence(text, marks))
    return Answer(question, joiner.join(parts), True, citations, sentences=sentences, short_answer=short_json)
