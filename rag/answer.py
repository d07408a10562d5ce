"""What an answer is, and the one small interface every answer backend implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass, field
from typing import Iterator

from newsrag.rag.evidence import Evidence

NOT_COVERED = "The articles don't say."


@dataclass(frozen=True)
class Citation:
    """`text == original[start:end]` of the article `source`, always."""

    n: int
    source: str
    title: str
    start: int
    end: int
    text: str
    supported: bool = True  # an answer sentence citing it passed the support check (always, for quotes)
    speaker: str | None = None  # who the cited sentence reports as speaking
    short: dict | None = None  # {"start", "end"}: the short answer inside this span (article offsets)
    outlet: str | None = None  # what the article states about itself (null when unknown)
    published: str | None = None
    url: str | None = None
    author: str | None = None
    dates: list = field(default_factory=list)  # [start, end, iso] of the date expressions in the span
    offsets: str = "file"  # what start/end index: "file" (the file's text) or "readable" (an HTML page's text)


@dataclass(frozen=True)
class Sentence:
    """One statement of the answer, the citation numbers it carries, and whether they support it."""

    text: str
    citations: list[int]
    supported: bool = True


@dataclass(frozen=True)
class Answer:
    question: str
    answer: str
    answerable: bool
    citations: list[Citation] = field(default_factory=list)
    notice: str | None = None  # e.g. "fell back to the extractive answer"
    sentences: list[Sentence] = field(default_factory=list)
    short_answer: dict | None = None  # {"text", "n"}: the entity/number/date answering a typed question
    conflict: bool = False  # the answer reports differing values from different outlets
    intent: str = "fact"  # fact, list, compare, summarize, timeline or outcome (rag/question.py)
    editorial: list[dict] = field(default_factory=list)  # {"start", "end", "kind", "note"}: our words (rag/cite.py)

    def to_json(self) -> dict:
        """The `newsrag ask --json` schema (fields are only ever added; see docs/answer-json.md)."""
        return {
            "question": self.question,
            "answer": self.answer,
            "answerable": self.answerable,
            "citations": [asdict(c) for c in self.citations],
            "sentences": [asdict(s) for s in self.sentences],
            "notice": self.notice,
            "short_answer": self.short_answer,
            "conflict": self.conflict,
            "intent": self.intent,
            "editorial": self.editorial,
        }


def refusal(question: str, notice: str | None = None) -> Answer:
    return Answer(question, NOT_COVERED, False, [], notice)


class Answerer(ABC):
    """An answer backend: turns evidence into an answer whose citations are exact spans.

    `stream` yields text pieces as they are ready, then the finished `Answer` last; `config` is the
    LangChain RunnableConfig of the chain's run, for backends that call LangChain models.
    """

    name: str = "base"

    @abstractmethod
    def stream(self, evidence: Evidence, config: dict | None = None) -> Iterator[str | Answer]:
        ...

    def answer(self, evidence: Evidence) -> Answer:
        final = None
        for item in self.stream(evidence):
            if isinstance(item, Answer):
                final = item
        assert final is not None, f"{self.name} answerer produced no answer"
        return final
