"""HTML for the chat and the source panel, built by hand so untrusted article text stays inert.

Every piece of text that comes from an article, a file name or the user goes through `safe`, which
escapes HTML and also the characters Markdown, KaTeX, URL autolinking and Gradio's HTML templates
would interpret. Only the tags written in this file reach the browser.
"""

from __future__ import annotations

import html
import re
from typing import Callable

# Characters that Markdown, KaTeX ($), GFM autolinks (:) or JS/Handlebars templates (${ }) act on.
_INERT = str.maketrans({c: f"&#{ord(c)};" for c in "[]()*_`~$|\\#{}!:<>&\"'"})
_MARKER = re.compile(r"\[(\d+)\]")
_BLANK_RUN = re.compile(r"\n[ \t\r\f\v]*\n(?:[ \t\r\f\v]*\n)+")


def safe(text: str) -> str:
    """`text` as inert HTML: no tag, entity, Markdown or template syntax survives."""
    return str(text).translate(_INERT)


def cite_link(turn: int, n: int) -> str:
    """A clickable [n]; the page script turns a click into a source-panel update."""
    return f'<a class="cite" href="#cite-{turn}-{n}" title="show source {n}">&#91;{n}&#93;</a>'


def answer_html(answer: str, turn: int, citations: list[dict] | None = None) -> str:
    """The answer text with its [n] markers as links, then one line per cited article."""
    known = {c["n"] for c in citations} if citations is not None else None
    parts, last = [], 0
    for m in _MARKER.finditer(answer):
        n = int(m.group(1))
        if known is not None and n not in known:
            continue
        parts.append(safe(answer[last:m.start()]))
        parts.append(cite_link(turn, n))
        last = m.end()
    parts.append(safe(answer[last:]))
    body = "".join(parts).replace("\n", "<br>")  # a summary or comparison has one line per article or subject
    if citations is None:  # still streaming
        return body
    end = '<span class="answer-end"></span>'  # marks a finished answer (the browser test waits for it)
    return body + (sources_list(turn, citations) if citations else "") + end


def sources_list(turn: int, citations: list[dict]) -> str:
    """"Sources: [1][3] Title (file)" grouped by article, under an answer."""
    rows = []
    for source, title, ns in by_article(citations):
        links = "".join(cite_link(turn, n) for n in ns)
        rows.append(f'<li>{links} <span class="src-title">{safe(title)}</span> '
                    f'<span class="src-name">{safe(source)}</span></li>')
    return f'<div class="answer-sources">Sources<ul>{"".join(rows)}</ul></div>'


def by_article(citations: list[dict]) -> list[tuple[str, str, list[int]]]:
    """(source, title, citation numbers) per cited article, in order of first citation."""
    groups: dict[str, tuple[str, list[int]]] = {}
    for c in sorted(citations, key=lambda c: c["n"]):
        groups.setdefault(c["source"], (c["title"], []))[1].append(c["n"])
    return [(s, t, ns) for s, (t, ns) in groups.items()]


def highlighted(text: str, citations: list[dict], focus: int | None, view: str | None = None,
                markup: bool = False) -> str:
    """The article `text` with every cited span wrapped in <mark>; the `focus` one marked as such.

    Marks hold the exact cited text. Between them the panel shows `view` (same length as `text`,
    markup and page debris blanked; with `markup`, an HTML page whose entities get decoded), tidied
    up so it stays readable. Spans are sorted and clipped so overlaps never nest tags.
    """
    spans: dict[tuple[int, int], list[int]] = {}
    shorts: dict[tuple[int, int], dict] = {}  # the short answer inside its cited sentence
    for c in citations:
        spans.setdefault((c["start"], c["end"]), []).append(c["n"])
        if c.get("short"):
            shorts[(c["start"], c["end"])] = c["short"]
    shown = text if view is None else view

    def between(a: int, b: int) -> str:
        return _tidy(shown[a:b], blanked=view is not None, markup=markup)

    out, pos = [], 0
    for (cited, end), ns in sorted(spans.items()):
        start = max(cited, pos)
        if end <= start:
            continue
        out.append(safe(between(pos, start)))
        cls = "cited focus" if focus in ns else "cited"
        label = "".join(f"&#91;{n}&#93;" for n in ns)
        inner = _with_short(text, start, end, shorts.get((cited, end)))
        out.append(f'<mark class="{cls}" id="mark-{ns[0]}" data-n="{" ".join(map(str, ns))}">'
                   f'{inner}</mark><sup class="cite-tag">{label}</sup>')
        pos = end
    out.append(safe(between(pos, len(text))))
    return "".join(out)


def _with_short(text: str, start: int, end: int, short: dict | None) -> str:
    """The marked text, its short-answer part (if inside it) in <strong class="short-answer">."""
    if not short or not start <= short["start"] < short["end"] <= end:
        return safe(text[start:end])
    a, b = short["start"], short["end"]
    return (f'{safe(text[start:a])}<strong class="short-answer">{safe(text[a:b])}</strong>'
            f'{safe(text[b:end])}')


def _tidy(segment: str, blanked: bool = False, markup: bool = False) -> str:
    """Shorten blank-line runs; in a view, also the space runs left by blanking (and decode entities)."""
    if blanked:
        segment = re.sub(r"[ \t]{2,}", " ", re.sub(r"[ \t]+\n|\n[ \t]+", "\n", segment))
    if markup:
        segment = html.unescape(segment)
    return _BLANK_RUN.sub("\n\n", segment)


def source_panel(result: dict | None, article: Callable[[str], tuple[str, str | None] | None], focus: int | None = None,
                 nonce: int = 0, closest: list[tuple[str, str]] | None = None) -> str:
    """The source panel for one answer: each cited article with all its cited spans highlighted.

    `article(source)` gives (text, reading view or None), or None for an article no longer indexed.
    A refusal lists no sources, only (if given) the closest articles by title.
    """
    if result is None:
        return _panel(nonce, '<p class="panel-hint">Cited articles appear here. Click a [n] marker in '
                             'an answer to jump to the highlighted passage.</p>')
    citations = result.get("citations") or []
    if not citations:
        return _panel(nonce, _no_sources(closest or []))
    cards = []
    for source, title, ns in by_article(citations):
        mine = [c for c in citations if c["source"] == source]
        shown = article(source)
        if shown is None:  # removed since the answer was given: show the quotes alone
            body = "".join(f'<p><mark class="cited{" focus" if c["n"] == focus else ""}">{safe(c["text"])}'
                           f'</mark><sup class="cite-tag">&#91;{c["n"]}&#93;</sup></p>' for c in mine)
            body = '<p class="panel-hint">(this article is no longer indexed)</p>' + body
        else:
            body = highlighted(shown[0], mine, focus, shown[1], source.lower().endswith((".html", ".htm")))
        tags = "".join(f"&#91;{n}&#93;" for n in ns)
        cards.append(f'<section class="source-card" data-source="{safe(source)}">'
                     f'<header><h3>{safe(title)}</h3><div class="source-meta">{safe(source)} · cited as {tags}'
                     f'</div></header>'
                     f'<div class="article-text">{body}</div></section>')
    return _panel(nonce, "".join(cards))


def _no_sources(closest: list[tuple[str, str]]) -> str:
    html_ = '<p class="panel-hint">No sources: the articles don\'t cover this question.</p>'
    if closest:
        items = "".join(f'<li><span class="src-title">{safe(t)}</span> <span class="src-name">{safe(s)}</span></li>'
                        for s, t in closest)
        html_ += f'<div class="closest">Closest articles<ul>{items}</ul></div>'
    return html_


def _panel(nonce: int, inner: str) -> str:
    # The nonce makes every update a new value, so re-clicking a marker still scrolls to it.
    return f'<div class="source-panel" data-nonce="{int(nonce)}">{inner}</div>'


def articles_table(articles: list[tuple[str, str, int]]) -> str:
    """The indexed articles as an HTML table (source, title, chunks), every cell escaped."""
    if not articles:
        return '<p class="panel-hint">No articles indexed yet: upload some above.</p>'
    rows = "".join(f"<tr><td>{safe(s)}</td><td>{safe(t)}</td><td>{int(n)}</td></tr>" for s, t, n in articles)
    return (f'<table class="articles"><thead><tr><th>source</th><th>title</th><th>chunks</th></tr></thead>'
            f"<tbody>{rows}</tbody></table>")


def status_html(lines: list[tuple[str, str]]) -> str:
    """Upload results as (kind, message) lines; kind is ok, same or bad."""
    items = "".join(f'<li class="st-{k}">{safe(m)}</li>' for k, m in lines)
    return f'<ul class="upload-status">{items}</ul>'
