"""Article metadata (outlet, published, url, author, title) from the page, front matter or a sidecar file.

Only what a source states is kept: an unknown field stays absent (null), never guessed.
"""

from __future__ import annotations

import csv
import html
import datetime as dt
import json
import re
from pathlib import Path

from typing import Iterable, Iterator

from newsrag.index.headline import headline, ld_values, meta_value, title_part

FIELDS = ("outlet", "published", "url", "author", "title")
SIDECARS = ("articles.csv", "articles.jsonl")
_FRONT = re.compile(r"\A\ufeff?---[ \t]*\r?\n(.*?)^(?:---|\.\.\.)[ \t]*\r?$\n?", re.S | re.M)
# A site name that is a host name: "DW.COM", "www.salon.com", "Salon.com", "Phys.org", "kulu-media.com".
_HOST = re.compile(r"(?:https?://)?(?:www\d?\.)?([a-z0-9][a-z0-9-]*)((?:\.[a-z]{2,})+)/?", re.I)
# "By <a href=...>Erin Cunningham</a>": a byline, the name alone in its element
_BY = re.compile(r">\s*By\s*(?:<[^>]+>\s*)*([A-Z][\w.'’-]+(?:\s+[A-Z][\w.'’-]+){1,3})\s*<")
# "© 2020 Deutsche Welle |", "Copyright © 2019 Salon.com, LLC", `<meta name="copyright" content="...">`
_COPYRIGHT = re.compile(r"(?:©|&copy;|&#169;|&#xa9;|\bcopyright\b)\s*(?:[\d{}\s-]+)?([^<>\"|]{2,80})", re.I)
_AUTHOR_PARTS = re.compile(r"\s*[;·|]\s*")
_NOT_A_NAME = re.compile(r"^(?:user ?name|admin(?:istrator)?|author|anonymous|guest|updated\b.*|.* (?:com|org|net)"
                         r"|.*\b(?:news|times|post|tribune|herald|network|tnn|pti|ians|staff|desk|team|editors|newsroom|bureau)$)$", re.I)
_SHORT_LABEL = 2  # a host name's label this short is no name on its own ("al.com" is not "AL")
_COMMERCIAL = re.compile(r"\.(com|net|co|biz|info)(\.[a-z]{2})?|\.[a-z]{2}", re.I)  # suffixes brands drop


def iso_date(value) -> str | None:
    """An ISO date (YYYY-MM-DD) from a date, datetime or ISO string; None if it is not one."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return dt.date.fromisoformat(value.strip()[:10]).isoformat()
    except ValueError:
        return None


def tidy(raw: dict) -> dict:
    """Keep known, non-empty fields as strings; raise ValueError for a `published` that is not an ISO date."""
    out = {}
    for key in FIELDS:
        value = raw.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if key == "published":
            iso = iso_date(value)
            if iso is None:
                raise ValueError(f"published {value!r} is not an ISO date (YYYY-MM-DD)")
            out[key] = iso
        else:
            out[key] = " ".join(str(value).split())[:500]
    return out


def outlet_name(site: str | None) -> str | None:
    """A reader's name for an outlet whose page names itself by host: "DW.COM" -> "DW",
    "www.salon.com" -> "Salon"; a name that is already a name ("The Verge", "Phys.org") stays."""
    m = _HOST.fullmatch((site or "").strip())
    if not m:
        return site
    label, suffix = m.groups()
    host = site.strip().lower() == site.strip() or site.strip().lower().startswith(("www", "http"))
    if not host and not _COMMERCIAL.fullmatch(suffix):
        return site.strip()  # written as a brand by the publisher, e.g. "Phys.org"
    if label.islower() and len(label) <= _SHORT_LABEL:  # "al.com": "AL" alone names a state, not an outlet
        return label + suffix
    if label.islower():  # a bare host name: bbc -> BBC, salon -> Salon, kulu-media -> Kulu Media
        return label.upper() if len(label) <= 3 else " ".join(w.capitalize() for w in label.split("-"))
    return label


def from_html(raw: str) -> dict:
    """What the page states about itself (og:/article: meta tags, JSON-LD, bylines), via trafilatura;
    its title is the page's own headline (index/headline.py), trafilatura's title only failing that."""
    found = _trafilatura_meta(raw)
    site, outlet = site_name(raw, found.get("sitename"))
    title = headline(raw, (site, outlet, found.get("sitename"))) or found.get("title")
    named = (site, outlet, found.get("sitename"), *_publishers(list(ld_values(raw))))
    stated = {"outlet": outlet, "url": found.get("url"), "author": author(raw, found.get("author"), named),
              "title": title}
    try:
        return tidy({**stated, "published": found.get("date")})
    except ValueError:  # a page date we cannot read is unknown, not an error
        return tidy(stated)


def author(raw: str, found: str | None, outlets: Iterable[str | None] = ()) -> str | None:
    """The article's author: trafilatura's (`found`) without the parts that name no one ("Username", "CBC News",
    "Updated Oct 9", an e-mail address it made a name of: "Mcason Com") or name the outlet itself (one of
    `outlets`, or its initials: "Deutsche Welle" on DW's pages), else the name of the page's "By ..." line."""
    outlets = [o for o in outlets if o and _name_key(o)]
    holders = " | ".join(html.unescape(m.group(1)) for m in _COPYRIGHT.finditer(raw))
    person = lambda n: not _NOT_A_NAME.match(n) and not _organisation(n, outlets, holders)
    names = [n.strip() for n in _AUTHOR_PARTS.split(found or "") if n.strip() and person(n.strip())]
    if names:
        return "; ".join(names)
    m = _BY.search(raw)
    return html.unescape(m.group(1)) if m and person(html.unescape(m.group(1))) else None


def _name_key(name: str) -> str:
    """A name as compared with an outlet's: lowercase letters and digits, a host name's suffix dropped."""
    m = _HOST.fullmatch(name.strip())
    return re.sub(r"[\W_]+", "", (m.group(1) if m else name).lower())


def _organisation(name: str, outlets: list[str], holders: str) -> bool:
    """An organisation, not a person: the outlet's own name, a name that holds it ("Kulu Media News Desk") or
    whose initials spell it ("Deutsche Welle" on DW's pages), or a holder of the page's copyright
    ("Reuters" on a page saying "© Thomson Reuters 2020")."""
    words = re.findall(r"[^\W\d_]+", name)
    initials = "".join(w[0] for w in words).lower() if len(words) > 1 else ""
    keys = {_name_key(o) for o in outlets}
    if _name_key(name) in keys or initials in keys:
        return True
    whole = lambda part, text: re.search(rf"(?<!\w){re.escape(part)}(?!\w)", text, re.I) is not None
    return any(len(o) >= 4 and whole(o, name) for o in outlets) or whole(name, holders)


def site_name(raw: str, found: str | None = None) -> tuple[str | None, str | None]:
    """(the site's name as the page states it, the outlet as a reader names it), from og:site_name, the
    JSON-LD publisher, application-name or `found` (trafilatura's): the first one the page's <title> also
    names wins, spelled as the title spells it ("Herald Sun", not "HeraldSun"; "Reuters", not an og:site_name
    of "U.S."), else the first one stated. A host name is said as a reader says it ("Salon.com" -> "Salon")."""
    stated = [meta_value(raw, "og:site_name"), *_publishers(list(ld_values(raw))), meta_value(raw, "application-name"), found]
    stated = [s for s in stated if s]
    for site in stated:
        titled = title_part(raw, (site, outlet_name(site)))
        if titled:
            return site, titled if not _HOST.fullmatch(titled) else outlet_name(titled)
    return (stated[0], outlet_name(stated[0])) if stated else (None, None)


def _publishers(data) -> Iterator[str]:
    """Every JSON-LD publisher name, depth first ("publisher": {"name": ...} or a list of them)."""
    if isinstance(data, list):
        for value in data:
            yield from _publishers(value)
    elif isinstance(data, dict):
        publisher = data.get("publisher")
        for p in publisher if isinstance(publisher, list) else [publisher]:
            if isinstance(p, dict) and isinstance(p.get("name"), str) and p["name"].strip():
                yield " ".join(p["name"].split())
        for key, value in data.items():
            if key != "publisher":
                yield from _publishers(value)


def _trafilatura_meta(raw: str) -> dict:
    import trafilatura

    try:
        found = trafilatura.extract_metadata(raw)
    except Exception:  # metadata is optional: a page trafilatura cannot parse simply states none
        return {}
    return {} if found is None else found.as_dict()


def front_matter(text: str) -> tuple[dict, int]:
    """(metadata, length of the front matter) of a Markdown file; ({}, 0) without front matter.

    Raises ValueError for front matter that is not a YAML mapping or has a bad date.
    """
    m = _FRONT.match(text)
    if not m:
        return {}, 0
    import yaml

    try:
        data = yaml.safe_load(m.group(1)) or {}
    except yaml.YAMLError as e:
        raise ValueError(f"front matter is not valid YAML ({str(e).splitlines()[0]})") from e
    if not isinstance(data, dict):
        raise ValueError("front matter is not a list of 'key: value' lines")
    return tidy(data), m.end()


def read_sidecar(folder: Path) -> tuple[dict[str, tuple[str, dict]], list[tuple[str, str]]]:
    """(file:line, metadata) by article file name from `articles.csv` / `articles.jsonl` in `folder`,
    and the malformed rows as (file:line, reason)."""
    by_file: dict[str, tuple[str, dict]] = {}
    problems: list[tuple[str, str]] = []
    for name in SIDECARS:
        path = folder / name
        if path.is_file():
            rows = _csv_rows(path) if name.endswith(".csv") else _jsonl_rows(path)
            for line, row in rows:
                where = f"{name}:{line}"
                if isinstance(row, str):
                    problems.append((where, row))
                    continue
                try:
                    key = str(row.get("file") or "").strip()
                    if not key:
                        raise ValueError("no 'file' value")
                    by_file[key] = (where, {**by_file.get(key, ("", {}))[1], **tidy(row)})
                except ValueError as e:
                    problems.append((where, str(e)))
    return by_file, problems


def _csv_rows(path: Path):
    try:
        with open(path, newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            if "file" not in (reader.fieldnames or []):
                yield 1, "the header has no 'file' column"
                return
            for row in reader:
                if None in row or any(v is None for v in row.values()):
                    yield reader.line_num, f"expected {len(reader.fieldnames)} columns"
                else:
                    yield reader.line_num, row
    except (UnicodeDecodeError, csv.Error) as e:
        yield 0, f"unreadable ({e})"


def _jsonl_rows(path: Path):
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as e:
        yield 0, f"unreadable ({e})"
        return
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as e:
            yield n, f"not valid JSON ({e.msg})"
            continue
        yield n, row if isinstance(row, dict) else "not a JSON object"


def sidecar_for(by_file: dict[str, tuple[str, dict]], source: str) -> dict:
    """The sidecar metadata for an article: by its path in the folder, else by its bare file name."""
    return (by_file.get(source) or by_file.get(Path(source).name) or ("", {}))[1]
