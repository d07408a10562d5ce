"""Date expressions per sentence, resolved against the article's publication date.

The DATE spans (exact offsets) come from the spaCy analysis done at ingest (index/analyze.py);
dateparser resolves each one with the published date as its relative base ("on Wednesday" in an
article of Monday 2020-01-20 -> 2020-01-15), preferring a date after it where the tense of the
date's clause looks ahead (index/tense.py: "is hoping to return in January" in a December article
-> next January; "sales fell in January" -> this one). Without a published date only expressions
that name their year are kept: anything else would be a guess.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

_UNITS = {"second", "minute", "hour", "day", "week", "month", "year", "decade", "century", "centurie"}
_NAMED = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "january", "february",
          "march", "april", "may", "june", "july", "august", "september", "october", "november", "december",
          "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"}  # names, not "the 21st"
_SPANS = {"decade", "century", "centurie"}
_ANCHORS = {"ago", "last", "next", "this", "past", "previous", "coming", "early", "late", "mid", "end"}
_OTHER_EVENT = {"later", "after", "before", "earlier", "following", "prior"}  # "a week later": not from publication
_NO_BASE = "2000-01-01"  # undated articles: only expressions naming their year are kept, so any base will do
_YEAR = re.compile(r"\b\d{4}\b")

DateSpan = list  # [start, end, iso] in article offsets; iso is YYYY, YYYY-MM, YYYY-Www or YYYY-MM-DD


@lru_cache(maxsize=64)
def _parser(base: str, prefer: str):
    from dateparser.date import DateDataParser

    settings = {"PREFER_DATES_FROM": prefer, "RELATIVE_BASE": dt.datetime.fromisoformat(base)}
    return DateDataParser(languages=["en"], settings=settings)


def iso(value: dt.datetime, period: str) -> str:
    """A resolved date at the precision the expression has ("next month" -> 2020-02)."""
    if period == "year":
        return f"{value.year:04d}"
    if period == "month":
        return f"{value.year:04d}-{value.month:02d}"
    if period == "week":
        year, week, _ = value.isocalendar()
        return f"{year:04d}-W{week:02d}"
    return value.date().isoformat()


def resolve(view: str, ents: dict[tuple[int, int], list[tuple[int, int, bool]]],
            published: str | None) -> dict[tuple[int, int], list]:
    """{(start, end): [[start, end, iso], ...]} for the sentences whose DATE entities `ents`
    ((start, end, looks ahead) each) resolve."""
    out: dict[tuple[int, int], list] = {}
    for span, spans in ents.items():
        found = [d for s, e, ahead in spans if (d := _one(view, s, e, published, "future" if ahead else "past")) is not None]
        if found:
            out[span] = found
    return out


def _one(view: str, start: int, end: int, published: str | None, prefer: str) -> DateSpan | None:
    text = " ".join(view[start:end].split())
    words = re.findall(r"[a-z]+", text.lower())
    if not words or (words[-1].rstrip("s") in _UNITS and not set(words) & _ANCHORS):
        return None  # a duration ("three years", "just a week"), not a date
    if words[-1].rstrip("s") in _SPANS and "ago" not in words:
        return None  # "this decade", "the last century": a span no date here can say ("a decade ago" is a year)
    if set(words) & _OTHER_EVENT and not set(words) & {"this", "last", "next"}:
        return None  # counted from some other event ("a week later"), unknown here
    if published is None and not _YEAR.search(text):
        return None  # relative to an unknown day: would be a guess
    data = _parser(published or _NO_BASE, prefer).get_date_data(text)
    if data.date_obj is None or data.date_obj.time() != dt.time():
        return None  # the base is midnight: a time of day means seconds were counted ("the 2030s")
    value, period = data.date_obj, data.period or "day"
    if published and not set(words) & _ANCHORS and set(words) & _NAMED:
        value = _same_as_published(value, dt.datetime.fromisoformat(published), period)
    return [start, end, iso(value, period)]


def _same_as_published(value: dt.datetime, base: dt.datetime, period: str) -> dt.datetime:
    """A bare weekday or month that names the publication's own is that day or month ("on Friday" in a
    Friday article, "In January" in a January one), not the one a week or a year before or after."""
    if period == "day" and value.weekday() == base.weekday() and abs((value - base).days) == 7:
        return base
    if period == "month" and value.month == base.month and abs(value.year - base.year) == 1:
        return base
    return value
