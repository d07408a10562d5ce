"""Bylines: "Who wrote the bike lanes article?" and "What did Jon Porter write about FaceTime?" answered from
the articles' own metadata (their author), each cited to the byline in the stored text where the page shows it.
The author's name is quoted from the byline; "wrote “<title>” (<outlet>, <date>)" is ours, from the metadata,
and marked so (rag/cite.py).

An article is picked by its title's words (else by what retrieval found for the question); an author's
articles by the author field. The byline's span is the shortest stored line naming the author ("By Jon
Porter", "Jon Porter @JonPorty"); a page that does not show it is cited by its headline, marked unsupported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from newsrag.index.meta import front_matter
from newsrag.rag.answer import Answer, Citation, Sentence, refusal
from newsrag.rag.cite import LABEL, Cites, Writer
from newsrag.rag.evidence import Evidence
from newsrag.rag.intents.base import Rules
from newsrag.rag.query import Query
from newsrag.index.terms import terms

_FROM_METADATA = "from the article's metadata (author, title, outlet, date)"


@dataclass(frozen=True)
class _Article:
    source: str
    title: str
    author: str | None
    outlet: str | None
    published: str | None


def handle(query: Query, evidence: Evidence, rules: Rules) -> Answer | None:
    return byline_answer(query, evidence, rules.store) if rules.store is not None else None


def byline_answer(query: Query, evidence: Evidence, store) -> Answer | None:
    """The answer to a question about who wrote an article or what an author wrote; None for any other."""
    asked = query.byline
    if asked is None:
        return None
    if asked.author is None:
        return _who_wrote(query.text, asked.topic, asked.about, evidence, store)
    return _what_wrote(query.text, asked.author, asked.topic, evidence, store)


def _articles(store) -> list[_Article]:
    return [_Article(a.source, a.title, a.author, a.outlet, a.published) for a in store.articles().values()]


def _who_wrote(question: str, topic: str, about: bool, evidence: Evidence, store) -> Answer | None:
    """None when no article is meant ("Who wrote War and Peace?" is left to the chain, which refuses it)."""
    articles = _articles(store)
    words = set(terms(topic))
    if about or not words:  # "Who wrote about the debate?", "Who wrote it?": the article retrieval found on it
        best = next((c.source for c in evidence.candidates if not words or words & set(terms(c.text))), None)
        article = next((a for a in articles if a.source == best), None)
    else:
        article = _by_title(words, articles)
    if article is None:
        return None
    if not article.author:
        return refusal(question, f"“{article.title}” does not name its author.")
    cites, w = Cites(), Writer()
    n = _byline(cites, article, store)
    said = _wrote(w, article, cites.citations[-1])
    w.marks([n])
    return Answer(question, w.text, True, cites.citations, sentences=[Sentence(said, [n], cites.citations[-1].supported)],
                  editorial=w.editorial)


def _wrote(w: Writer, article: _Article, citation: Citation) -> str:
    """"<author> wrote “<title>” (<outlet>, <date>)." into `w`: the name quoted from the byline where the
    citation shows it, the rest ours; returns the statement."""
    at = w.length
    name = re.search(re.escape(article.author or "\0"), citation.text, re.I) if citation.supported else None
    if name:
        w.quote(name.group(0)).ours(f" wrote “{article.title}”{_where(article)}.", LABEL, _FROM_METADATA)
    else:
        w.ours(f"{article.author} wrote “{article.title}”{_where(article)}.", LABEL, _FROM_METADATA)
    return w.text[at:]


def _what_wrote(question: str, name: str, topic: str, evidence: Evidence, store) -> Answer | None:
    wanted = set(terms(name))
    mine = [a for a in _articles(store) if a.author and wanted and wanted <= set(terms(a.author))]
    if not mine:
        return None  # not an author of ours: "What did Putin write to Biden?" is a question about the news
    if topic:
        mine = [a for a in mine if set(terms(topic)) & set(terms(a.title))] or mine
    cites, parts, w = Cites(), [], Writer()
    for article in mine[:5]:
        n = _byline(cites, article, store)
        cited = cites.citations[n - 1]
        w.sep(" " if w.length else "")
        parts.append(Sentence(_wrote(w, article, cited), [n], cited.supported))
        w.marks([n])
        said = _on_topic(article.source, topic, evidence)
        if said is not None:  # what the article says on the topic, quoted from it
            numbers = cites.mark(said)
            parts.append(Sentence(" ".join(said.quote.split()), numbers))
            w.sep(" ").quote(parts[-1].text).marks(numbers)
    return Answer(question, w.text, True, cites.citations, sentences=parts, editorial=w.editorial)


def _on_topic(source: str, topic: str, evidence: Evidence):
    """The best retrieved statement of `source` holding a word of `topic`, if any."""
    words = set(terms(topic))
    return next((c for c in evidence.candidates if words and c.source == source and c.statement
                 and words & set(terms(c.text))), None)


def _by_title(words: set[str], articles: list[_Article]) -> _Article | None:
    """The article whose title shares the most of the topic's `words` (at least half of them), if any."""
    overlap, best = max(((len(words & set(terms(a.title))), a) for a in articles), key=lambda p: p[0],
                        default=(0, None))
    return best if overlap * 2 >= len(words) else None


def _where(article: _Article) -> str:
    said = ", ".join(x for x in (article.outlet, article.published) if x)
    return f" ({said})" if said else ""


def _byline(cites: Cites, article: _Article, store) -> int:
    """The number of the byline's citation: the shortest stored line naming the author; else the article's
    headline or first line, marked unsupported (the page does not show who wrote it)."""
    text = store.article_text(article.source) or ""
    span = byline_span(text, article.author or "", _front_matter(text)) or _first_line(text, article.title)
    start, end = span
    return cites.span(article.source, article.title, start, end, text[start:end],
                      supported=span != (0, 0) and _names(text[start:end], article.author or ""))


def byline_span(text: str, author: str, skip: int = 0) -> tuple[int, int] | None:
    """(start, end) of the shortest line of `text` after `skip` that names `author` (its first name of
    several), or None."""
    name = re.split(r"\s*[;,]\s*", author.strip())[0]
    if len(name) < 3:
        return None
    lines = [(m.start(), m.end()) for m in re.compile(r"[^\n]+").finditer(text, skip) if _names(m.group(0), name)]
    if not lines:
        return None
    start, end = min(lines, key=lambda s: s[1] - s[0])
    line = text[start:end]
    return start + len(line) - len(line.lstrip()), end - (len(line) - len(line.rstrip()))


def _names(line: str, author: str) -> bool:
    name = re.split(r"\s*[;,]\s*", author.strip())[0]
    return bool(name) and re.search(rf"(?<!\w){re.escape(name)}(?!\w)", line, re.I) is not None


def _front_matter(text: str) -> int:
    """How long a Markdown file's front matter is ("author: Jane Doe" there is metadata, not a byline)."""
    try:
        return front_matter(text)[1]
    except ValueError:
        return 0


def _first_line(text: str, title: str) -> tuple[int, int]:
    at = text.find(title) if title else -1
    if at >= 0:
        return at, at + len(title)
    m = re.search(r"\S[^\n]*", text)
    return (m.start(), m.start() + len(m.group(0).rstrip())) if m else (0, 0)
