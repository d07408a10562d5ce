"""Restrict retrieval to some outlets, a publication-date range, or some files: one predicate, two forms.

`where()` is the Chroma filter for the dense side; `matches()` is the same test in Python for the
BM25 side and for counting articles. Both read the record fields written by index/store.py
(`filter_fields`): outlet lowercased, published as an integer YYYYMMDD, source.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from newsrag.errors import InputError
from newsrag.index.meta import iso_date


@dataclass(frozen=True)
class Filters:
    outlets: tuple[str, ...] = ()  # case-insensitive outlet names
    since: str | None = None  # inclusive ISO dates
    until: str | None = None
    sources: tuple[str, ...] = ()  # file names as listed by `newsrag list`

    @classmethod
    def parse(cls, outlets: Iterable[str] | None = None, since: str | None = None, until: str | None = None,
              sources: Iterable[str] | None = None) -> "Filters":
        """Filters from user input (CLI flags, UI fields, API arguments); a bad date raises InputError."""
        dates = []
        for name, value in (("since", since), ("until", until)):
            value = (value or "").strip() or None
            if value is not None and iso_date(value) is None:
                raise InputError(f"--{name} {value!r} is not a date; use YYYY-MM-DD")
            dates.append(iso_date(value))
        if dates[0] and dates[1] and dates[0] > dates[1]:
            raise InputError(f"--since {dates[0]} is after --until {dates[1]}")
        clean = lambda xs: tuple(dict.fromkeys(x.strip() for x in xs or () if x and x.strip()))  # noqa: E731
        return cls(tuple(o.lower() for o in clean(outlets)), dates[0], dates[1], clean(sources))

    def __bool__(self) -> bool:
        return bool(self.outlets or self.since or self.until or self.sources)

    @property
    def dated(self) -> bool:
        return bool(self.since or self.until)

    def _bounds(self) -> tuple[int | None, int | None]:
        day = lambda d: int(d.replace("-", "")) if d else None  # noqa: E731
        return day(self.since), day(self.until)

    def where(self) -> dict | None:
        """The Chroma `where` filter (records without a `published` never match a date bound)."""
        low, high = self._bounds()
        parts = []
        if self.outlets:
            parts.append({"outlet": {"$in": list(self.outlets)}})
        if self.sources:
            parts.append({"source": {"$in": list(self.sources)}})
        if low is not None:
            parts.append({"published": {"$gte": low}})
        if high is not None:
            parts.append({"published": {"$lte": high}})
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else {"$and": parts}

    def matches(self, record: dict) -> bool:
        """The same test as `where()`, on one record's metadata."""
        low, high = self._bounds()
        published = record.get("published")
        if self.outlets and record.get("outlet") not in self.outlets:
            return False
        if self.sources and record.get("source") not in self.sources:
            return False
        if (low is not None or high is not None) and published is None:
            return False
        return (low is None or published >= low) and (high is None or published <= high)

    def scope(self, records: Iterable[dict]) -> tuple[int, int]:
        """(articles matching, articles left out only for having no date) over one record per article."""
        matched = undated = 0
        undated_twin = Filters(self.outlets, None, None, self.sources)
        for r in records:
            if self.matches(r):
                matched += 1
            elif self.dated and r.get("published") is None and undated_twin.matches(r):
                undated += 1
        return matched, undated

    def describe(self) -> str:
        """For messages: "outlet reuters or dw.com; since 2020-01-01"."""
        parts = []
        if self.outlets:
            parts.append("outlet " + " or ".join(self.outlets))
        if self.sources:
            parts.append("file " + " or ".join(self.sources))
        if self.since:
            parts.append(f"since {self.since}")
        if self.until:
            parts.append(f"until {self.until}")
        return "; ".join(parts)
