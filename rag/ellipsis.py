"""Elliptical follow-ups made whole: "When?" after "Where will the talks be held?" asks "When will the
talks be held?"; "And Blinken?" after "What did Lavrov say about the talks?" asks "What did Blinken
say about the talks?"; "Summarize that" summarizes what was just asked about.

A rewrite is a standalone question, answered like any other; anything else is left to the history-aware
retrieval (`Query.context`, rag/query.py).
"""

from __future__ import annotations

import re

from newsrag.rag.question import find_subject

_WH = r"(?:when|where|who|whom|why|how many|how much|how long|how|what|which)"
_AUX = r"(?:did|does|do|is|are|was|were|will|would|has|have|had|can|could|should|may|might)"
_BARE_WH = re.compile(rf"^\s*(?:and|but|so)?\s*(?P<wh>{_WH})\s*\??\s*$", re.I)
_LEADING_WH = re.compile(
    rf"^\s*(?:(?:in|on|at|to|from|for|by|with) )?(?:(?:what|which|whose) (?!{_AUX}\b)[\w-]+|how (?:many|much|long)"
    rf"(?: [\w-]+)?|{_WH})\b", re.I)
_SUBJECT_AFTER = re.compile(rf"^\s+{_AUX}\s+(?:[A-Z]|(?:the|a|an|he|she|they|it|this|that|these|those|his|her|"
                            rf"their|its)\b)")
_PREPOSITION = re.compile(r"^\s*(?:in|on|at|to|from|for|by|with) ", re.I)
_OTHER = re.compile(r"^\s*(?i:and|what about|how about|and what about)\s+(?i:the\s+)?(?P<x>[A-Z][\w’'.-]*"
                    r"(?:\s+[A-Z][\w’'.-]*)*)\s*\??\s*$")
_PRONOUN_SUMMARY = re.compile(r"^\s*(?:summari[sz]e|sum up|recap)\s+(?:that|this|it|them|those)\s*[.?!]?\s*$", re.I)
_NAME = re.compile(r"\b[A-Z][\w’'.-]*(?:\s+[A-Z][\w’'.-]*)*")


def standalone(question: str, history: list[dict] | None) -> str | None:
    """The follow-up rewritten as a question that stands alone, or None if it is not elliptical."""
    previous = None
    for turn in history or []:
        if isinstance(turn, dict) and turn.get("role") == "user" and isinstance(turn.get("content"), str):
            text = turn["content"].strip()
            if text:
                previous = rewrite(text, previous) or text  # earlier follow-ups resolved in turn
    return rewrite(question, previous) if previous else None


def rewrite(question: str, previous: str | None) -> str | None:
    if not previous:
        return None
    if m := _BARE_WH.match(question):
        lead = _LEADING_WH.match(previous)
        if lead is None or not _SUBJECT_AFTER.match(previous[lead.end():]):
            return None  # "How many troops are…" / "Who will lead…": the wh-words are the subject
        if " " in lead.group(0).strip() and not _PREPOSITION.match(lead.group(0)):
            return None  # "Which official said…": no adverbial to swap
        wh = m.group("wh")
        return f"{wh[0].upper()}{wh[1:].lower()}{previous[lead.end():]}"
    if m := _OTHER.match(question):
        who = find_subject(previous) or _last_name(previous)
        return previous.replace(who, m.group("x"), 1) if who else None
    if _PRONOUN_SUMMARY.match(question):
        return f"Summarize what the articles say about this: {previous}"
    return None


def _last_name(text: str) -> str | None:
    """The last capitalised name in the question, not its first word."""
    names = [m.group(0) for m in _NAME.finditer(text) if m.start() > 0]
    return names[-1] if names else None
