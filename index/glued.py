"""Sentence ends glued to the next sentence by scraping: "early next year.Russia offers NATO ...".

Pages lose the space or line break between a sentence and the caption or tag list after it. We cut
after a lowercase word of two or more letters, its full stop (or ! ?) and any closing quote, when
a capital letter follows at once; and between a quotation that ends a sentence and the next one
(“…a red line.” “We don’t want a war,” Lavrov said). Not cut: "U.S.", "e.g.", "3.5", "dw.com", URLs
and addresses.
"""

from __future__ import annotations

import re

# the word starts the token or follows an opening quote, bracket or dash (not ".", "/", "@": domains, URLs)
_END = re.compile(r"(?<![^\s(\[“‘\"'—–-])[a-z]{2,}[.!?][”’\"')\]]?(?=[A-Z])")
_REST_OF_TOKEN = re.compile(r"\S*")
# a quotation that ends a sentence, then the next quotation at once: “…a red line.” “We don’t want a war,”
_QUOTES = re.compile(r"[a-z]{2,}[.!?][”\"](?=\s+[“\"][A-Z])")


def breaks(text: str, start: int = 0, end: int | None = None) -> list[int]:
    """Offsets in `text[start:end]` where a glued sentence end is followed by the next unit."""
    end = len(text) if end is None else end
    out = []
    for m in _END.finditer(text, start, end):
        rest = _REST_OF_TOKEN.match(text, m.end(), end).group(0)
        if "/" not in rest and "@" not in rest:  # "site.Com/News", "name.Surname@mail": not prose
            out.append(m.end())
    for m in _QUOTES.finditer(text, start, end):  # cut after the space, so each piece starts at its word
        out.append(m.end() + len(text[m.end():end]) - len(text[m.end():end].lstrip()))
    return sorted(set(o for o in out if start < o < end))


def pieces(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """`text[start:end]` as consecutive spans cut at its glued sentence ends."""
    cuts = [start, *breaks(text, start, end), end]
    return list(zip(cuts, cuts[1:]))
