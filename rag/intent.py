"""What the question wants done: one fact, a list, a comparison, a summary, a timeline, or an event's outcome.

Regular expressions over the question's wording, no model: the intent chooses how the answer is
composed (the handlers of rag/intents/) and whether an outcome can be known at all (rag/intents/outcome.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from newsrag.rag.terms import terms

INTENTS = ("fact", "list", "compare", "summarize", "timeline", "outcome")

_SOURCES = r"(articles?|outlets?|sources?|reports?|papers?|stories|story|coverage|media)"
_RULES = [
    ("summarize", re.compile(
        rf"^\s*(summari[sz]e|sum up|recap|outline)\b|\b(summary|overview|rundown|gist|main points|key points)\b|"
        rf"\bwhat (does|do|did) (each|every|all( the)?|the various|the different) {_SOURCES}\b", re.I)),
    ("compare", re.compile(
        rf"^\s*(compare|contrast)\b|\b(compare|comparison|versus|vs\.?)\b|"
        rf"\b{_SOURCES}\b.*\b(differ|disagree|agree|diverge)|\b(differ|disagree|diverge)\b.*\b{_SOURCES}\b|"
        rf"\bdifferences? between\b", re.I)),
    ("timeline", re.compile(
        r"\b(timeline|chronolog\w*|sequence of events|order of events|key dates|(in )?what order|"
        r"what happen(s|ed) (next|when)|schedule of)\b", re.I)),
    ("outcome", re.compile(
        r"\bwhat (has |have )?(happened|came out of|resulted|was (agreed|decided|achieved|concluded|signed|settled)|"
        r"were the (results?|outcomes?|decisions?|conclusions?)|was the (results?|outcomes?|decisions?|conclusions?))\b|"
        r"\b(outcome|results?|conclusions?) of\b|"
        r"\bwhat did .{1,80}\b(agree|decide|conclude|achieve|sign|settle)\b|"
        r"\b(did|have|has) .{1,80}\b(agree|agreed|decide|decided|reach(ed)? (a|an) (deal|agreement))\b|"
        r"\bwas (a|an|any) (deal|agreement|breakthrough) reached\b|"
        r"\bhow did .{1,60}\b(end|go|turn out|conclude)\b|\b(was|were) (the|their|its) .{1,60}\b(a )?(success|"
        r"failure|successful|productive)\b|"
        r"\b(after|following|since) (the |their |its |this |that )?([\w-]+ ){0,3}(talks|meetings?|summit|negotiations|"
        r"conference|session|vote|election|referendum|hearing|visit)\b|"
        r"\b(did|was|were|led|attended|headed|chaired|signed|participated|took part)\b.{0,80}\b(at|during) "
        r"(the|their|its) ([\w-]+ ){0,3}(talks|meetings?|summit|negotiations|conference|session)\b", re.I)),
    ("list", re.compile(
        r"^\s*(list|name|enumerate|give (me )?(all|the) )\b|"
        r"^\s*(which|what) (\w+ )?\w+[^s\W]s (are|were|do|does|did|have|has|will)\b", re.I)),
]
# Words that say how to answer, not what about: left out of the topic a summary or comparison is about.
_FRAME = frozenset(terms(
    "summarize summarise summary sum up recap outline overview rundown gist main key points compare comparison "
    "contrast versus vs differ differences disagree agree diverge article articles outlet outlets source sources "
    "report reports reported reporting paper papers story stories coverage media number numbers figure figures "
    "estimate estimates count counts give brief briefly short various different every all each "
    "timeline chronology chronological happened happens"))
_QUANTITY = re.compile(r"\b(numbers?|figures?|estimates?|counts?|how (many|much)|totals?|sizes?|amounts?)\b", re.I)


@dataclass(frozen=True)
class Intent:
    """The question's intent; `topic` is what it is about without the framing ("" if nothing is left)."""

    kind: str
    topic: str
    quantity: bool = False  # asks about numbers ("Compare the troop numbers reported")


def detect(question: str) -> Intent:
    """The first matching rule's intent, else "fact"."""
    kind = next((name for name, pattern in _RULES if pattern.search(question)), "fact")
    return Intent(kind, topic(question), bool(_QUANTITY.search(question)))


def topic(question: str) -> str:
    """The question's words minus stop words and framing words, in order ("Compare the troop numbers" -> "troop")."""
    words = re.findall(r"[\w’'-]+", question)
    return " ".join(w for w in words if (t := terms(w)) and not set(t) <= _FRAME)
