"""The chat's filter control read as people type it: "yesterday", "March 2020", "2020-02-30", a Since
after its Until. Each date field gets the day it was read as, or a message to show next to it.

A date written as digits and dashes is read strictly as ISO (dateparser would turn 2021-13-01 into
13 January); anything else goes to dateparser, relative to today. A period counts whole: Since
"March 2020" is 2020-03-01, Until "March 2020" is 2020-03-31.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

from newsrag.rag.filters import Filters

_ISO_SHAPE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}")
_EXAMPLES = "2020-03-01, March 2020, last week or yesterday"


@dataclass(frozen=True)
class DateReading:
    """One date field: what was typed, the ISO day it was read as (or None), and why not."""

    typed: str = ""
    iso: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class FilterForm:
    """The whole control: outlets, both dates read, articles; `filters` is None while a date is wrong."""

    outlets: tuple[str, ...] = ()
    since: DateReading = DateReading()
    until: DateReading = DateReading()
    sources: tuple[str, ...] = ()

    @property
    def error(self) -> str | None:
        """The first problem, worded for the line under the question box."""
        for label, reading in (("Since", self.since), ("Until", self.until)):
            if reading.error:
                return f"Fix the {label} filter first: {reading.error}"
        return None

    @property
    def filters(self) -> Filters | None:
        if self.error:
            return None
        return Filters.parse(self.outlets, self.since.iso, self.until.iso, self.sources)


def read_filters(outlets, since: str | None, until: str | None, sources, today: dt.date | None = None) -> FilterForm:
    """The control's values as a `FilterForm`; outlets and sources are lists (or one comma-separated string)."""
    today = today or dt.date.today()
    first, last = read_date(since, "since", today), read_date(until, "until", today)
    if first.iso and last.iso and first.iso > last.iso:
        last = DateReading(last.typed, None, f"Until ({last.iso}) is before Since ({first.iso}).")
    return FilterForm(_names(outlets), first, last, _names(sources))


def read_date(typed: str | None, bound: str, today: dt.date) -> DateReading:
    """One date field; `bound` "since" takes the first day of a month or year typed, "until" the last."""
    text = " ".join((typed or "").split())
    if not text:
        return DateReading()
    if _ISO_SHAPE.fullmatch(text):
        try:
            return DateReading(text, dt.date(*map(int, text.split("-"))).isoformat())
        except ValueError:
            return DateReading(text, None, f"{text} is not a day of the calendar.")
    data = _parser(today.isoformat()).get_date_data(text)
    if data.date_obj is None:
        return DateReading(text, None, f"“{text}” is not a date I can read; try {_EXAMPLES}.")
    first, last = _period(data.date_obj.date(), data.period or "day")
    return DateReading(text, (first if bound == "since" else last).isoformat())


def _period(day: dt.date, period: str) -> tuple[dt.date, dt.date]:
    """The first and last day of the period (day, week, month, year) that `day` stands for."""
    if period == "year":
        return dt.date(day.year, 1, 1), dt.date(day.year, 12, 31)
    if period == "month":
        return day.replace(day=1), day.replace(day=calendar.monthrange(day.year, day.month)[1])
    if period == "week":
        monday = day - dt.timedelta(days=day.weekday())
        return monday, monday + dt.timedelta(days=6)
    return day, day


@lru_cache(maxsize=4)
def _parser(today: str):
    from dateparser.date import DateDataParser

    base = dt.datetime.fromisoformat(today)
    return DateDataParser(languages=["en"], settings={"PREFER_DATES_FROM": "past", "RELATIVE_BASE": base})


def _names(values) -> tuple[str, ...]:
    values = values.split(",") if isinstance(values, str) else values or ()
    return tuple(dict.fromkeys(v.strip() for v in values if v and v.strip()))
