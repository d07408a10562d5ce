"""An answer, or a whole conversation, as Markdown: each [n] becomes a numbered footnote naming the
source file, outlet, date and character offsets, then quoting the cited span verbatim, once.

Quotes are copied exactly as cited, never escaped or re-wrapped, and set as a block quote rather
than between quotation marks (a span that is itself a quotation would read ““…””): the file is a
record to check against, so the exact words matter more than how a Markdown viewer draws them.
Our own words in an answer (its `editorial` ranges: labels, insertions, resolved dates) are in
italics, with a line saying so.
"""

from __future__ import annotations

import re

from newsrag.ui.editorial import runs

_MARKER = re.compile(r"\[(\d+)\]")


def conversation_markdown(results: list[dict]) -> str:
    """Every answer so far, in order, with one footnote list numbered across the conversation."""
    parts, notes = ["# Conversation with newsrag\n", *_legend(results)], []
    for result in results:
        body, mine = _answer_body(result, len(notes) + 1)
        parts.append(body)
        notes += mine
    return "\n".join(parts + _footnotes(notes))


def answer_markdown(result: dict) -> str:
    """One answer with its footnotes."""
    body, notes = _answer_body(result, 1)
    return "\n".join(["# Answer from newsrag\n", *_legend([result]), body] + _footnotes(notes))


def _answer_body(result: dict, first: int) -> tuple[str, list[str]]:
    """The question and answer with markers renumbered from `first`; the footnote lines."""
    cites = {c["n"]: c for c in result.get("citations") or []}
    number = {n: first + i for i, n in enumerate(sorted(cites))}

    def footnote(m: re.Match) -> str:
        n = int(m.group(1))
        return f"[^{number[n]}]" if n in number else m.group(0)

    question = " ".join(str(result.get("question", "")).split())
    answer = str(result.get("answer", ""))
    pieces = [(_MARKER.sub(footnote, answer[r.start:r.end]), r.kind) for r in runs(answer, result.get("editorial"))]
    text = "".join(_italic(p) if kind else p for p, kind in pieces)
    if result.get("notice"):
        text += f"\n\n_{result['notice']}_"
    notes = [f"[^{number[n]}]: {quote_line(cites[n])}" for n in sorted(cites)]
    return f"## {question}\n\n{text}\n", notes


OURS = "_Words in italics are newsrag's (labels, inserted names, resolved dates, attributions), not the sources'._"


def _legend(results: list[dict]) -> list[str]:
    """The line explaining the italics, once, when some answer has words of ours."""
    return [OURS + "\n"] if any(r.get("editorial") for r in results) else []


def _italic(text: str) -> str:
    """*text*, with the spaces and separating commas around it kept outside the asterisks (Markdown
    opens no emphasis on "troops*, Blinken said*")."""
    core = text.strip().lstrip(",;").strip()
    if not core:
        return text
    start = text.index(core)
    return f"{text[:start]}*{core}*{text[start + len(core):]}"


def quote_line(citation: dict) -> str:
    """"file, start–end · outlet · date · title · url" then, indented, the span exactly as cited.

    Outlet and date say when they are unknown; the title and URL appear when known.
    """
    where = [f"{citation.get('source')}, {citation.get('start')}–{citation.get('end')}",
             citation.get("outlet") or "outlet unknown", citation.get("published") or "date unknown"]
    if citation.get("title") and citation.get("title") != citation.get("source"):
        where.append(str(citation["title"]))
    if citation.get("url"):
        where.append(str(citation["url"]))
    return " · ".join(where) + "\n    > " + str(citation["text"])


def _footnotes(notes: list[str]) -> list[str]:
    """The footnotes, a blank line apart (a footnote's quote must not run into the next one)."""
    return ["", "\n\n".join(notes), ""] if notes else [""]
