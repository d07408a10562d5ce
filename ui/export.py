"""An answer, or a whole conversation, as Markdown: each [n] becomes a numbered footnote quoting the
cited span verbatim, with its article's title and file (and outlet, date and URL when known).

Quotes are copied exactly as cited, never escaped or re-wrapped: the file is a record to check
against, so the exact words matter more than how a Markdown viewer draws them.
"""

from __future__ import annotations

import re

_MARKER = re.compile(r"\[(\d+)\]")


def conversation_markdown(results: list[dict]) -> str:
    """Every answer so far, in order, with one footnote list numbered across the conversation."""
    parts, notes = ["# Conversation with newsrag\n"], []
    for result in results:
        body, mine = _answer_body(result, len(notes) + 1)
        parts.append(body)
        notes += mine
    return "\n".join(parts + _footnotes(notes))


def answer_markdown(result: dict) -> str:
    """One answer with its footnotes."""
    body, notes = _answer_body(result, 1)
    return "\n".join(["# Answer from newsrag\n", body] + _footnotes(notes))


def _answer_body(result: dict, first: int) -> tuple[str, list[str]]:
    """The question and answer with markers renumbered from `first`; the footnote lines."""
    cites = {c["n"]: c for c in result.get("citations") or []}
    number = {n: first + i for i, n in enumerate(sorted(cites))}

    def footnote(m: re.Match) -> str:
        n = int(m.group(1))
        return f"[^{number[n]}]" if n in number else m.group(0)

    question = " ".join(str(result.get("question", "")).split())
    text = _MARKER.sub(footnote, str(result.get("answer", "")))
    if result.get("notice"):
        text += f"\n\n_{result['notice']}_"
    notes = [f"[^{number[n]}]: {quote_line(cites[n])}" for n in sorted(cites)]
    return f"## {question}\n\n{text}\n", notes


def quote_line(citation: dict) -> str:
    """"the cited span" — Title (file; outlet; date; url), the span exactly as cited."""
    where = [citation.get("source"), citation.get("outlet"), citation.get("published"), citation.get("url")]
    where = "; ".join(str(w) for w in where if w)
    return f"“{citation['text']}” — {citation.get('title') or citation.get('source')} ({where})"


def _footnotes(notes: list[str]) -> list[str]:
    return ["", *notes, ""] if notes else [""]
