"""What is asked, analysed once: the frozen `Query` every stage of the chain receives.

The analyse stage validates the question, rewrites a follow-up to stand alone ("When?" -> "When will
the talks be held?"), and reads off everything later stages need: the intent, the kind of answer
expected, the person or title asked about, the parts of "when and where", a quotation whose speaker
is asked for, the filters. No later stage goes back to the question text to find these again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from newsrag.errors import InputError
from newsrag.rag import ellipsis, intent, predicate, qtype
from newsrag.rag.filters import Filters
from newsrag.rag.question import Question, Role, analyze_question, find_role, split_wh

from newsrag.rag.answer import NOT_COVERED
_MARKERS = re.compile(r"\s*\[\d+\]")
# "Who said “We want this talk”?": the quotation whose speaker is asked for (at least two words)
_WHO_SAID = re.compile(r"^\s*(?:who|which \w+)\s+(?:said|says|told|wrote|stated)\b[^“\"]*[“\"](?P<q>[^”\"]+\s[^”\"]+)[”\"]",
                       re.I)


@dataclass(frozen=True)
class Query:
    typed: str  # what the user typed
    text: str  # the question standing alone: `typed`, or its rewrite in the light of the last turn
    intent: intent.Intent  # fact, list, compare, summarize, timeline or outcome, and the topic
    expected: str | None  # the kind of answer asked for: number, date, place, name, duration (rag/qtype.py)
    asked: Question  # who it is about and what about them (rag/question.py)
    role: Role | None  # a title asked about ("Russia's foreign minister")
    parts: tuple[str, ...]  # "When and where…?" -> ("When…?", "Where…?"); one part otherwise
    quoted: str | None  # the quotation of "Who said “…”?"
    verb: frozenset[str]  # the action "What did X VERB?" asks the object of (rag/predicate.py), or empty
    context: str | None  # the last exchange joined to this question (retrieval for a follow-up), or None
    previous: str | None  # the user's last question, if any
    filters: Filters = field(default_factory=Filters)
    k: int | None = None
    history: tuple = ()

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
    whole = ellipsis.standalone(typed, list(history))
    text = whole or typed
    users = [t["content"] for t in history if t.get("role") == "user" and t["content"].strip()]
    context = None
    if users and not whole:  # a rewritten follow-up already stands alone
        context = " ".join(p for p in (users[-1], last_reply(history)[:200], text) if p)
    quoted = _WHO_SAID.search(text)
    return Query(typed, text, intent.detect(text), qtype.expected(text), analyze_question(text), find_role(text),
                 tuple(split_wh(text)), quoted.group("q").strip(" ,.") if quoted else None, predicate.asked_verb(text),
                 context,
                 users[-1] if users else None, input.get("filters") or Filters(), input.get("k"), history)


def last_reply(history) -> str:
    """The assistant's last answer without its markers ("" after a refusal)."""
    for turn in reversed(list(history or [])):
        if isinstance(turn, dict) and turn.get("role") == "assistant" and isinstance(turn.get("content"), str):
            reply = turn["content"]
            return "" if reply.startswith(NOT_COVERED) else " ".join(_MARKERS.sub("", reply).split())
    return ""
