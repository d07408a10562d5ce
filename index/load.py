"""Load an article file into a `Document`, refusing what we cannot index with a clear reason."""

from __future__ import annotations

import codecs
import hashlib
import unicodedata
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

from newsrag.errors import InputError
from newsrag.index.html import article_view, has_markup, page_text
from newsrag.index import meta as metadata
from newsrag.settings import Settings

TEXT_SUFFIXES = {".txt", ".md"}
HTML_SUFFIXES = {".html", ".htm"}
SUPPORTED = TEXT_SUFFIXES | HTML_SUFFIXES
# Byte-order marks we decode, longest first (the UTF-32 LE mark starts with the UTF-16 LE one).
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


# Bump when cleaning, sentence splitting, chunking or the language analysis changes what is stored for
# the same text: indexes made before are then rebuilt article by article on the next ingest.
PIPELINE = 5


@dataclass(frozen=True)
class Document:
    """An article as read from disk. `text` is the article's stored text: every offset refers to it.

    For a text or Markdown file it is the file's exact text: the decoded text with newlines
    untranslated, i.e. `open(path, encoding="utf-8", newline="").read()` (UTF-16/32 files: their
    BOM's encoding), which equals `Path.read_text()` for files with LF line ends but not for CRLF or
    CR ones. For an HTML page it is the page's readable text (index/html.py `page_text`): markup
    and page furniture gone, "&rsquo;" decoded to "’", the source's line breaks inside a
    paragraph read as spaces.

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
        """The content hash every record ID derives from; it covers PIPELINE, so a new pipeline
        re-indexes each article once (its old records are then stale and deleted)."""
        return hashlib.sha256(f"{PIPELINE}\0{self.text}".encode("utf-8")).hexdigest()[:16]


def offsets_of(source: str) -> str:
    """Which text the offsets of a citation into `source` index: "readable" for an HTML page (its readable
    text, `Document.text`), "file" for a text or Markdown file (the file's own text)."""
    return "readable" if Path(source).suffix.lower() in HTML_SUFFIXES else "file"


def printable(name: str) -> str:
    """`name` safe to print on one line: control and line-separator characters escaped (\\n, \\x1b...)."""
    if not has_control(name):
        return name
    return "".join(c.encode("unicode_escape").decode("ascii") if _is_control(c) else c for c in name)


def has_control(name: str) -> bool:
    """True if a file name holds a character that would break a line or a terminal (newline, ESC...)."""
    return any(_is_control(c) for c in name)


def _is_control(c: str) -> bool:
    return unicodedata.category(c) in ("Cc", "Zl", "Zp")


def read_text(path: Path, max_bytes: int) -> str:
    """Read a UTF-8 (or UTF-16/32 with a BOM) text file, newlines untranslated; `InputError` says why not."""
    name = printable(path.name)
    if not path.exists():
        raise InputError(f"{printable(str(path))}: no such file")
    if not path.is_file():
        raise InputError(f"{printable(str(path))}: not a regular file")
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        kinds = " ".join(sorted(SUPPORTED))
        raise InputError(f"{name}: unsupported file type '{printable(suffix) or '(none)'}' (supported: {kinds})")
    size = path.stat().st_size
    if size == 0:
        raise InputError(f"{name}: empty file")
    if size > max_bytes:
        raise InputError(f"{name}: too large ({size / 1e6:.1f} MB; the limit is {max_bytes / 1e6:.0f} MB)")
    text = decode(path.read_bytes(), name)
    if not text.strip():
        raise InputError(f"{name}: contains only whitespace")
    return text


def decode(data: bytes, name: str) -> str:
    """Bytes to text: a UTF-16/32 BOM picks that encoding, anything else must be UTF-8."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(encoding)  # the codec consumes the BOM
            except UnicodeDecodeError as e:
                raise InputError(f"{name}: not valid {encoding.upper()} despite its byte-order mark "
                                 f"(bad data at byte {e.start}); save it as UTF-8") from e
            if "\x00" in text[:65536]:
                raise InputError(f"{name}: looks like a binary file, not text")
            return text
    if b"\x00" in data[:65536]:
        raise InputError(f"{name}: looks like a binary file, not text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InputError(f"{name}: not valid UTF-8 (bad byte at offset {e.start}); save it as UTF-8") from e


def load(path: Path, source: str, max_bytes: int = Settings.max_file_bytes,
         min_html_chars: int = Settings.min_html_chars, min_html_share: float = Settings.min_html_share) -> Document:
    """Read `path` as the article named `source` (its path relative to the ingested folder)."""
    return parse(read_text(path, max_bytes), source, min_html_chars, min_html_share)


def parse(text: str, source: str, min_html_chars: int = Settings.min_html_chars,
          min_html_share: float = Settings.min_html_share) -> Document:
    """The article named `source` from its text, read as its suffix says (HTML page, Markdown or plain text)."""
    suffix = Path(source).suffix.lower()
    meta: dict = {}
    if suffix in HTML_SUFFIXES and has_markup(text):
        meta = metadata.from_html(text)
        title, view = "", article_view(text, meta.get("author"))  # the title is the page's headline, in its metadata
        _require_body(Path(source), view, min_html_chars, min_html_share)
        text = view = page_text(view, text)  # what we store and cite: the page as a reader sees it
    elif suffix == ".md":
        title, view, meta = _markdown(Path(source), text)
    else:  # plain text, or a page's stored text given back without markup (e.g. to undo a removal)
        title, view = _first_line(text), text
    if not view.strip():
        raise InputError(f"{printable(Path(source).name)}: no article text found")
    title = meta.pop("title", None) or title  # front matter or the page's headline, else the first line
    return Document(source=source, title=title or Path(source).stem, text=text, view=line_view(view), meta=meta)


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
    return Document(source=source, title=title or _first_line(text) or source, text=text, view=line_view(text))


def line_view(view: str) -> str:
    """`view` with CRLF and lone CR line ends as LF, same length: offsets stay those of the file.

    "\\r\\n" becomes " \\n" (one line break, not two) and a lone "\\r" becomes "\\n", so paragraph
    and line rules see a Windows or old-Mac file as they see a Unix one.
    """
    return view.replace("\r\n", " \n").replace("\r", "\n") if "\r" in view else view


def _first_line(text: str) -> str:
    for line in text.splitlines():
        line = line.strip().lstrip("#").strip()
        if line:
            return line[:300]
    return ""
