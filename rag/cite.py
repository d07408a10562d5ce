"""The one citation builder, and the answer text it numbers.

Every answer — extractive, composed or written by a model — numbers its citations here, by first use,
one per distinct span; and writes its text here, as verbatim quotes of what it cites and editorial
pieces marked as ours (a label such as "Reports differ:", a bracketed insertion "he [Sergey Lavrov]
said", a resolved date beside a sentence, an attribution "Lavrov said:"). The JSON's `editorial`
lists those pieces by their offsets in the answer text, so the chat and the export show them apart.
The cite stage then gives each citation its article's outlet, date, URL and author, its resolved dates,
and which text its offsets index (`with_sources`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Iterable

from newsrag.index.load import offsets_of
from newsrag.index.store import NEWS_FIELDS, ChromaStore
from newsrag.rag.answer import Answer, Citation
from newsrag.rag.evidence import Candidate, Evidence

LABEL, INSERTION, DATE, ATTRIBUTION = "label", "insertion", "date", "attribution"


class Cites:
    """Citation numbers by first use, one per distinct (source, start, end)."""

    def __init__(self):
        self.numbers: dict[tuple[str, int, int], int] = {}
        self.citations: list[Citation] = []

    def mark(self, *cands: Candidate, short: dict | None = None, supported: bool = True) -> list[int]:
        """The numbers of `cands` (new ones appended); `short` ({"start", "end"}) marks the short answer
        inside the first new citation it is given for."""
        out = []
        for c in cands:
            new = (c.source, c.start, c.end) not in self.numbers
            out.append(self.span(c.source, c.title, c.start, c.end, c.quote, supported,
                                 speaker=c.speaker if c.speaker_here else None, short=short))
            short = None if new else short
        return list(dict.fromkeys(out))

    def span(self, source: str, title: str, start: int, end: int, text: str, supported: bool = True,
             **extra) -> int:
        """The number of one span of an article (a new one is appended), for citations of no sentence
        (a byline)."""
        key = (source, start, end)
        if key not in self.numbers:
            self.numbers[key] = len(self.numbers) + 1
            self.citations.append(Citation(self.numbers[key], source, title, start, end, text, supported, **extra))
        return self.numbers[key]


def markers(numbers: Iterable[int]) -> str:
    return "".join(f"[{n}]" for n in numbers)


@dataclass
class Writer:
    """Answer text from verbatim pieces (`quote`) and editorial ones (`ours`), with markers."""

    parts: list[str] = field(default_factory=list)
    editorial: list[dict] = field(default_factory=list)
    length: int = 0

    def quote(self, text: str) -> "Writer":
        return self._add(text)

    def ours(self, text: str, kind: str, note: str = "") -> "Writer":
        """Words of ours, not the source's; leading and trailing spaces are not part of the mark."""
        core = text.strip()
        if core:
            start = self.length + (len(text) - len(text.lstrip()))
            self.editorial.append({"start": start, "end": start + len(core), "kind": kind, "note": note})
        return self._add(text)

    def pieces(self, pieces: Iterable[tuple[str, str | None, str]]) -> "Writer":
        """(text, kind or None for a quote, note) pieces, as rag/speakers.py and rag/dates give them."""
        for text, kind, note in pieces:
            self.ours(text, kind, note) if kind else self.quote(text)
        return self

    def marks(self, numbers: Iterable[int]) -> "Writer":
        numbers = list(numbers)
        return self._add(f" {markers(numbers)}") if numbers else self

    def sep(self, text: str) -> "Writer":
        """Punctuation or a line break between statements."""
        return self._add(text)

    def _add(self, text: str) -> "Writer":
        self.parts.append(text)
        self.length += len(text)
        return self

    @property
    def text(self) -> str:
        return "".join(self.parts)


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
