"""HTML articles: a same-length text view of the raw file keeping only what trafilatura calls content,
and the page's readable text made from it.

Tags are overwritten with spaces (block tags start with a newline) so every offset in the view is
an offset in the raw file. The article text we store and cite is `page_text(view)`: what a reader
sees, with character references decoded ("&rsquo;" reads "’") and markup gone.
"""

from __future__ import annotations

import html
import re

_HIDDEN = r"script|style|noscript|template|svg|nav|header|footer|aside|form|button|select|iframe"
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


def article_view(raw: str) -> str:
    """The view of an HTML page: every paragraph that is not article text blanked."""
    view = _TAGS.sub(_mask, raw)
    content = _extracted(raw)
    if content is None:
        return view
    out, pos = [], 0
    for para in re.finditer(r"[^\n]+", view):
        text = _norm(para.group(0))
        out.append(view[pos:para.start()])
        keep = text and (text in content or any(line in text for line in _lines(content) if len(line) > 40))
        out.append(para.group(0) if keep else _blank(para.group(0)))
        pos = para.end()
    out.append(view[pos:])
    return "".join(out)


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


def _lines(content: str) -> list[str]:
    return content.split("\n")


def _extracted(raw: str) -> str | None:
    """Normalised main text according to trafilatura, or None if it finds nothing."""
    try:
        import trafilatura
    except ImportError:  # pragma: no cover - trafilatura is a base dependency
        return None
    text = trafilatura.extract(raw, include_comments=False, include_tables=True, favor_recall=True)
    if not text:
        return None
    return "\n".join(_norm(line) for line in text.splitlines() if line.strip())

