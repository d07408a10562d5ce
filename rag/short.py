"""The short answer: the entity, number, date or phrase itself ("Karen Donfried"), as an exact span
of a cited sentence, so it can be shown first and highlighted inside that sentence.

The candidate spans of the best cited sentences (rag/spans.py, from the parse stored at ingest) are
weighed by a logistic model fitted on SQuAD 2.0 dev's even half (eval/fit_short.py, rag/short.json,
docs/short-answers.md); the best one is given when its probability clears the threshold for typed
("Who...?", "When...?") or untyped questions. Two questions are answered by rule: "Which official
said...?" by the speaker, "Who is NAME?" by the description the sentence gives of NAME (a title, an
apposition), never by another name. Sentences indexed before the parse was stored fall back to the
stored entity of the expected label closest to the question's words.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from newsrag.rag import spans as S
from newsrag.rag.evidence import Candidate
from newsrag.rag.qtype import DURATION
from newsrag.rag.question import Question
from newsrag.rag.terms import terms

MODEL = Path(__file__).with_name("short.json")
TOP = 3  # best cited sentences searched for the span
ENTITY_MARGIN = 0.1  # a whole entity beats a part of it this much less probable (even half: typed F1 +0.001)

TYPED = frozenset(("person", "org", "date", "place", "number", "duration"))
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Short:
    """A short answer: `text == original[start:end]`, inside the sentence `candidate`."""

    candidate: Candidate
    start: int
    end: int
    text: str


def short_answer(question: Question, ranked: list[Candidate], context: str = "") -> Short | None:
    """The short answer from the best cited sentences (`ranked`: best first), or None when the span
    model is not confident enough (see the module docstring).

    `context` is the retrieval query of a follow-up (the last exchange joined to the question):
    what it already says is not new either.
    """
    typed = question.answer_type in TYPED
    if typed and question.asks_speaker:
        for c in ranked:
            found = _speaker_span(c)
            if found:
                return found
    name = described_name(question.text)
    if name:
        return next((d for c in ranked if (d := description(c, name))), None)
    if ranked and not any(S.tokens(c) for c in ranked[:TOP]):  # indexed before the parse was stored
        return _stored_entity(question, ranked, context) if typed else None
    best = best_span(question, ranked, context)
    if best is None:
        return None
    span, p = best
    model = load_model()
    return Short(span.candidate, span.start, span.end, span.text) if p >= model.threshold(typed) else None


def best_span(question: Question, ranked: list[Candidate], context: str = "") -> tuple[S.Span, float] | None:
    """The chosen candidate span of the `TOP` best sentences, with its probability."""
    q = S.question_view(question, context)
    found = [s for rank, c in enumerate(ranked[:TOP]) for s in S.spans(c, q, rank)]
    return choose(found, question.answer_type in TYPED, load_model())


def choose(found: list[S.Span], typed: bool, model: Model) -> tuple[S.Span, float] | None:
    """The most probable span. A typed question considers only the spans of its type when there are
    any (neutral on the fitting half, and "Which TV network...?" keeps its ORG, not a longer phrase)."""
    if typed:
        found = [s for s in found if S.fits(s)] or found
    scored = [(s, model.probability(s.features)) for s in found]
    best = max(scored, key=lambda x: x[1], default=None)
    return best and _whole_entity(best, scored)


def _whole_entity(best: tuple[S.Span, float], scored: list[tuple[S.Span, float]],
                  margin: float = ENTITY_MARGIN) -> tuple[S.Span, float]:
    """The entity holding the best span ("about four hours" around "four hours") if nearly as probable."""
    span, p = best
    around = [(s, q) for s, q in scored if s.candidate is span.candidate and s.features.get("entity")
              and s.start <= span.start and span.end <= s.end and s.text != span.text and q >= p - margin]
    return max(around, key=lambda x: x[1], default=best)


@dataclass(frozen=True)
class Model:
    """Logistic weights by feature name (rag/short.json); missing features weigh nothing."""

    weights: dict
    bias: float
    typed: float  # probability a typed question's best span needs to be given
    untyped: float

    def probability(self, features: dict) -> float:
        z = self.bias + sum(self.weights.get(k, 0.0) * v for k, v in features.items())
        return 1 / (1 + math.exp(-max(-30.0, min(30.0, z))))

    def threshold(self, typed: bool) -> float:
        return self.typed if typed else self.untyped


@lru_cache(maxsize=4)
def load_model(path: Path = MODEL) -> Model:
    """The committed span model; without the file (before the first fit) every span weighs the same."""
    if not path.is_file():
        return Model({}, 0.0, 0.0, 1.0)
    data = json.loads(path.read_text(encoding="utf-8"))
    return Model(data["weights"], data["bias"], data["threshold"]["typed"], data["threshold"]["untyped"])


def _stored_entity(question: Question, ranked: list[Candidate], context: str) -> Short | None:
    asked = set(terms(question.text)) | set(terms(context))
    for c in ranked:
        found = _best_entity(c, question, asked)
        if found:
            return found
    return None


def _best_entity(c: Candidate, question: Question, asked: set[str]) -> Short | None:
    options = []
    for label, start, end in c.ents:
        if label not in question.labels or not c.start <= start < end <= c.end:
            continue
        text = c.quote[start - c.start:end - c.start]
        own = set(terms(text))
        if not own or own <= asked or text.lower() in question.text.lower() or S.abbreviated(text, question.text):
            continue  # the question's own words are not its answer ("the United States" for "US")
        if question.answer_type == "duration" and not DURATION.search(text):
            continue
        options.append((question.labels.index(label), _distance(c, start, end, asked), start, end, text))
    if not options:
        return None
    _, _, start, end, text = min(options)
    return Short(c, start, end, text)


def _distance(c: Candidate, start: int, end: int, asked: set[str]) -> int:
    """Characters from the entity to the nearest word the sentence shares with the question."""
    near = [m.start() + c.start for m in _WORD.finditer(c.quote) if set(terms(m.group(0))) & asked]
    if not near:
        return 0
    return min(0 if start <= p < end else min(abs(p - start), abs(p - end)) for p in near)


def _speaker_span(c: Candidate) -> Short | None:
    """"Which official said…?": the speaker, if the sentence itself names them (else it cannot be cited)."""
    if not c.speaker:
        return None
    i = c.quote.find(c.speaker)
    if i < 0:
        return None
    return Short(c, c.start + i, c.start + i + len(c.speaker), c.speaker)


_WHO_IS = re.compile(r"^\s*(?i:and\s+)?(?i:who\s+(?:is|was|are|were))\s+(?P<name>(?:[A-Z][\w’'.-]*\s*){1,4})\?*\s*$")
_TITLE = ("PROPN", "NOUN", "ADJ")


def described_name(question: str) -> str | None:
    """"Who is Karen Donfried?" -> "Karen Donfried": the answer is what she is, not another name."""
    m = _WHO_IS.match(question)
    return m.group("name").strip() if m else None


def description(c: Candidate, name: str) -> Short | None:
    """What sentence `c` says `name` is: the title before the name ("Assistant Secretary of State ...
    Karen Donfried"), an apposition after it ("Donfried, a career diplomat,") or "Donfried is ..."."""
    toks = S.tokens(c)
    words = {w.lower() for w in re.findall(r"[\w’'-]+", name)}
    at = [i for i, t in enumerate(toks) if c.quote[t.start:t.end].lower() in words]
    if not toks or not at:
        return None
    first, last = at[0], at[0]
    while last + 1 < len(toks) and last + 1 in at:
        last += 1
    person = [(a, b) for label, a, b in c.ents if label == "PERSON" and a <= c.start + toks[first].start < b]
    while person and first > 0 and c.start + toks[first - 1].start >= person[0][0]:
        first -= 1  # "Who is Blinken?": "Anthony Blinken" is the name, not part of the title before it
    inside = range(first, last + 1)
    for i, j in (_title_before(c, toks, first), *_attached(toks, inside)):
        if 0 < j - i and not set(range(i, j)) & set(inside):
            text = c.quote[toks[i].start:toks[j - 1].end]
            return Short(c, c.start + toks[i].start, c.start + toks[j - 1].end, text)
    return None


def _title_before(c: Candidate, toks: list[S.Tok], first: int) -> tuple[int, int]:
    """The capitalised title words right before the name, joined by "of", "for", "and" or a possessive
    ("Secretary of State", "Kremlin’s spokesman")."""
    i = first
    while i > 0 and (toks[i - 1].pos in _TITLE or (
            c.quote[toks[i - 1].start:toks[i - 1].end] in ("of", "for", "and", "’s", "'s") and i < first)):
        i -= 1
    while i < first and toks[i].pos not in ("PROPN", "NOUN"):  # no leading "of", "and" or adjective-only start
        if toks[i].pos == "ADJ" and any(t.pos in ("PROPN", "NOUN") for t in toks[i:first]):
            break
        i += 1
    return i, first


def _attached(toks: list[S.Tok], inside: range) -> list[tuple[int, int]]:
    """Appositions of the name and the complement of "NAME is/was ...", as token ranges."""
    left, right = S.edges(toks)
    out = []
    for k, t in enumerate(toks):
        if t.head in inside and k not in inside and t.dep in ("appos", "attr"):
            out.append((left[k], right[k] + 1))
        if k in inside and t.dep == "nsubj" and toks[t.head].pos == "AUX":
            out += [(left[a], right[a] + 1) for a, u in enumerate(toks) if u.head == t.head and u.dep == "attr"]
    return out
