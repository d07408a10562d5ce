"""Properties: every sentence and chunk span quotes the original exactly, for any document."""

from __future__ import annotations

import html
import re

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from newsrag.errors import InputError
from newsrag.index import glued
from newsrag.index.chunk import article_sentences, chunk, sentences, unwrap
from newsrag.index.clean import clean
from newsrag.index.html import article_view, page_text
from newsrag.index.load import Document, parse

WORDS = st.sampled_from(
    "Russia NATO talks Geneva January Putin said the a of will 100,000 troops U.S. Mr. Dr. “quoted” "
    "don’t e.g. 3.5 km — – ... ! ? ; : \u00a0 \t café naïve 東京 🙂".split(" ")
)
SEPARATORS = st.sampled_from([" ", " ", " ", ". ", "? ", "\n", "\n\n", "\u00a0", "  ", ".\n\n"])


@st.composite
def texts(draw) -> str:
    parts = draw(st.lists(st.tuples(WORDS, SEPARATORS), min_size=1, max_size=120))
    return "".join(w + s for w, s in parts)


def _doc(text: str) -> Document:
    return Document(source="x.txt", title="t", text=text, view=text)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts())
def test_sentences_are_exact_ordered_spans(text):
    previous_end = 0
    for s in sentences(text):
        assert 0 <= previous_end <= s.start < s.end <= len(text)
        assert s.text == " ".join(text[s.start:s.end].split())
        assert not text[s.start].isspace() and not text[s.end - 1].isspace()
        previous_end = s.end


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts(), st.integers(80, 900), st.integers(0, 2))
def test_chunks_cover_their_sentences_exactly(text, size, overlap):
    doc = clean(_doc(text))
    chunks = chunk(doc, size, overlap)
    all_sentences = article_sentences(doc)
    covered = {(s.start, s.end) for c in chunks for s in c.sentences}
    assert covered == {(s.start, s.end) for s in all_sentences}
    for c in chunks:
        assert c.start == c.sentences[0].start and c.end == c.sentences[-1].end
        first, last = c.sentences[0], c.sentences[-1]
        assert doc.text[c.start:c.end].startswith(doc.text[first.start:first.end])
        assert doc.text[c.start:c.end].endswith(doc.text[last.start:last.end])
    assert len({c.id for c in chunks}) == len(chunks)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(texts(), min_size=1, max_size=8), st.integers(20, 70))
def test_hard_wrapped_text_keeps_offsets(paragraphs, width):
    """A text wrapped at `width` columns: unwrapping only turns line breaks into spaces, and every sentence
    quotes the file exactly."""
    import textwrap

    text = "Headline\n\n" + "\n\n".join(textwrap.fill(p, width) for p in paragraphs)
    assert all(a == b or (a, b) == ("\n", " ") for a, b in zip(text, unwrap(text))) and len(unwrap(text)) == len(text)
    doc = clean(_doc(text))
    for s in article_sentences(doc):
        assert s.text == " ".join(text[s.start:s.end].split()) and "\n\n" not in text[s.start:s.end]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(texts(), min_size=1, max_size=6), st.sampled_from(["b", "i", "a href='x.html'", "span"]))
def test_html_view_keeps_offsets(paragraphs, inline):
    tag = inline.split()[0]
    body = "".join(f"<p>{html.escape(p[: len(p) // 2])}<{inline}>{html.escape(p[len(p) // 2:])}</{tag}></p>\n"
                   for p in paragraphs)
    raw = f"<html><head><title>T</title><script>var a = '<p>x</p>';</script></head><body>{body}</body></html>"
    view = article_view(raw)
    assert len(view) == len(raw)
    for s in sentences(view):
        assert s.text == " ".join(view[s.start:s.end].split())
        assert "<" not in view[s.start:s.end]
        assert raw[s.start:s.end].strip()  # the quote is the file's own text


# -- pages glue sentences and captions together; entities and markup never reach the stored text --
GLUED = st.sampled_from(
    "year.Russia winter.USANATO REUTERSRussia U.S.Army e.g.The 3.5.The dw.com.The DW.COM https://x.org/news.Today "
    "said.”The a@b.Com / photo REUTERS Photo: AP (Reuters) Getty Images AT&T a<b ’ talks. line.” “We".split(" ")
)


@st.composite
def glued_texts(draw) -> str:
    parts = draw(st.lists(st.tuples(st.one_of(WORDS, GLUED), SEPARATORS), min_size=1, max_size=80))
    return "".join(w + s for w, s in parts)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(glued_texts())
def test_glued_sentence_ends_are_cut_offsets_exact(text):
    pieces = glued.pieces(text, 0, len(text))
    assert "".join(text[a:b] for a, b in pieces) == text and all(a < b for a, b in pieces)
    doc = clean(_doc(text))
    assert len(doc.view) == len(text) and all(v in (t, " ") for v, t in zip(doc.view, text))  # only blanks
    previous_end = 0
    for s in sentences(doc.view):
        assert previous_end <= s.start < s.end and s.text == " ".join(text[s.start:s.end].split())
        assert glued.breaks(text, s.start, s.end) == []  # no sentence keeps a glued end inside it
        previous_end = s.end


def test_a_quotation_glued_to_the_next_quotation_is_cut():
    text = "Putin has described NATO’s expansion as “red line.” “We don’t want a war,” Lavrov said on Wednesday."
    assert [text[a:b] for a, b in glued.pieces(text, 0, len(text))] == [
        "Putin has described NATO’s expansion as “red line.” ", "“We don’t want a war,” Lavrov said on Wednesday."]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(glued_texts())
def test_page_text_decodes_what_the_page_escaped(text):
    assert page_text(html.escape(text)).split() == text.split()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(glued_texts(), min_size=1, max_size=5))
def test_page_sentences_quote_the_stored_page_text(paragraphs):
    body = "".join(f"<p>{html.escape(p)}<b>&rsquo;</b></p>\n" for p in paragraphs)
    raw = f"<html><head><title>T</title></head><body><article>{body}</article></body></html>"
    try:
        doc = clean(parse(raw, "page.html", min_html_chars=0))
    except InputError:
        assume(False)  # nothing trafilatura calls content
    assert not re.search(r"&(amp|lt|gt|rsquo);|<b>", doc.text) and len(doc.view) == len(doc.text)
    for s in sentences(doc.view):
        assert s.text == " ".join(doc.text[s.start:s.end].split())
