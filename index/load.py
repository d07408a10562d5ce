"""Load an article file into a `Document`, refusing what we cannot index with a clear reason."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from newsrag.errors import InputError
from newsrag.index.html import article_view
from newsrag.settings import Settings

TEXT_SUFFIXES = {".txt", ".md"}
HTML_SUFFIXES = {".html", ".htm"}
SUPPORTED = TEXT_SUFFIXES | HTML_SUFFIXES


@dataclass(frozen=True)
class Document:
    """An article as read from disk. `text` is the file's exact text: every offset refers to it.

    `view` has the same length as `text` with everything that is not article prose (HTML tags,
    scripts, and later boilerplate) overwritten by spaces, so offsets into `view` are offsets into
    `text`. Chunking reads `view`; citations quote `text`.
    """

    source: str
    title: str
    text: str
    view: str

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


def load(path: Path, source: str, max_bytes: int = Settings.max_file_bytes) -> Document:
    """Read `path` as the article named `source` (its path relative to the ingested folder)."""
    text = read_text(path, max_bytes)
    if path.suffix.lower() in HTML_SUFFIXES:
        title, view = article_view(text)
    else:
        title, view = _first_line(text), text
    if not view.strip():
        raise InputError(f"{path.name}: no article text found")
    return Document(source=source, title=title or Path(source).stem, text=text, view=view)


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
