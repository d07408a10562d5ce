"""Who said “…”?: the sentence holding the quotation, and its speaker as the article gives it.

The quotation is matched word for word (case, quote marks and spacing aside) in the retrieved
sentences, never by similarity: "We want this talk" is not "We don't want a war". The speaker named in
that sentence leads as the short answer (the reader's span there, when it is confident of it; else the
person the speaker's phrase names, "Sheldon Ungar" of "Sheldon Ungar's comparison"); a speaker the
article gives only by context ("he said") is shown as our insertion. No sentence holding the words: a
refusal that says so.
"""

from __future__ import annotations

import re

from newsrag.rag.answer import Answer, refusal
from newsrag.rag.evidence import Candidate, Evidence
from newsrag.rag.extractive import compose
from newsrag.rag.intents.base import Rules
from newsrag.rag.query import Query
from newsrag.rag.read import Short

_SAME = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"'})


def words(text: str) -> str:
    """Lower-cased words only: how a quotation is matched."""
    return " ".join(re.findall(r"\w+(?:'\w+)?", text.translate(_SAME).lower()))


def handle(query: Query, evidence: Evidence, rules: Rules) -> Answer | None:
    if not query.quoted:
        return None
    wanted = words(query.quoted)
    holding = [c for c in evidence.candidates if wanted and wanted in words(c.text)]
    if not holding:  # said only when no article's text holds them, not merely the retrieved part
        if rules.store is not None and any(rules.store.mentions(v) for v in _spellings(query.quoted)):
            return None
        return refusal(query.typed, f"No article has the words “{query.quoted}”.")
    c = max(holding, key=lambda c: c.score)
    return compose(query.text, [[c]], _speaker_span(c, evidence))


def _spellings(quoted: str) -> list[str]:
    """The quotation as typed and with its apostrophes the other way (’ or ')."""
    return list(dict.fromkeys((quoted, quoted.replace("'", "’"), quoted.replace("’", "'"))))


def _speaker_span(c: Candidate, evidence: Evidence) -> Short | None:
    """Who said it, as an exact span of the sentence holding the words, or None."""
    found = evidence.found
    if found is not None and found.shown and (found.best.candidate.source, found.best.candidate.start) == (c.source, c.start):
        return found.best
    if not c.speaker or not (m := re.search(r"\s+".join(re.escape(w) for w in c.speaker.split()), c.quote)):
        return None
    start, end = c.start + m.start(), c.start + m.end()
    person = next(((s, e) for label, s, e in c.ents if label == "PERSON" and start <= s < e <= end), (start, end))
    return Short(c, *person, c.quote[person[0] - c.start:person[1] - c.start])
