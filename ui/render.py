"""HTML for the chat and the source panel, built by hand so untrusted article text stays inert.

Every piece of text that comes from an article, a file name or the user goes through `safe`, which
escapes HTML and also the characters Markdown, KaTeX, URL autolinking and Gradio's HTML templates
would interpret. Only the tags written in this file reach the browser.
"""

from __future__ import annotations

import html
import re
from typing import Callable

from newsrag.index.html import has_markup
from newsrag.index.store import Article
from newsrag.ui.editorial import runs
from newsrag.ui.filters import DateReading, FilterForm

# Characters that Markdown, KaTeX ($), GFM autolinks (:) or JS/Handlebars templates (${ }) act on.
_INERT = str.maketrans({c: f"&#{ord(c)};" for c in "[]()*_`~$|\\#{}!:<>&\"'"})
_MARKER = re.compile(r"\[(\d+)\]")
_LINKABLE = re.compile(r"https?://[^\s\"'<>`]+")  # a plain web address; anything else is not linked
_BLANK_RUN = re.compile(r"\n[ \t\r\f\v]*\n(?:[ \t\r\f\v]*\n)+")


def safe(text: str) -> str:
    """`text` as inert HTML: no tag, entity, Markdown or template syntax survives."""
    return str(text).translate(_INERT)


def cite_link(turn: int, n: int) -> str:
    """A clickable [n]; the page script turns a click into a source-panel update."""
    return f'<a class="cite" href="#cite-{turn}-{n}" title="show source {n}">&#91;{n}&#93;</a>'


def answer_html(answer: str, turn: int, citations: list[dict] | None = None,
                editorial: list[dict] | None = None) -> str:
    """The answer text with its [n] markers as links and its editorial runs (our words, not the
    sources') marked, then one line per cited article."""
    known = {c["n"] for c in citations} if citations is not None else None
    parts = []
    for run in runs(answer, editorial):
        inner = _linked(answer, run.start, run.end, turn, known)
        if run.kind:
            tip = " ".join(run.tooltip().split())
            inner = (f'<span class="editorial" data-kind="{safe(run.kind)}" title="{safe(tip)}">{inner}'
                     f'<span class="sr-only"> (added by newsrag)</span></span>')
        parts.append(inner)
    body = "".join(parts).replace("\n", "<br>")  # a summary or comparison has one line per article or subject
    if citations is None:  # still streaming
        return body
    end = '<span class="answer-end"></span>'  # marks a finished answer (the browser test waits for it)
    return body + (sources_list(turn, citations) if citations else "") + end


def _linked(answer: str, start: int, end: int, turn: int, known: set[int] | None) -> str:
    """answer[start:end] escaped, its [n] markers (those of known citations) as links."""
    parts, last = [], start
    for m in _MARKER.finditer(answer, start, end):
        n = int(m.group(1))
        if known is not None and n not in known:
            continue
        parts.append(safe(answer[last:m.start()]))
        parts.append(cite_link(turn, n))
        last = m.end()
    parts.append(safe(answer[last:end]))
    return "".join(parts)


def sources_list(turn: int, citations: list[dict]) -> str:
    """"Sources: [1][3] Outlet · date · link  Title (file)" grouped by article, under an answer."""
    rows = []
    first = {c["source"]: c for c in sorted(citations, key=lambda c: -c["n"])}  # each article's lowest [n]
    for source, title, ns in by_article(citations):
        links = "".join(cite_link(turn, n) for n in ns)
        rows.append(f'<li>{links} {news_meta(first[source])}<span class="src-title">{safe(title)}</span> '
                    f'<span class="src-name">{safe(source)}</span></li>')
    return f'<div class="answer-sources">Sources<ul>{"".join(rows)}</ul></div>'


def news_meta(item: dict) -> str:
    """"Outlet · 2020-01-20 · link " for a citation or article; only what is known, the link only if http(s)."""
    parts = [f'<span class="src-outlet">{safe(item["outlet"])}</span>'] if item.get("outlet") else []
    if item.get("published"):
        parts.append(f'<span class="src-date">{safe(item["published"])}</span>')
    url = item.get("url") or ""
    if _LINKABLE.fullmatch(url):
        parts.append(f'<a class="src-link" href="{html.escape(url, quote=True)}" target="_blank" '
                     f'rel="noopener noreferrer nofollow">link</a>')
    return " · ".join(parts) + " " if parts else ""


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


def _is_markup(source: str, text: str) -> bool:
    """The stored text is a raw page (indexes from before pages were stored as read): decode its entities.
    A page stored as read is already decoded; decoding again would turn a literal "&amp;" into "&"."""
    return source.lower().endswith((".html", ".htm")) and has_markup(text)


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
            body = highlighted(shown[0], mine, focus, shown[1], _is_markup(source, shown[0]))
        tags = "".join(f"&#91;{n}&#93;" for n in ns)
        meta = news_meta(mine[0])
        cards.append(f'<section class="source-card" data-source="{safe(source)}">'
                     f'<header><h3>{safe(title)}</h3><div class="source-meta">{meta}{"· " if meta else ""}'
                     f'{safe(source)} · cited as {tags}</div></header>'
                     f'<div class="article-text">{body}</div></section>')
    return _panel(nonce, "".join(cards))


def _no_sources(closest: list[tuple[str, str]]) -> str:
    html_ = '<p class="panel-hint">No sources: the articles don\'t cover this question.</p>'
    if closest:
        items = "".join(f"<li>{open_link(s, t)} <span class=\"src-name\">{safe(s)}</span></li>" for s, t in closest)
        html_ += f'<div class="closest">Closest articles (click to read)<ul>{items}</ul></div>'
    return html_


def open_link(source: str, title: str) -> str:
    """An article title that, clicked, shows the whole article in the source panel."""
    return f'<a class="open-article src-title" href="#article" data-source="{safe(source)}">{safe(title or source)}</a>'


def article_panel(source: str, title: str, shown: tuple[str, str | None] | None, nonce: int = 0) -> str:
    """One whole article in the source panel, without highlights (opened from a list)."""
    if shown is None:
        return _panel(nonce, f'<p class="panel-hint">{safe(source)} is no longer indexed.</p>')
    body = highlighted(shown[0], [], None, shown[1], _is_markup(source, shown[0]))
    return _panel(nonce, f'<section class="source-card" data-source="{safe(source)}"><header><h3>{safe(title)}'
                         f'</h3><div class="source-meta">{safe(source)}</div></header>'
                         f'<div class="article-text">{body}</div></section>')


def _panel(nonce: int, inner: str) -> str:
    # The nonce makes every update a new value, so re-clicking a marker still scrolls to it. On a
    # narrow screen the panel sits below the chat: a link leads back up.
    return (f'<a class="back-to-chat" href="#chat">&#8593; Back to the chat</a>'
            f'<div class="source-panel" data-nonce="{int(nonce)}">{inner}</div>')


def articles_table(articles: list) -> str:
    """The indexed articles (index/store.py `Article`s) by title, file name second; every cell escaped."""
    if not articles:
        return '<p class="panel-hint">No articles indexed yet: upload some above.</p>'
    rows = "".join(f'<tr><td>{open_link(a.source, a.title)}</td><td class="src-name">{safe(a.source)}</td>'
                   f"<td>{news_meta(vars(a))}</td><td>{int(a.chunks)}</td></tr>" for a in articles)
    return (f'<table class="articles"><thead><tr><th>Title</th><th>File</th><th>Outlet · date</th>'
            f"<th>Passages</th></tr></thead><tbody>{rows}</tbody></table>")


def article_label(title: str, source: str) -> str:
    """How a menu names an article: its title, then its file name."""
    return f"{title} · {source}" if title and title != source else source


def confirm_html(title: str, source: str) -> str:
    return (f'<p class="confirm">Remove <b>{safe(title)}</b> <span class="src-name">({safe(source)})</span> '
            "from the index? Answers already given keep their quotes.</p>")


def removed_html(title: str, source: str) -> str:
    return (f'<p class="confirm">Removed <b>{safe(title)}</b> <span class="src-name">({safe(source)})</span>. '
            "You can undo this until you remove another article.</p>")


def hint_html(message: str = "", length: int = 0, limit: int = 0, unsent: bool = False) -> str:
    """The line under the question box: a message, and a characters-used counter near the limit.

    `unsent`: the question was taken from the box but not asked (the page puts it back).
    """
    over = " over" if limit and length > limit else ""
    count = f"{length:,} / {limit:,} characters" if limit and length > limit * 3 // 4 else ""
    flag = ' data-unsent="1" role="alert"' if unsent else ""
    return (f'<div class="q-hint"><span class="q-msg"{flag}>{safe(message)}</span>'
            f'<span class="q-count{over}" data-max="{int(limit)}">{count}</span></div>')


def date_note(reading: DateReading) -> str:
    """Next to a date filter: the day it was read as, or what is wrong."""
    if reading.error:
        return f'<div class="date-note bad" role="alert">{safe(reading.error)}</div>'
    if reading.iso and reading.typed != reading.iso:
        return f'<div class="date-note ok">Read as {safe(reading.iso)}</div>'
    return '<div class="date-note"></div>'


def filter_chips(form: FilterForm, titles: dict[str, str]) -> str:
    """The active filters as chips, each with a remove button; "All articles" when none is set.
    `titles` names the picked articles."""
    chips = [_chip("outlet", o, o) for o in form.outlets]
    for bound, reading in (("since", form.since), ("until", form.until)):
        if reading.typed:
            shown = reading.iso or f"“{reading.typed}”?"
            chips.append(_chip(bound, reading.typed, f"{bound} {shown}", bad=bool(reading.error)))
    chips += [_chip("source", s, _short(titles.get(s) or s, 32)) for s in form.sources]
    bad = ' data-bad="1"' if form.error else ""
    inner = "".join(chips) or '<span class="chips-none">All articles</span>'
    return f'<div class="chips"{bad}>{inner}</div>'


def _chip(kind: str, value: str, label: str, bad: bool = False) -> str:
    return (f'<span class="chip{" bad" if bad else ""}" data-kind="{kind}">{safe(label)}'
            f'<button type="button" class="chip-x" data-kind="{kind}" data-value="{safe(value)}" '
            f'aria-label="Remove filter {safe(label)}" title="Remove this filter">&#215;</button></span>')


def _short(text: str, limit: int) -> str:
    """`text` on one line, cut at a word boundary to at most `limit` characters ("…" added)."""
    text = " ".join(str(text).split())
    if len(text) <= limit:
        return text
    cut = text[:limit - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip(" ,;:–-") + "…"


def outlet_choices(articles: list[Article]) -> list[tuple[str, str]]:
    """The outlets the index knows, most articles first, as ("Reuters (3)", "Reuters") menu entries."""
    counts: dict[str, int] = {}
    for a in articles:
        if a.outlet:
            counts[a.outlet] = counts.get(a.outlet, 0) + 1
    return [(f"{o} ({n})", o) for o, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0].lower()))]


def article_choice(a: Article) -> tuple[str, str]:
    """One line per article in the Articles filter: its title (shortened), outlet and date."""
    known = [x for x in (a.outlet, a.published) if x]
    return " · ".join([_short(a.title or a.source, 60), *known] if known else
                      [_short(a.title or a.source, 60), a.source]), a.source


def thinking() -> str:
    """What an answer shows before its first words arrive."""
    return '<span class="thinking">Reading the articles…</span>'


def answer_message(result: dict, turn: int, notice: str | None = None) -> str:
    """A finished answer as shown in the chat: text with [n] links, its sources, any notice."""
    content = answer_html(result["answer"], turn, result["citations"], result.get("editorial"))
    notice = notice or result.get("notice")
    return content + (f'<div class="notice">{safe(notice)}</div>' if notice else "")


def conversation(results: list[dict]) -> list[dict]:
    """The chat messages for answers kept in the browser (after a reload)."""
    chat = []
    for turn, r in enumerate(results):
        chat += [{"role": "user", "content": safe(r["question"])},
                 {"role": "assistant", "content": answer_message(r, turn)}]
    return chat


def status_html(lines: list[tuple[str, str]]) -> str:
    """Upload results as (kind, message) lines; kind is ok, same or bad."""
    items = "".join(f'<li class="st-{k}">{safe(m)}</li>' for k, m in lines)
    return f'<ul class="upload-status">{items}</ul>'
