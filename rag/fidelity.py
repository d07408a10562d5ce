"""Fidelity: every statement of an answer is the verbatim text of what it cites, or marked as ours.

`unfaithful(answer)` takes the `--json` dict and returns the pieces of its text that are neither: take
out the editorial ranges (labels, insertions, resolved dates, attributions: `answer["editorial"]`) and
the markers, and each remaining piece must appear, whitespace aside, in the quotes its markers cite.
Punctuation joining statements ("Geneva [1]. According to…") is not a statement. A model's answer is
its own wording, checked by the support check instead (rag/llm/verify.py).
"""

from __future__ import annotations

import re

_GROUP = re.compile(r"(?:\s*\[\d+\])+")
_CUT = "\x00"
_JOINS = " \n\t.,;:—–-"


def _norm(text: str) -> str:
    return " ".join(text.split())


def unfaithful(answer: dict) -> list[str]:
    """The answer's pieces that are neither verbatim from the quotes they cite nor marked editorial."""
    if not answer.get("answerable") or not answer.get("citations"):
        return []
    text = list(answer["answer"])
    for e in answer.get("editorial") or []:
        text[e["start"]:e["end"]] = [_CUT] * (e["end"] - e["start"])
    text = "".join(text)
    quotes = {c["n"]: _norm(c["text"]) for c in answer["citations"]}
    bad, at = [], 0
    for m in list(_GROUP.finditer(text)) + [None]:
        segment = text[at:m.start() if m else len(text)]
        cited = " ".join(quotes.get(int(n), "") for n in re.findall(r"\d+", m.group(0))) if m else ""
        for piece in segment.split(_CUT):
            piece = _norm(piece).strip(_JOINS)
            if piece and piece not in cited:
                bad.append(piece)
        at = m.end() if m else len(text)
    return bad
