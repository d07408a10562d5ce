"""A page's headline: what the page itself calls the article, never a banner that merely comes first.

The page's own metadata and headline, in this order: og:title, the JSON-LD headline, the h1 inside
<article>, an h1 the <title> repeats, the <title>, any h1. A browser-unsupported or cookie banner
("Your Web Browser is no longer supported") is often the first h1 of a page but is none of these
until the last resort. A trailing " | Outlet" or " - Outlet" is cut only when it names the outlet
the page states (its site name), so a headline with a dash in it stays whole.
"""

from __future__ import annotations

import html
import json
import re
from typing import Iterable, Iterator

_META = re.compile(r"<meta\b[^>]*>", re.I)
_ATTR = re.compile(r"""([\w:-]+)\s*=\s*("[^"]*"|'[^']*'|[^\s"'>]+)""")
_LD = re.compile(r"<script\b[^>]*application/ld\+json[^>]*>(.*?)</script\s*>", re.S | re.I)
_ARTICLE = re.compile(r"<article\b[^>]*>(.*?)</article\s*>", re.S | re.I)
_H1 = re.compile(r"<h1\b[^>]*>(.*?)</h1\s*>", re.S | re.I)
_TITLE = re.compile(r"<title\b[^>]*>(.*?)</title\s*>", re.S | re.I)
_TAG = re.compile(r"<[^>]*>")
_SEPARATOR = re.compile(r"\s+[|\-–—:·•]\s+")  # " | ", " - ", " — ", " : " between a headline and a site name
_WORD = re.compile(r"\w{3,}")
_SCHEME = re.compile(r"^(?:https?://)?(?:www\d?\.)?")
_DOMAIN = re.compile(r"(?:\.[a-z]{2,})+/?$")
_THE = re.compile(r"^the\s+")
_NON_WORD = re.compile(r"\W+")
MAX_CHARS = 300


def headline(raw: str, outlets: Iterable[str | None] = ()) -> str:
    """The headline of the HTML page `raw`; `outlets` are the names the page gives its site. "" if none."""
    names = {_key(o) for o in outlets if o}
    for found in _candidates(raw):
        text = without_outlet(found, names)
        if text:
            return text[:MAX_CHARS]
    return ""


def without_outlet(title: str, names: set[str]) -> str:
    """`title` whitespace-normalised, cut before the first separated part that is one of the outlet `names`
    ("" when the title is only the outlet's name)."""
    title = " ".join(title.split())
    if _key(title) in names:
        return ""  # the site's name is no headline
    for sep in _SEPARATOR.finditer(title):
        following = _SEPARATOR.search(title, sep.end())
        part = title[sep.end():following.start() if following else len(title)]
        if _key(part) in names:
            return title[:sep.start()].strip()
    return title


def _candidates(raw: str) -> Iterator[str]:
    yield _og_title(raw)
    yield _ld_headline(raw)
    yield from (_text(h) for a in _ARTICLE.finditer(raw) for h in _H1.findall(a.group(1))[:1])
    title = _text(m.group(1)) if (m := _TITLE.search(raw)) else ""
    h1s = [_text(h) for h in _H1.findall(raw)]
    yield from (h for h in h1s if _repeats(title, h))
    yield title
    yield from h1s


def _og_title(raw: str) -> str:
    return meta_value(raw, "og:title", ("content",))  # a `value` og:title is a social headline, not the page's


def meta_value(raw: str, name: str, keys: tuple[str, ...] = ("content", "value")) -> str:
    """The value of the page's first `<meta property|name=name>`, from `content` (or `value`, as some
    pages write it: `<meta value="CNNMoney" name="og:site_name">`); "" if the page has none."""
    for tag in _META.finditer(raw):
        attrs = {k.lower(): _unquote(v) for k, v in _ATTR.findall(tag.group(0))}
        if attrs.get("property", attrs.get("name", "")).lower() == name:
            return html.unescape(next((attrs[k] for k in keys if k in attrs), "")).strip()
    return ""


def ld_values(raw: str) -> Iterator:
    """Every JSON-LD value the page states (a page's broken JSON-LD states nothing)."""
    for script in _LD.finditer(raw):
        try:
            yield json.loads(script.group(1), strict=False)
        except ValueError:
            continue


def title_part(raw: str, names: Iterable[str | None]) -> str:
    """The part of the page's <title> that names one of the outlet `names`, spelled as the page spells it
    for its readers ("Herald Sun" for a site named "HeraldSun"); "" if none does."""
    keys = {_key(n) for n in names if n}
    title = _text(m.group(1)) if (m := _TITLE.search(raw)) else ""
    parts = _SEPARATOR.split(title)[1:]
    return next((p.strip() for p in parts if _key(p) in keys), "")


def _unquote(value: str) -> str:
    """An attribute value without its own quotes: "'Parasite' scores" keeps the quote it opens with."""
    return value[1:-1] if len(value) >= 2 and value[0] in "\"'" and value[-1] == value[0] else value


def _ld_headline(raw: str) -> str:
    for data in ld_values(raw):
        found = next(_headlines(data), "")
        if found:
            return html.unescape(found)
    return ""


def _headlines(data) -> Iterator[str]:
    """Every "headline" string in a JSON-LD value, depth first, in document order."""
    if isinstance(data, dict):
        if isinstance(data.get("headline"), str):
            yield data["headline"]
        for value in data.values():
            yield from _headlines(value)
    elif isinstance(data, list):
        for value in data:
            yield from _headlines(value)


def _repeats(title: str, h1: str) -> bool:
    """The <title> repeats most of the h1's words: the h1 is the page's headline, not a banner."""
    words = {w.lower() for w in _WORD.findall(h1)}
    return bool(words) and len(words & {w.lower() for w in _WORD.findall(title)}) >= 0.6 * len(words)


def _text(fragment: str) -> str:
    return " ".join(html.unescape(_TAG.sub(" ", fragment)).split())


def _key(name: str) -> str:
    """An outlet name as compared: "The Washington Post" ~ "washingtonpost.com", "ESPN.com" ~ "ESPN"."""
    name = _DOMAIN.sub("", _SCHEME.sub("", " ".join(name.lower().split())))
    return _NON_WORD.sub("", _THE.sub("", name))
