"""Does a date expression point ahead of the article or back? Read from the tense of its clause.

A bare "January" in an article of December means next January when the sentence says "SpaceX is
hoping to return to flight in January", and last January when it says "sales fell in January". The
verb the date hangs on (spaCy's parse, done at ingest anyway) tells them apart: a modal ("will",
"would") or a present tense ("takes effect", "is scheduled", "are set to") looks ahead; a past
tense or a perfect ("fell", "were held", "has said") looks back. A verb with no tense of its own
(the infinitive in "hoping to return") takes the tense of the verb it depends on. A date that
describes a thing ("Wednesday's rate increase", "the Sept. 1 anomaly", "the winner at the awards on
Saturday") takes no tense from the sentence: the thing was, so it looks back. Index/dates.py
resolves the date with dateparser, preferring future dates only where this says so.
"""

from __future__ import annotations

_PAST, _AHEAD = "VBD", {"VBZ", "VBP", "MD"}
_UP = {"xcomp", "ccomp", "advcl", "conj", "pcomp", "acl", "relcl"}  # a clause that takes its time from its head


def looks_ahead(span) -> bool:
    """True where the clause of the date `span` (a spaCy Span) is in a present or future tense."""
    verb = _verb_above(span.root.head, nominal_stops=True) if span.root.head.i != span.root.i else None
    for _ in range(8):  # a chain of infinitives is short; the bound only guards against a cyclic parse
        if verb is None:
            return False
        tense = _tense(verb)
        if tense is not None:
            return tense
        if verb.dep_ not in _UP or verb.tag_ == "VBN":  # "released Tuesday", "the deal signed in May": done
            return False
        verb = _verb_above(verb.head) if verb.head.i != verb.i else None
    return False


def _verb_above(token, nominal_stops: bool = False):
    """The token itself or its nearest head that is a verb; None at the root, or (`nominal_stops`)
    where a noun, name or number comes first: the date then describes that, not the verb's event."""
    while token.pos_ not in ("VERB", "AUX"):
        if token.head.i == token.i or (nominal_stops and token.pos_ in ("NOUN", "PROPN", "NUM", "PRON")):
            return None  # (spaCy makes a new Token object on each access: compare positions, never `is`)
        token = token.head
    return token


def _tense(verb) -> bool | None:
    """True (ahead), False (back) or None (no tense of its own: an infinitive, a participle alone)."""
    auxes = [c for c in verb.children if c.dep_ in ("aux", "auxpass") and c.tag_ != "TO"]
    perfect = verb.tag_ == "VBN" and any(c.dep_ == "aux" and c.tag_ != "MD" for c in auxes)  # "has said"
    for token in sorted([*auxes, verb], key=lambda t: t.i):  # the first finite word carries the tense
        if token.tag_ == _PAST:
            return False
        if token.tag_ in _AHEAD:
            return not perfect
    return None
