"""The short answer to a typed question: the entity, number or date itself ("Karen Donfried"), as an
exact span of a cited sentence, so it can be shown first and highlighted inside that sentence.

Entities were found at ingest (spaCy, stored per sentence); here we only choose one: of a label the
question's type calls for (preferred labels first), not made of the question's own words, and
closest to the words the sentence shares with the question ("100,000" next to "troops").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from newsrag.rag.evidence import Candidate
from newsrag.rag.qtype import DURATION
from newsrag.rag.question import Question
from newsrag.rag.terms import terms

TYPED = frozenset(("person", "org", "date", "place", "number", "duration"))
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Short:
    """A short answer: `text == original[start:end]`, inside the sentence `candidate`."""

    candidate: Candidate
    start: int
    end: int
    text: str


def short_answer(question: Question, ranked: list[Candidate], context: str = "") -> Short | None:
    """The short answer from the best-scoring sentence that holds one (`ranked`: best first).

    `context` is the retrieval query of a follow-up (the last exchange joined to the question):
    what it already says is not new either.
    """
    if question.answer_type not in TYPED:
        return None
    if question.asks_speaker:
        for c in ranked:
            found = _speaker_span(c)
            if found:
                return found
    asked = set(terms(question.text)) | set(terms(context))
    for c in ranked:
        found = _best_entity(c, question, asked)
        if found:
            return found
    return None


def _best_entity(c: Candidate, question: Question, asked: set[str]) -> Short | None:
    options = []
    for label, start, end in c.ents:
        if label not in question.labels or not c.start <= start < end <= c.end:
            continue
        text = c.quote[start - c.start:end - c.start]
        own = set(terms(text))
        if not own or own <= asked or text.lower() in question.text.lower() or _abbreviated(text, question.text):
            continue  # the question's own words are not its answer ("the United States" for "US")
        if question.answer_type == "duration" and not DURATION.search(text):
            continue
        options.append((question.labels.index(label), _distance(c, start, end, asked), start, end, text))
    if not options:
        return None
    _, _, start, end, text = min(options)
    return Short(c, start, end, text)


def _abbreviated(text: str, question: str) -> bool:
    """The question names this entity by its initials: "the United States" / "US-Russia talks"."""
    initials = "".join(w[0] for w in re.findall(r"[A-Z][\w’'-]*", text))
    return len(initials) > 1 and re.search(rf"\b{initials}\b", question) is not None


def _distance(c: Candidate, start: int, end: int, asked: set[str]) -> int:
    """Characters from the entity to the nearest word the sentence shares with the question."""
    near = [m.start() + c.start for m in _WORD.finditer(c.quote) if set(terms(m.group(0))) & asked]
    if not near:
        return 0
    return min(0 if start <= p < end else min(abs(p - start), abs(p - end)) for p in near)


def _speaker_span(c: Candidate) -> Short | None:
    """"Which official said…?": the speaker, if the sentence itself names them (else it cannot be cited)."""
    if not c.speaker:
        return None
    i = c.quote.find(c.speaker)
    if i < 0:
        return None
    return Short(c, c.start + i, c.start + i + len(c.speaker), c.speaker)
