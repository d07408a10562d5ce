"""Load an article file into a `Document`, refusing what we cannot index with a clear reason."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

from newsrag.errors import InputError
from newsrag.index.html import article_view
from newsrag.index import meta as metadata
from newsrag.settings import Settings

TEXT_SUFFIXES = {".txt", ".md"}
HTML_SUFFIXES = {".html", ".htm"}
SUPPORTED = TEXT_SUFFIXES | HTML_SUFFIXES


@dataclass(frozen=True)
class Document:
    """An article as read from disk. `text` is the file's exact text: every offset refers to it.

    `view` has the same length as `text` with everything that is not article prose (HTML tags,
    scripts, and later boilerplate) overwritten by spaces, so offsets into `view` are offsets into
    `text`. Chunking reads `view`; citations quote `text`. `meta` holds what the article states about
    itself (outlet, published, url, author; index/meta.py), unknown fields absent.
    """

    source: str
    title: str
    text: str
    view: str
    meta: dict = field(default_factory=dict, hash=False)

    @cached_property  # the text can be megabytes; every chunk ID needs the hash
    def doc_hash(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()[:16]


def read_text(path: Path, max_bytes: int) -> str:
    """Read a UTF-8 text file or raise `InputError` saying why it is unusable."""
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if not path.is_file():
        raise InputError(f"{path}: not a regular file")
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        kinds = " ".join(sorted(SUPPORTED))
        raise InputError(f"{path.name}: unsupported file type '{suffix or '(none)'}' (supported: {kinds})")
    size = path.stat().st_size
    if size == 0:
        raise InputError(f"{path.name}: empty file")
    if size > max_bytes:
        raise InputError(f"{path.name}: too large ({size / 1e6:.1f} MB; the limit is {max_bytes / 1e6:.0f} MB)")
    data = path.read_bytes()
    if b"\x00" in data[:65536]:
        raise InputError(f"{path.name}: looks like a binary file, not text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InputError(f"{path.name}: not valid UTF-8 (bad byte at offset {e.start}); save it as UTF-8") from e
    if not text.strip():
        raise InputError(f"{path.name}: contains only whitespace")
    return text


def load(path: Path, source: str, max_bytes: int = Settings.max_file_bytes,
         min_html_chars: int = Settings.min_html_chars, min_html_share: float = Settings.min_html_share) -> Document:
    """Read `path` as the article named `source` (its path relative to the ingested folder)."""
    return parse(read_text(path, max_bytes), source, min_html_chars, min_html_share)


def parse(text: str, source: str, min_html_chars: int = Settings.min_html_chars,
          min_html_share: float = Settings.min_html_share) -> Document:
    """The article named `source` from its text, read as its suffix says (HTML page, Markdown or plain text)."""
    suffix = Path(source).suffix.lower()
    meta: dict = {}
    if suffix in HTML_SUFFIXES:
        title, view = article_view(text)
        meta = metadata.from_html(text)
        _require_body(Path(source), view, min_html_chars, min_html_share)
    elif suffix == ".md":
        title, view, meta = _markdown(Path(source), text)
    else:
        title, view = _first_line(text), text
    if not view.strip():
        raise InputError(f"{Path(source).name}: no article text found")
    stated = meta.pop("title", None)  # front matter names the title; a page's own h1 beats its meta title
    title = (stated or title) if suffix == ".md" else (title or stated)
    return Document(source=source, title=title or Path(source).stem, text=text, view=view, meta=meta)


def _markdown(path: Path, text: str) -> tuple[str, str, dict]:
    """Front matter is metadata, not body: blanked in the view (offsets unchanged)."""
    try:
        meta, length = metadata.front_matter(text)
    except ValueError as e:
        raise InputError(f"{path.name}: {e}") from e
    view = " " * length + text[length:] if length else text
    return _first_line(view), view, meta


def _require_body(path: Path, view: str, min_chars: int, min_share: float) -> None:
    """A big page with almost no body text has its article elsewhere (script, paywall): refuse it
    rather than index a caption as the article."""
    found = len(" ".join(view.split()))
    if found < min_chars and found < min_share * len(view):
        raise InputError(f"{path.name}: no extractable article body (only {found} characters of text in the page; "
                         f"the article is probably loaded by script or behind a paywall)")


def with_meta(doc: Document, extra: dict) -> Document:
    """`doc` with metadata from a sidecar row laid over its own (a row's title replaces the title)."""
    if not extra:
        return doc
    extra = dict(extra)
    title = extra.pop("title", None) or doc.title
    return replace(doc, title=title, meta={**doc.meta, **extra})


def from_text(text: str, source: str, title: str | None = None) -> Document:
    """A plain-text article held in memory (no file), e.g. a benchmark paragraph; same checks as `load`."""
    if not text.strip():
        raise InputError(f"{source}: contains only whitespace")
    return Document(source=source, title=title or _first_line(text) or source, text=text, view=text)


def _first_line(text: str) -> str:
    for line in text.splitlines():
        line = line.strip().lstrip("#").strip()
        if line:
            return line[:300]
    return ""
