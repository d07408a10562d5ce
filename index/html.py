"""HTML articles: a same-length text view of the raw file keeping only what trafilatura calls content,
and the page's readable text made from it.

Tags are overwritten with spaces (block tags start with a newline) so every offset in the view is
an offset in the raw file. The article text we store and cite is `page_text(view)`: what a reader
sees, with character references decoded ("&rsquo;" reads "’") and markup gone.
"""

from __future__ import annotations

import html
import re
from collections import Counter

from newsrag.index import furniture

# <header> is not hidden: an article's own header holds its headline and standfirst (a site header is
# dropped with the rest of the page's text that trafilatura does not keep). <title> is the browser tab's.
_HIDDEN = r"script|style|noscript|template|svg|nav|footer|aside|form|button|select|iframe|title"
_TAGS = re.compile(
    rf"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<!.*?>|<\?.*?\?>|<({_HIDDEN})\b[^>]*>.*?</\1\s*>|<[^>]*>",
    re.S | re.I,
)
_BLOCK = re.compile(
    r"</?(p|div|br|h[1-6]|li|ul|ol|tr|td|th|table|section|article|blockquote|pre|figure|figcaption|main|body|title|dd|dt)\b",
    re.I,
)

_RUNS = re.compile(r"(\S+)|\s+")
_BREAK = re.compile(r"\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]")
_SPACE = re.compile(r"\s")
_SPACES = re.compile(r" {2,}")
_LINE_EDGES = re.compile(r" ?\n ?")
_PARAGRAPHS = re.compile(r"\n{3,}")
_PROSE_CHARS = 100  # a line of trafilatura's this long is prose: the first one kept is the lead, never furniture
_PART_CHARS = 25  # a paragraph this long found inside a line of trafilatura's is part of the article
_AUTHORS = re.compile(r"\s*(?:[;,|·/]|\band\b)\s*")  # between the names of a byline's authors
_BYLINE_TAIL = 30  # characters a byline may carry after the name
_ITEM = re.compile(r"^\s*- (?=\S)")  # a list item in trafilatura's text
_H1 = re.compile(r"<h1\b[^>]*>.*?</h1\s*>", re.S | re.I)
_MARKUP = re.compile(r"<(?:/?[a-z][\w-]*|!doctype)\b[^>]*>|<!--", re.I)


def _blank(s: str) -> str:
    return re.sub(r"[^\n]", " ", s)


def _mask(match: re.Match) -> str:
    tag = match.group(0)
    masked = _blank(tag)
    if _BLOCK.match(tag) or match.group(1):
        masked = "\n" + masked[1:]
    return masked


def _norm(s: str) -> str:
    """Decoded, lowercased, without whitespace: an inline tag inside a word ("coal<b>&rsquo;</b>s")
    leaves a gap in the view that trafilatura's text does not have."""
    return "".join(html.unescape(s).split()).lower()


def article_view(raw: str, author: str | None = None) -> str:
    """The view of an HTML page: every paragraph that is not article text blanked, and the page's
    furniture (teasers, recirculation lists, share bars: index/furniture.py) with it. The byline of
    `author` ("By Jon Porter") stays, though trafilatura drops it: "Who wrote it?" cites it."""
    view = _TAGS.sub(_mask, raw)
    content = _extracted(raw)
    if content is None:
        return view
    paras = [(m.start(), m.end(), _norm(m.group(0))) for m in re.finditer(r"[^\n]+", view)]
    kept = _Kept(content).paragraphs([text for _, _, text in paras])
    byline = _byline([text for _, _, text in paras], author)
    _above_headline(raw, paras, kept, byline)
    if byline is not None:
        kept[byline] = kept[byline] or _PART
    out = list(view)
    for (start, end, _), keep in zip(paras, kept):
        if not keep:
            out[start:end] = _blank(view[start:end])
    lead = next((start for (start, _, _), keep in zip(paras, kept) if keep == _PROSE),
                next((start for (start, _, _), keep in zip(paras, kept) if keep), None))
    for start, end in furniture.spans(raw, lead, view):
        out[start:end] = _blank("".join(out[start:end]))
    return "".join(out)


def _above_headline(raw: str, paras: list[tuple[int, int, str]], kept: list[int], byline: int | None) -> None:
    """Drop the short lines kept above the article's headline (its first kept <h1>): a section kicker and
    status ("Business· Updated"), a date, a label. An article starts at its headline; prose above it stays."""
    heads = [(m.start(), m.end()) for m in _H1.finditer(raw)]
    first = next((i for i, (start, _, _) in enumerate(paras)
                  if kept[i] and any(a <= start < b for a, b in heads)), None)
    for i in range(first or 0):
        if kept[i] and i != byline and len(paras[i][2]) < _PROSE_CHARS:
            kept[i] = 0


def _byline(texts: list[str], author: str | None) -> int | None:
    """The index of the first paragraph that is `author`'s byline: the name, "by" and the name, perhaps with
    a short tail (" , Phys.org", " @JonPorty"). The first name of several ("A; B", "A · CBC News") is enough."""
    name = _norm(_AUTHORS.split(author)[0]) if author else ""
    if len(name) < 4:
        return None
    return next((i for i, t in enumerate(texts)
                 if t.startswith((name, "by" + name)) and len(t) <= len(name) + _BYLINE_TAIL), None)


_PART, _PROSE = 1, 2  # a kept paragraph: article text; one of (or holding) a long line of prose


class _Kept:
    """Which paragraphs of the view are article text: one of trafilatura's lines (each kept as often as
    trafilatura has it, so a headline the page repeats in its furniture is kept once), a long enough part
    of one, a short part next to another part of the same line (a hard-wrapped paragraph's last words),
    or a paragraph holding a long one. A short line ("DW.COM", "News") found inside some other line is
    not article text."""

    def __init__(self, content: str):
        self.lines = content.split("\n")
        self.left = Counter(self.lines)

    def paragraphs(self, texts: list[str]) -> list[int]:
        kept = [self._alone(t) for t in texts]
        shown = [i for i, t in enumerate(texts) if t]
        changed = True
        while changed:  # a part kept makes its short neighbour a part: "The study was" / "released" / "earlier..."
            changed = False
            for k, i in enumerate(shown):
                if kept[i] or texts[i] in self.left:
                    continue
                before, after = shown[k - 1] if k else None, shown[k + 1] if k + 1 < len(shown) else None
                if ((before is not None and kept[before] and self._within(texts[before] + texts[i]))
                        or (after is not None and kept[after] and self._within(texts[i] + texts[after]))):
                    kept[i], changed = _PART, True
        return kept

    def _alone(self, text: str) -> int:
        if not text:
            return 0
        if self.left[text] > 0:
            self.left[text] -= 1
            return _PROSE if len(text) >= _PROSE_CHARS else _PART
        if text in self.left:
            return 0  # a line trafilatura has, repeated more often than it has it
        if len(text) >= _PART_CHARS and (line := self._within(text)):
            return _PROSE if len(line) >= _PROSE_CHARS else _PART
        held = [line for line in self.lines if len(line) > 40 and line in text]
        return (_PROSE if max(map(len, held)) >= _PROSE_CHARS else _PART) if held else 0

    def _within(self, text: str) -> str:
        return next((line for line in self.lines if text in line), "")


def page_text(view: str, raw: str | None = None) -> str:
    """The readable text of a view: entities decoded; a whitespace run at a block tag becomes a blank line
    (two or more breaks: paragraphs stay paragraphs) or a line break, any other a space, and nothing where
    the page `raw` had only an inline tag (a link before a comma, "coal<b>’</b>s"), as a browser shows it."""
    parts = []
    for m in _RUNS.finditer(view):
        if m.group(1):
            parts.append(" ".join(html.unescape(m.group(1)).split()) or " ")  # "&nbsp;" alone is a space
        else:
            parts.append(_gap(m.group(0), None if raw is None else raw[m.start():m.end()]))
    text = _SPACES.sub(" ", "".join(parts))
    return _PARAGRAPHS.sub("\n\n", _LINE_EDGES.sub("\n", text)).strip()


def _gap(run: str, raw: str | None) -> str:
    """What a whitespace run of the view reads as. Only a block tag breaks a line: the page's own line
    breaks inside a paragraph (hard-wrapped HTML source) are a space, as a browser shows them."""
    if raw is not None and not _tag_break(run, raw):
        return " " if _SPACE.search(raw) else ""  # nothing where the page had only an inline tag
    breaks = len(_BREAK.findall(run))
    if breaks:
        return "\n\n" if breaks > 1 else "\n"
    return " "


def _tag_break(run: str, raw: str) -> bool:
    """A block tag (or hidden element) in this stretch of the page: `_mask` starts it with a newline."""
    i = raw.find("<")
    while i >= 0:
        if run[i] == "\n":
            return True
        i = raw.find("<", i + 1)
    return False


def has_markup(text: str) -> bool:
    """True for a raw HTML page; False for text already made readable by `page_text`."""
    return _MARKUP.search(text) is not None


def _extracted(raw: str) -> str | None:
    """Normalised main text according to trafilatura, or None if it finds nothing.

    Its default extraction, and the list items only its recall mode finds among the article's lines (a short
    page's bare list): the other lines recall mode adds are furniture ("Watch video 02:17", "end of article",
    a keyword list, a breadcrumb).
    """
    try:
        import trafilatura
    except ImportError:  # pragma: no cover - trafilatura is a base dependency
        return None
    text = trafilatura.extract(raw, include_comments=False, include_tables=True) or ""
    recall = trafilatura.extract(raw, include_comments=False, include_tables=True, favor_recall=True) or ""
    lines = [line for line in text.splitlines() if line.strip()]
    known, extra = set(lines), recall.splitlines()
    inside = [i for i, line in enumerate(extra) if line in known]  # a breadcrumb list before the article is not in it
    if inside:
        lines += [line for line in extra[inside[0]:inside[-1]] if _ITEM.match(line) and line not in known]
    return "\n".join(_norm(_ITEM.sub("", line, count=1)) for line in lines) or None  # the page has no "- "
