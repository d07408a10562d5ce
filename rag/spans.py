"""Candidate short-answer spans of a sentence and their generic features, from the parse stored at ingest.

A span is a run of tokens that could answer a question on its own: a stored entity, a noun's base
phrase ("the Assistant Secretary") or whole subtree ("the Assistant Secretary of State for ..."), a
date, amount or duration pattern. Its features say how it fits the question, in terms that hold for
any English text: expected answer type and wh-word against the span's entity label, part of speech
and dependency; how much of it the question already says (answers rarely repeat the question); how
far it sits from the question's words in the sentence, and on which side; its length; the sentence's
rank. rag/short.py weighs them with the model fitted by eval/fit_short.py.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass

from newsrag.rag import qtype
from newsrag.rag.evidence import Candidate
from newsrag.rag.question import Question
from newsrag.rag.terms import terms

MAX_TOKENS = 12  # longer subtrees are clauses, not answers
_NOUNISH = ("NOUN", "PROPN", "NUM", "PRON")
_EDGE = ("PUNCT", "SPACE", "CCONJ", "ADP", "PART")  # never the first or last token of an answer
_WH = re.compile(r"\b(how (?:many|much|long|far|old|often|big|large)|what|which|who|whom|whose|when|where|why|how)\b",
                 re.I)
_NEXT = re.compile(r"\b(?:what|which)\s+(\w+)", re.I)


@dataclass(frozen=True)
class Tok:
    start: int  # sentence offsets
    end: int
    pos: str
    dep: str
    head: int


@dataclass(frozen=True)
class Span:
    """A candidate answer: `text == candidate.quote[start - candidate.start:end - candidate.start]`."""

    candidate: Candidate
    start: int  # article offsets
    end: int
    text: str
    features: dict


def fits(span: Span) -> bool:
    """The span is an entity of a label the question's type calls for, or holds a date / amount / duration
    the type asks for."""
    return span.features.get("fits") == 1.0 or any(k.endswith("|has_pattern=True") for k in span.features)


def abbreviated(text: str, question: str) -> bool:
    """The question names this entity by its initials: "the United States" / "US-Russia talks"."""
    initials = "".join(w[0] for w in re.findall(r"[A-Z][\w’'-]*", text))
    return len(initials) > 1 and re.search(rf"\b{initials}\b", question) is not None


def tokens(c: Candidate) -> list[Tok]:
    """The sentence's stored parse (empty for rows indexed before it was stored)."""
    return [Tok(*t) for t in json.loads(c.toks or "[]")]


def question_view(question: Question, context: str = "") -> dict:
    """What the features need of the question, computed once per question."""
    m = _WH.search(question.text)
    nxt = _NEXT.search(question.text)
    return {"type": question.answer_type or "none", "labels": question.labels,
            "wh": m.group(1).lower() if m else "none", "next": nxt.group(1).lower() if nxt else "",
            "asked": set(terms(question.text)) | set(terms(context)), "text": question.text.lower(),
            "original": question.text}


def spans(c: Candidate, q: dict, rank: int) -> list[Span]:
    """Every candidate span of sentence `c` (the `rank`-th best cited) with its features."""
    toks = tokens(c)
    if not toks:
        return []
    stems = [set(terms(c.quote[t.start:t.end])) for t in toks]
    matched = [i for i, s in enumerate(stems) if s & q["asked"]]
    out = []
    for (i, j), kinds in _ranges(c, toks).items():
        text = c.quote[toks[i].start:toks[j - 1].end]
        own = set().union(*stems[i:j])
        if not own or 2 * len(own & q["asked"]) >= len(own) or text.lower() in q["text"] \
                or abbreviated(text, q["original"]):
            continue  # the question's own words are not its answer ("US White House", "the United States" for "US")
        if q["type"] == "duration" and not qtype.DURATION.search(text):
            continue  # "How long...?" is answered by a length of time ("about four hours"), not "year-end"
        f = _features(c, toks, i, j, kinds, own, matched, q, rank)
        out.append(Span(c, c.start + toks[i].start, c.start + toks[j - 1].end, text, f))
    return out


def _ranges(c: Candidate, toks: list[Tok]) -> dict[tuple[int, int], set[str]]:
    """Token ranges [i, j) of the candidate spans, each with how it was found (entity label, np, tree, pattern)."""
    out: dict[tuple[int, int], set[str]] = {}

    def add(i: int, j: int, kind: str) -> None:
        while i < j and toks[i].pos in _EDGE + ("DET",):
            i += 1
        while j > i and toks[j - 1].pos in _EDGE:
            j -= 1
        if 0 < j - i <= MAX_TOKENS:
            out.setdefault((i, j), set()).add(kind)

    at = {t.start: i for i, t in enumerate(toks)}
    ends = {t.end: i + 1 for i, t in enumerate(toks)}
    for label, s, e in c.ents:
        s, e = s - c.start, e - c.start
        if s in at and e in ends:
            add(at[s], ends[e], "ent:" + label)
    left, right = edges(toks)
    for i, t in enumerate(toks):
        if t.pos in _NOUNISH or t.pos == "ADJ":
            add(_base_left(toks, i), i + 1, "np")
            add(left[i], right[i] + 1, "tree")
    for kind in ("date", "number", "duration"):
        for m in qtype.PATTERNS[kind].finditer(c.quote):
            if m.start() in at and m.end() in ends:
                add(at[m.start()], ends[m.end()], "pat:" + kind)
    return out


def edges(toks: list[Tok]) -> tuple[list[int], list[int]]:
    """Leftmost and rightmost token of each token's subtree (from the stored heads)."""
    left, right = list(range(len(toks))), list(range(len(toks)))
    for i in range(len(toks)):
        seen, h = {i}, toks[i].head
        while h not in seen and 0 <= h < len(toks):  # every ancestor's subtree holds token i
            left[h], right[h] = min(left[h], i), max(right[h], i)
            seen.add(h)
            h = toks[h].head
    return left, right


def _base_left(toks: list[Tok], i: int) -> int:
    """Start of the base noun phrase ending at token i: its contiguous left modifiers."""
    j = i
    while j > 0 and toks[j - 1].head in range(j, i + 1) and toks[j - 1].dep in (
            "det", "amod", "compound", "nummod", "poss", "nmod", "quantmod", "advmod", "case", "npadvmod"):
        j -= 1
    return j


def _features(c: Candidate, toks: list[Tok], i: int, j: int, kinds: set[str], own: set[str],
              matched: list[int], q: dict, rank: int) -> dict:
    head = _head(toks, i, j)
    label = next((k[4:] for k in sorted(kinds) if k.startswith("ent:")), "")
    shape = label or ("NUM" if any(k.startswith("pat:") for k in kinds) else toks[head].pos)
    outside = [m for m in matched if not i <= m < j]
    gap = min((i - m if m < i else m - j + 1 for m in outside), default=len(toks))
    side = "none" if not outside else ("left" if min(outside, key=lambda m: abs(m - i)) < i else "right")
    verb = _governor(toks, head)
    verb_asked = verb is not None and verb in matched
    n = min(j - i, 8)
    t, wh = q["type"], q["wh"]
    f = {"bias_span": 1.0, "asked_share": len(own & q["asked"]) / len(own), "log_gap": math.log1p(gap) / 3,
         "near3": float(sum(1 for m in outside if m >= i - 3 and m < j + 3)) / 3, "length": (j - i) / 10,
         "rank": float(rank), "score": c.score, "entity": float(bool(label)), "verb_asked": float(verb_asked),
         f"side={side}": 1.0, f"len={n}": 1.0, f"dep={toks[head].dep}": 1.0,
         f"type={t}|shape={shape}": 1.0, f"wh={wh}|shape={shape}": 1.0, f"type={t}|pos={toks[head].pos}": 1.0,
         f"wh={wh}|dep={toks[head].dep}": 1.0, f"wh={wh}|len={n}": 1.0, f"type={t}|side={side}": 1.0,
         f"wh={wh}|verb_asked={verb_asked}": 1.0, f"wh={wh}|prev={_prev(c, toks, i)}": 1.0}
    for k in kinds:
        f[f"kind={k.split(':')[0]}"] = 1.0
        f[f"type={t}|kind={k}"] = 1.0
    f["asked_name"] = float(any(toks[k].pos == "PROPN" and k in matched for k in range(i, j)))  # names the question's
    inner = {toks[k].pos for k in range(i + 1, j - 1)}
    f["inner_punct"] = float("PUNCT" in inner)
    f["fits"] = float(label in q["labels"])  # an entity of a label the question's type calls for
    f["fits_first"] = float(bool(label) and q["labels"][:1] == (label,))
    if t in qtype.PATTERNS:  # holds a date / amount / duration, as the type asks
        f[f"type={t}|has_pattern={bool(qtype.PATTERNS[t].search(c.quote[toks[i].start:toks[j - 1].end]))}"] = 1.0
    if q["next"]:
        f[f"next={q['next']}|shape={shape}"] = 1.0
    return f


def _head(toks: list[Tok], i: int, j: int) -> int:
    """The span's syntactic head: the token whose head lies outside the span (the last such)."""
    inside = [k for k in range(i, j) if not i <= toks[k].head < j or toks[k].head == k]
    return inside[-1] if inside else j - 1


def _governor(toks: list[Tok], k: int) -> int | None:
    """The nearest verb above token k (the predicate the span is an argument of)."""
    seen = {k}
    while toks[k].head not in seen:
        k = toks[k].head
        seen.add(k)
        if toks[k].pos in ("VERB", "AUX"):
            return k
    return None


def _prev(c: Candidate, toks: list[Tok], i: int) -> str:
    """The preposition right before the span ("in", "by"...), or its part of speech."""
    if i == 0:
        return "start"
    t = toks[i - 1]
    return c.quote[t.start:t.end].lower() if t.pos == "ADP" else t.pos
