"""Is a sentence a statement, something an answer may quote? Not a headline, caption, byline or page debris.

A statement has a finite verb (spaCy's morphology or tag) and does not look like page furniture:
short Title Case lines without final punctuation (headlines, subheadings), photo captions and
credits, bylines, "Read more" links. General rules about news pages, not strings from our files.
"""

from __future__ import annotations

import re

_FINITE_TAGS = frozenset(("VBD", "VBZ", "VBP", "MD"))
_END = re.compile(r"[.!?…:;][\"”’)\]]*\s*$")  # final punctuation, maybe inside a closing quote
# Credit lines: what makes a line a photo caption rather than prose.
_CREDIT = re.compile("|".join((
    r"^\(?(photo|image|picture|video|graphic|illustration|file photo|caption|credit|source)s?( credit)?\s*[:|/-]",
    r"[/|]\s*(photo|image|picture)s?\b",  # "... to the Alliance / photo REUTERS"
    r"\b(photo|image|picture)\s*(credit|courtesy|by)\b",
    r"\b(getty images|shutterstock|(ap|afp|epa|reuters) (photo|images?))\b",
    r"\((reuters|ap|afp|epa|tass|xinhua|[^()]*\bphoto\b[^()]*)\)\s*$",  # "(Reuters)" closing a caption
)), re.I)
_FURNITURE = [re.compile(p, re.I) for p in (
    r"^(above|below|top|left|right|pictured|main picture|inset)\s*[,:]",
    r"^by\s+[A-Z][\w.’'-]+(\s+[A-Z][\w.’'-]+){0,3}(\s*(,|and)\s*[A-Z][\w.’'-]+(\s+[A-Z][\w.’'-]+){0,3})*\s*$",
    r"^(read|see|watch|listen)\s+(more|also|next|full)\b",
    r"^(also read|related|recommended|advertisement|sponsored|share this|follow us|sign up|subscribe)\b",
    r"^(click|tap) here\b",
    r"\ball rights reserved\b|^\(c\)|^©|^copyright\b",
    r"^https?://|^www\.",
    r"^(updated|published|posted|last updated)\s*:?\s",
)]
_GLUED = re.compile(r"[a-z][.!?][A-Z]")  # "this winter.USANATOUSA": a full stop with page debris glued on
_MAX_HEADING_WORDS = 40  # longer unpunctuated runs are prose that lost its full stop


def is_statement(doc) -> bool:
    """True for prose that states something; False for headlines, captions, bylines and debris."""
    text = doc.text.strip()
    words = text.split()
    if len(words) < 3 or is_caption(text) or any(p.search(text) for p in _FURNITURE):
        return False
    if not (_END.search(text) or _GLUED.search(text)) and (len(words) <= _MAX_HEADING_WORDS or _title_case(words)):
        return False  # a headline or subheading: no closing punctuation
    return any(_finite(t) for t in doc)


def is_caption(text: str) -> bool:
    """A photo caption or credit line ("... / photo REUTERS", "Photo: AP", "(Reuters)", "Getty Images")."""
    return _CREDIT.search(text.strip()) is not None


def _finite(tok) -> bool:
    return tok.tag_ in _FINITE_TAGS or "Fin" in tok.morph.get("VerbForm")


def _title_case(words: list[str]) -> bool:
    """Most content words capitalised, as in headlines ("Russia Against Ukraine's Move To NATO")."""
    content = [w for w in words if len(w) > 3]
    return bool(content) and sum(w[:1].isupper() for w in content) >= 0.7 * len(content)
