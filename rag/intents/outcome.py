"""The outcome rule: an event the articles describe only as planned has no outcome they can report.

Planned covers future and modal wording (will, may, is scheduled, is expected, plans to) and aims or
obligations (must, had to, aimed at): what should come of an event is not what came of it.

"What happened after the talks?" over articles written before the talks must be refused, not answered
with a pre-talks quote. Checked with tense and modality markers, no model.
"""

from __future__ import annotations

import re

from newsrag.rag.answer import Answer, refusal
from newsrag.rag.evidence import Candidate, Evidence
from newsrag.rag.intents.base import Rules
from newsrag.rag.query import Query
from newsrag.rag.question import Intent
from newsrag.index.terms import terms

PLANNED = re.compile(
    r"\b(will|would|may|might|shall|must|should|(had|has|have|need|needs) to|aim(s|ed)? (at|to)|"
    r"(is|are|was|were) (scheduled|expected|due|set|planned|slated|going) to|"
    r"(is|are) to (be|take|start|begin|hold|meet)|plans? to|planning to|intends? to|scheduled for|expected in|"
    r"to be held|upcoming|forthcoming|to (start|begin|hold|meet|open|resume) (talks|negotiations|a meeting))\b", re.I)
DONE = re.compile(
    r"\b(agreed|decided|concluded|ended|took place|(was|were) held|reached|signed|resulted|yielded|broke down|"
    r"collapsed|failed to agree|produced|adopted|outcome was|after the (talks|meeting|summit) (ended|concluded))\b",
    re.I)
_FRAME = frozenset(terms("happened happen agreed agree decided decide outcome outcomes result results conclusion "
                         "concluded achieved achieve signed sign settled settle deal agreement breakthrough reached"))


def event_terms(asked: Intent) -> set[str]:
    """The terms naming the event ("talks", "Geneva", "January 10"), without the outcome wording."""
    return set(terms(asked.topic)) - _FRAME


def handle(query: Query, evidence: Evidence, rules: Rules) -> Answer | None:
    """A refusal saying why when the event is known only as planned; else None (answer as usual)."""
    planned = only_planned(query.intent, evidence, rules.keep, rules.pool)
    return refusal(query.typed, planned) if planned else None


def only_planned(asked: Intent, evidence: Evidence, keep: float, pool: int) -> str | None:
    """The refusal notice when the best evidence describes the event only as planned, else None.

    Looks at the sentences scoring at least `keep` x the best (at most `pool`): refuses when the best
    one is planned (future or modal) and none reports the event as done.
    """
    if asked.kind != "outcome" or not evidence.candidates:
        return None
    best = evidence.candidates[0].score
    top = [c for c in evidence.candidates[:pool] if c.score >= keep * best]
    if not PLANNED.search(top[0].text) or any(DONE.search(c.text) and not PLANNED.search(c.text) for c in top):
        return None
    wanted = event_terms(asked)
    planned = [c for c in top if PLANNED.search(c.text)]
    example = max(planned, key=lambda c: (len(wanted & set(terms(c.text))), c.score))
    return f"The articles describe this only as planned ({_excerpt(example)})."


def _excerpt(c: Candidate, words: int = 14) -> str:
    """The planned clause of the sentence: up to five of its words before the marker, `words` in all, quoted."""
    m = PLANNED.search(c.text)
    clause = re.split(r"[,;:]\s", c.text[:m.start()])[-1].split()
    head = clause[-5:]
    tail = c.text[m.start():].split()
    text = " ".join(head + tail[:words - len(head)]).strip(" ,.;:“”\"")
    return f"“{text}…”" if len(tail) > words - len(head) else f"“{text}”"
