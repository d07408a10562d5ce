"""The reading view of an article: its text as the index reads it, for showing around highlights."""

from __future__ import annotations

from pathlib import Path

from newsrag.index.clean import clean
from newsrag.index.html import article_view, has_markup
from newsrag.index.load import HTML_SUFFIXES, Document


def reading_view(source: str, text: str) -> str:
    """`text` with markup and page debris blanked, same length, so every offset still points into `text`.

    The source panel shows this around the highlights, so an HTML page reads as an article rather
    than as source code.
    """
    html = Path(source).suffix.lower() in HTML_SUFFIXES and has_markup(text)  # stores made before page_text
    view = article_view(text) if html else text
    try:
        return clean(Document(source, "", text, view)).view
    except Exception:  # a display nicety must never hide the article
        return text
