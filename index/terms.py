"""Query and passage terms: lower-cased word tokens, English stop words removed, Snowball-stemmed."""

from __future__ import annotations

import re
from functools import lru_cache

_WORD = re.compile(r"\w+", re.U)
STOPWORDS = frozenset("""
a about above after again against all am an and any are aren't as at be because been before being below
between both but by can cannot could did didn't do does doesn't doing don't down during each few for from
further had has have having he her here hers herself him himself his how i if in into is isn't it its itself
let's me more most my myself no nor not of off on once only or other ought our ours ourselves out over own
same she should so some such than that the their theirs them themselves then there these they this those
through to too under until up very was we were what when where which while who whom why will with would you
your yours yourself yourselves also s t ll d ve re m tell say said says according
""".split())


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


def terms(text: str) -> list[str]:
    """Stemmed content terms of `text`, in order (repeats kept)."""
    words = [w for w in _WORD.findall(text.lower()) if w not in STOPWORDS and (len(w) > 1 or w.isdigit())]
    return _stemmer().stemWords(words) if words else []
