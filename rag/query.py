"""What is asked, analysed once: the frozen `Query` every stage of the chain receives.

The analyse stage validates the question, rewrites a follow-up to stand alone ("When?" -> "When will
the talks be held?"), and reads off everything later stages need: the intent, the kind of answer
expected, the person or title asked about, the parts of "when and where", a quotation whose speaker
is asked for, what a "how many" question counts, the filters (the wording is read by rag/question.py).
No later stage goes back to the question text to find these again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from newsrag.errors import InputError
from newsrag.rag.answer import NOT_COVERED
from newsrag.rag.filters import Filters
from newsrag.rag.question import (Byline, Intent, Role, asks_position, byline, counted, detect, expected,
                                  figures, find_role, find_subject, names, split_wh, standalone)

_MARKERS = re.compile(r"\s*\[\d+\]")
# "Who said “We want this talk”?": the quotation whose speaker is asked for (at least two words)
_WHO_SAID = re.compile(  # the quotation in double quotes, or in single ones ending the question ("Who said 'we won'?")
    r"^\s*(?:who|which \w+)\s+(?:said|says|told|wrote|stated)\b.*?(?:[“\"](?P<q>[^”\"]+\s[^”\"]+)[”\"]"
    r"|(?<!\w)[‘'](?P<s>[^“”\"]+\s[^“”\"]+?)[’'](?!\w)\W*$)", re.I)


@dataclass(frozen=True)
class Query:
    typed: str  # what the user typed
    text: str  # the question standing alone: `typed`, or its rewrite in the light of the last turn
    intent: Intent  # fact, list, compare, summarize, timeline or outcome, and the topic
    expected: str | None  # the kind of answer asked for: number, date, place, name, duration
    subject: str | None  # the person or body it names as a speaker or holder of a view ("Lavrov")
    position: bool  # asks what `subject` says or thinks: answered by their statements, not a span
    role: Role | None  # a title asked about ("Russia's foreign minister")
    parts: tuple["Query", ...]  # "When and where…?" -> the Queries of "When…?" and "Where…?"; () otherwise
    quoted: str | None  # the quotation of "Who said “…”?"
    counted: frozenset[str]  # the terms of what "how many/much" counts (else the topic's)
    money: bool  # asks about money (sums of money count as figures)
    one_speaker: bool  # asks for one speaker's figure ("according to Biden"): no "Reports differ"
    said: frozenset[str]  # the words and numbers the question says itself (never its answer)
    names: tuple[str, ...]  # capitalised words after the first: the sides of a comparison
    byline: Byline | None  # a question about who wrote an article or what an author wrote
    context: str | None  # the last exchange joined to this question (retrieval for a follow-up), or None
    previous: str | None  # the user's last question, if any
    reply: str  # the assistant's last answer without its markers ("" if none, or a refusal)
    filters: Filters = field(default_factory=Filters)
    k: int | None = None

    @classmethod
    def of(cls, question: str) -> "Query":
        """A question alone (no history, filters or length limit): for scripts and evidence built by hand."""
        return analyse({"question": question}, 10**6)

    @property
    def wide(self) -> bool:
        """A summary, comparison or timeline: wants every outlet's view, not one fact."""
        return self.intent.kind in WIDE


WIDE = frozenset({"summarize", "compare", "timeline"})


def validate(question: Any, max_chars: int) -> str:
    """The question, stripped; an InputError (shown to the user) if it is empty or too long."""
    if not isinstance(question, str) or not question.strip():
        raise InputError("the question is empty")
    question = question.strip()
    if len(question) > max_chars:
        raise InputError(f"the question is too long ({len(question):,} characters; the limit is {max_chars:,})")
    return question


def analyse(input: dict, max_chars: int) -> Query:
    """The chain's input {"question", "history", "k", "filters"} as a Query."""
    typed = validate(input.get("question"), max_chars)
    history = tuple(t for t in (input.get("history") or []) if isinstance(t, dict) and isinstance(t.get("content"), str))
    whole = standalone(typed, list(history))
    text = whole or typed
    users = [t["content"] for t in history if t.get("role") == "user" and t["content"].strip()]
    reply, context = last_reply(history), None
    if users and not whole:  # a rewritten follow-up already stands alone
        context = " ".join(p for p in (users[-1], reply[:200], text) if p)
    filters, k, split = input.get("filters") or Filters(), input.get("k"), split_wh(text)
    parts = tuple(analyse({"question": p, "filters": filters, "k": k}, max_chars) for p in split) if split[1:] else ()
    quoted = _WHO_SAID.search(text)
    intent, subject = detect(text), find_subject(text)
    return Query(typed, text, intent, expected(text), subject, asks_position(text, subject), find_role(text), parts,
                 (quoted.group("q") or quoted.group("s")).strip(" ,.") if quoted else None, counted(text, intent.topic), *figures(text),
                 names(text), byline(text), context,
                 users[-1] if users else None, reply, filters, k)


def last_reply(history) -> str:
    """The assistant's last answer without its markers ("" after a refusal)."""
    for turn in reversed(list(history or [])):
        if isinstance(turn, dict) and turn.get("role") == "assistant" and isinstance(turn.get("content"), str):
            reply = turn["content"]
            return "" if reply.startswith(NOT_COVERED) else " ".join(_MARKERS.sub("", reply).split())
    return ""
