"""Split a cleaned document into sentences (exact character spans) and overlapping chunks of sentences."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable

from newsrag.index import glued
from newsrag.index.load import HTML_SUFFIXES, Document
from newsrag.settings import Settings

_PARAGRAPH = re.compile(r"\S(?:.*?\S)??(?=\s*\n\s*\n|\s*$)", re.S)
_WINDOW = 2_000  # pysbd is slow on very long paragraphs: feed it windows cut at sentence-ish breaks
_MAX_SENTENCE = 1_000
_HEADING = re.compile(r"#")
_ITEM = re.compile(r"(?:[-*+•>#|]|\d+[.)])(?:\s|$)")  # a list item, quote, heading or table row
_SENTENCE_END = re.compile(r"[.!?][\"”’')\]]*$")


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    text: str  # whitespace-normalised view text, for embedding and display; quote `doc.text[start:end]`

    @property
    def id(self) -> str:
        return f"{self.start}-{self.end}"


@dataclass(frozen=True)
class Chunk:
    id: str
    source: str
    title: str
    doc_hash: str
    position: int
    start: int
    end: int
    sentences: tuple[Sentence, ...]

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.sentences)


@lru_cache(maxsize=1)
def _segmenter():
    import pysbd

    return pysbd.Segmenter(language="en", clean=False, char_span=False)


def sentences(view: str, pause: Callable[[], None] = lambda: None) -> list[Sentence]:
    """All sentences of a view, in order, each a tight span that never crosses a paragraph break
    (`pause` is called before each paragraph: a background ingest lets questions go first)."""
    out: list[Sentence] = []
    for para in _PARAGRAPH.finditer(view):
        pause()
        for start, end in _windows(para.start(), para.end(), view):
            for s in _split(view, start, end):
                out.extend(_attach_closing_quote(out, s, view))
    return out


def _attach_closing_quote(out: list[Sentence], s: Sentence, view: str) -> list[Sentence]:
    """pysbd leaves a closing quote at the start of the next sentence ("said. ”The"): give it back."""
    after = s.text[1:2]
    if out and s.text[:1] in "”\"’" and out[-1].end == s.start and (after in (" ", "") or after.isupper()):
        prev = out.pop()
        out.append(Sentence(prev.start, s.start + 1, " ".join(view[prev.start:s.start + 1].split())))
        rest = _tight(view, s.start + 1, s.end)
        return rest
    return [s]


def _windows(start: int, end: int, view: str):
    while end - start > _WINDOW:
        cut = max(view.rfind(". ", start, start + _WINDOW), view.rfind("\n", start, start + _WINDOW))
        if cut <= start:
            cut = view.rfind(" ", start, start + _WINDOW)
        cut = start + _WINDOW if cut <= start else cut + 1
        yield start, cut
        start = cut
    yield start, end


def _split(view: str, start: int, end: int) -> list[Sentence]:
    """pysbd's sentences, cut again where a page glued two together ("next year.Russia", index/glued.py)."""
    out = []
    for a, b in _segment(view[start:end]):
        for s, e in glued.pieces(view, start + a, start + b):
            out.extend(_tight(view, s, e))
    return out


@lru_cache(maxsize=8192)
def _segment(region: str) -> tuple[tuple[int, int], ...]:
    """pysbd's sentence spans within `region` (cached: agency footers and re-ingests repeat paragraphs)."""
    spans, cursor = [], 0
    for seg in _segmenter().segment(region):
        pos = region.find(seg, cursor) if seg else -1
        if pos < 0:  # pysbd altered the text: keep the rest as one span rather than lose it
            pos, seg = cursor, region[cursor:]
        spans.append((pos, pos + len(seg)))
        cursor = pos + len(seg)
        if cursor >= len(region):
            break
    return tuple(spans)


def _tight(view: str, start: int, end: int) -> list[Sentence]:
    """Trim whitespace; cut over-long runs (no punctuation for pages) at spaces."""
    pieces = []
    while start < end:
        while start < end and view[start].isspace():
            start += 1
        stop = min(end, start + _MAX_SENTENCE)
        if stop < end:
            space = view.rfind(" ", start, stop)
            stop = space if space > start else stop
        s, e = start, stop
        while e > s and view[e - 1].isspace():
            e -= 1
        if e > s:
            pieces.append(Sentence(s, e, " ".join(view[s:e].split())))
        start = stop
    return pieces


def article_sentences(doc: Document, pause: Callable[[], None] = lambda: None) -> list[Sentence]:
    """The sentences of an article as the index stores them: a text file's hard wraps are not boundaries."""
    page = Path(doc.source).suffix.lower() in HTML_SUFFIXES
    return sentences(doc.view if page else unwrap(doc.view), pause)


def unwrap(view: str) -> str:
    """A text file's view with each line break inside a paragraph as a space, same length: a hard-wrapped
    paragraph reads as one. A blank line, a list item, a heading, the headline (the first line), a line
    ending a sentence and a short line (a subheading: under 3/4 of its paragraph's longest) still break;
    so does every line break of an HTML page's readable text, where only block tags make them."""
    lines = view.split("\n")
    headline = next((i for i, line in enumerate(lines) if line.strip()), 0)
    widths = _paragraph_widths(lines)
    out = [lines[0]]
    for i in range(1, len(lines)):
        soft = i - 1 > headline and _wrapped(lines[i - 1], lines[i], widths[i - 1])
        out.append((" " if soft else "\n") + lines[i])
    return "".join(out)


def _wrapped(prev: str, line: str, width: int) -> bool:
    """`prev` was cut by a hard wrap and `line` goes on with the same sentence."""
    prev, line = prev.strip(), line.strip()
    return (bool(prev and line) and len(prev) >= 0.75 * width and not _SENTENCE_END.search(prev)
            and not _HEADING.match(prev) and not _ITEM.match(line))


def _paragraph_widths(lines: list[str]) -> list[int]:
    """For each line, the length of the longest line of its paragraph (0 for a blank line)."""
    widths: list[int] = []
    para: list[int] = []
    for line in [*lines, ""]:
        if line.strip():
            para.append(len(line.strip()))
            continue
        widths += [max(para, default=0)] * len(para) + [0]
        para = []
    return widths[:len(lines)]


def chunk(doc: Document, max_chars: int = Settings.chunk_chars, overlap: int = Settings.chunk_overlap_sentences,
          pause: Callable[[], None] = lambda: None) -> list[Chunk]:
    """Group consecutive sentences into chunks of about `max_chars`, repeating `overlap` sentences."""
    sents = article_sentences(doc, pause)
    groups: list[list[Sentence]] = []
    current: list[Sentence] = []
    for s in sents:
        size = sum(len(x.text) + 1 for x in current)
        if current and size + len(s.text) > max_chars and len(current) > overlap:
            groups.append(current)
            current = current[-overlap:] if overlap else []
        current.append(s)
    if current and (not groups or current != groups[-1][-len(current):]):
        groups.append(current)
    return [_make(doc, i, g) for i, g in enumerate(groups)]


def _make(doc: Document, position: int, group: list[Sentence]) -> Chunk:
    start, end = group[0].start, group[-1].end
    key = f"{doc.source}\x00{doc.doc_hash}\x00{start}\x00{end}"
    cid = hashlib.sha256(key.encode("utf-8")).hexdigest()[:24]
    return Chunk(cid, doc.source, doc.title, doc.doc_hash, position, start, end, tuple(group))
