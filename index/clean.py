"""Blank out page debris (comment sections, share widgets, captchas, bylines) in a document's view.

General rules about scraped news pages, not strings from our five files. Blanking keeps the view
the same length as the original, so offsets never move.
"""

from __future__ import annotations

import re
from dataclasses import replace

from newsrag.index import glued
from newsrag.index.load import Document

_NUM = r"(?:\d+|zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty)"

# A line that opens the comment section: everything after it is reader content, not the article (when it
# comes in the second half of the text: above that it is a count or a footer the page repeats up top).
_COMMENTS_START = re.compile(
    r"^(leave a (reply|comment)|\d+\s+(comments?|responses?|replies|thoughts? on .*)|comments?( \(\d+\))?"
    r"|post a comment|add a comment|join the (discussion|conversation)|reader comments|show comments"
    r"|discussion|responses)\s*:?$",
    re.I,
)
# A copyright footer closes the article.
_FOOTER = re.compile(r"^(\(c\)|©|copyright\b).{0,80}$", re.I)

# Lines that are never article prose, wherever they appear.
_DEBRIS = [
    re.compile(p, re.I)
    for p in (
        rf"^{_NUM}\s*[−–\-+×x*÷/]\s*{_NUM}\s*=\s*{_NUM}?\s*\.?$",  # captcha: "four − 4 ="
        r"^liked by \d+ (person|people)$",
        r"^(like|reply|report|share|tweet|email|print|save|follow|subscribe|advertisement|sponsored)$",
        r"^(share|share this( article| story)?|share on \w+|click to (share|email|print).*|related( articles| posts| stories)?:?|read (more|also|next):?.*)$",
        r"you are commenting using your\b",
        r"^fill in your details below",
        r"\blog\s*out\s*/\s*change\b",
        r"^connecting to %s",
        r"this site uses akismet",
        r"^notify me of (new|follow-up)",
        r"(your email address will not be published|required fields are marked)",
        r"^(google|twitter|facebook|wordpress\.com|linkedin)\s+(photo|picture|account|icon)$",
        r"^(sign up|subscribe) (for|to) (our|the) .*newsletter",
        r"^(photo|image|picture|video)( credit)?\s*:",
        r"^(posted|published|updated)( on| at)?\s*:?\s*\w+ \d",
    )
]


def clean(doc: Document) -> Document:
    """Return `doc` with non-article lines blanked in its view (text unchanged)."""
    view = doc.view
    lines = list(re.finditer(r"[^\n]+", view))
    out = list(view)
    cut = False
    title_seen = False
    for m in lines:
        line = " ".join(m.group(0).split()).rstrip(":").strip()
        if not line:
            continue
        drop = cut or _is_debris(line)
        if not cut and (_COMMENTS_START.match(line) or _FOOTER.match(line)):
            # a comment count or copyright line near the top ("941 comments" under a headline) drops itself only
            cut, drop = m.start() >= len(view) // 2, True
        if not drop and title_seen and _is_label(line):
            drop = True
        title_seen = True
        for start, end in [(m.start(), m.end())] if drop else _glued_labels(view, m.start(), m.end()):
            out[start:end] = " " * (end - start)
    return replace(doc, view="".join(out))


def _glued_labels(view: str, start: int, end: int) -> list[tuple[int, int]]:
    """Labels a page glued onto a sentence ("... again this winter.USANATOUSA and Russia": a tag list)."""
    pieces = glued.pieces(view, start, end)[1:]
    return [(a, b) for a, b in pieces if _is_label(" ".join(view[a:b].split()))]


def _is_debris(line: str) -> bool:
    return any(p.search(line) for p in _DEBRIS)


def _is_label(line: str) -> bool:
    """A short line without sentence punctuation below the headline: section label, byline, caption head."""
    words = line.split()
    return len(words) <= 3 and not re.search(r"[.!?:;\"”’)]$", line)
