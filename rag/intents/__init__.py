"""Intents as a registry of handlers: how an answer is put together once the evidence is in.

A handler takes the Query, the evidence and the Rules and returns an Answer, or None to leave the
question to the answer backend (the extractive answerer, or a model): one fact, a list, a person's
own statements, "when and where" — rag/extractive.py. The handlers here quote and cite exactly as
it does, through the one citation builder (rag/cite.py):

  summarize  summary.py    one line per outlet, its most central statement (≤ 8 citations)
  compare    compare.py    the two sides' statements set against each other, or figures side by side
  timeline   timeline.py   every dated statement, in date order
  outcome    outcome.py    refuses, saying why, an event the articles know only as planned
  (any)      byline.py     "Who wrote …?", "What did <author> write …?": from the metadata, cited to the byline
  (any)      who_said.py   "Who said “…”?": the sentence holding those words and its speaker
  (any)      conflict.py   "how many": differing figures about the same thing, each cited
"""

from __future__ import annotations

from typing import Callable

from newsrag.rag.answer import Answer
from newsrag.rag.evidence import Evidence
from newsrag.rag.intents import byline, compare, conflict, outcome, summary, timeline, who_said
from newsrag.rag.intents.base import Rules
from newsrag.rag.query import Query

Handler = Callable[[Query, Evidence, Rules], "Answer | None"]

# Checked before the evidence rule may refuse: each settles the question its own way, saying why.
GUARDS: tuple[Handler, ...] = (outcome.handle, who_said.handle)
HANDLERS: dict[str, Handler] = {
    "summarize": summary.handle,
    "compare": compare.handle,
    "timeline": timeline.handle,
}
ANY: tuple[Handler, ...] = (conflict.handle,)  # whatever the intent

__all__ = ["byline", "GUARDS", "HANDLERS", "ANY", "Handler", "Rules", "handle"]


def handle(query: Query, evidence: Evidence, rules: Rules) -> Answer | None:
    """The first answer the intent's handler (or one for any intent) gives, or None (the backend answers)."""
    for handler in (HANDLERS.get(query.intent.kind), *ANY):
        if handler is not None and (answer := handler(query, evidence, rules)) is not None:
            return answer
    return None
