"""Figures: when outlets give different figures for the same thing, say so and cite each.

A figure joins only from the outlet's best sentence giving one near the counted thing, and only if that
sentence is about the same thing as the best figure's sentence (sentence vectors closer than
`rules.same_thing`): the costs of eight different projects are not reports that differ. Counts are
normalised ("100,000", "100 thousand" -> 100000); years, dates, durations and (unless money is asked
about) sums of money are not counts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import numpy as np

from newsrag.rag.answer import Answer, Sentence
from newsrag.rag.cite import ATTRIBUTION, LABEL, Cites, Writer
from newsrag.rag.evidence import Candidate, Evidence
from newsrag.rag.intents.base import Rules, is_statement
from newsrag.rag.query import Query
from newsrag.index.terms import terms

_WORDS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
          "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40,
          "fifty": 50, "hundred": 100, "a dozen": 12, "dozens": 24}
_SCALES = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12, "hundred": 1e2}
_MONTHS = r"jan(uary)?|feb(ruary)?|mar(ch)?|apr(il)?|may|june?|july?|aug(ust)?|sep(tember)?|oct(ober)?|nov(ember)?|dec(ember)?"
_QUALIFIER = r"about|around|some|nearly|almost|roughly|approximately|over|more than|fewer than|less than|up to|at least|an estimated|as many as"
_VALUE = re.compile(
    rf"(?:\b(?P<qual>{_QUALIFIER})\s+)?(?P<cur>[$€£]\s?)?"
    rf"(?P<num>(?<![\w.,])\d{{1,3}}(?:,\d{{3}})+(?![\w,])|(?<![\w.,])\d+(?:\.\d+)?(?![\w,])|\b(?:{'|'.join(_WORDS)})\b)"
    rf"(?:\s+(?P<scale>{'|'.join(_SCALES)})\b)?", re.I)
_NOT_COUNT_AFTER = re.compile(
    rf"^\s*(%|per ?cent|(second|minute|hour|day|week|month|year|decade|centur)\w*\b|(st|nd|rd|th)\b|({_MONTHS})\b|"
    r"(dollars?|euros?|pounds?|rubles?|roubles?)\b)", re.I)
_DATE_BEFORE = re.compile(rf"\b({_MONTHS})\.?\s*$", re.I)
_TOKEN = re.compile(r"[\w’'-]+")


@dataclass(frozen=True)
class Value:
    """A count found in a sentence: its number, where it is (sentence offsets) and how it reads."""

    number: float
    start: int
    end: int
    phrase: str  # "around 175,000" or "100,000 troops"


def number(match: re.Match) -> float:
    raw = match.group("num").lower().replace(",", "")
    base = float(_WORDS[raw]) if raw in _WORDS else float(raw)
    return base * _SCALES.get((match.group("scale") or "").lower(), 1.0)


def counts(sentence: str, asked: Query) -> list[re.Match]:
    """Number mentions that can be counts: not years, dates, durations, percentages, money unless asked,
    nor a number the question says itself."""
    out = []
    for m in _VALUE.finditer(sentence):
        raw = m.group("num")
        if set(raw.lower().split()) <= asked.said or _NOT_COUNT_AFTER.match(sentence[m.end():]) or _DATE_BEFORE.search(sentence[:m.start()]):
            continue
        if re.fullmatch(r"(19|20)\d\d", raw) and not m.group("scale"):
            continue  # a year
        if m.group("cur") and not asked.money:
            continue
        out.append(m)
    return out


def value_near(sentence: str, asked: Query, focus: set[str], window: int = 16) -> Value | None:
    """The count closest to a focus term (within `window` words), as a Value; None without one."""
    words = [(w.start(), set(terms(w.group(0)))) for w in _TOKEN.finditer(sentence)]
    hits = [i for i, (_, ts) in enumerate(words) if ts & focus]
    best = None
    for m in counts(sentence, asked):
        at = next((i for i, (pos, _) in enumerate(words) if pos >= m.start("num")), len(words))
        dist = min((abs(at - h) for h in hits), default=None)
        if dist is not None and dist <= window and (best is None or dist < best[0]):
            best = (dist, m, at)
    if best is None:
        return None
    _, m, at = best
    end = m.end()
    follows = _TOKEN.match(sentence, end + 1) if sentence[end:end + 1] == " " else None
    if follows and set(terms(follows.group(0))) & focus:  # "100,000 troops": name what is counted
        end = follows.end()
    return Value(number(m), m.start(), end, sentence[m.start():end])


def differ(a: float, b: float, tolerance: float = 0.02) -> bool:
    return abs(a - b) > tolerance * max(abs(a), abs(b), 1.0)




def handle(query: Query, evidence: Evidence, rules: Rules) -> Answer | None:
    """For "how many" questions: when outlets give different figures, say so and cite each; else None."""
    if query.expected != "number" or query.one_speaker:
        return None
    groups = figures(query, evidence, rules)
    return figures_answer(query.text, groups) if len(groups) >= 2 else None


Figure = tuple[Value, Candidate]  # a value found in the candidate's exact quote


def figures(query: Query, evidence: Evidence, rules: Rules) -> list[list[Figure]]:
    """Each outlet's figure for the counted thing (from its best sentence giving one), grouped by value;
    only figures whose sentences are about the same thing as the best one's."""
    focus = query.counted
    if not focus or not evidence.candidates:
        return []
    best = evidence.candidates[0].score
    per_source: dict[str, Figure] = {}
    for c in evidence.candidates[:rules.pool]:
        if c.score >= rules.keep * best and c.source not in per_source and is_statement(c):
            if (v := value_near(c.quote, query, focus)) is not None:
                per_source[c.source] = (v, c)
    found = list(per_source.values())
    if found:
        lead = found[0][1].vector
        found = [(v, c) for v, c in found if float(np.dot(lead, c.vector)) >= rules.same_thing]
    groups: list[list[Figure]] = []
    for v, c in found:
        same = next((g for g in groups if not differ(g[0][0].number, v.number)), None)
        if same is not None:
            same.append((v, c))
        else:
            groups.append([(v, c)])
    return groups


def figures_answer(question: str, groups: list[list[Figure]]) -> Answer:
    """"Reports differ: 100,000 troops, Blinken said [1]; around 175,000 [2]." Each value is highlighted in
    its citation; a figure from one speaker is attributed to them (our words, marked as such)."""
    cites, w, sentences = Cites(), Writer(), []
    label = ("Reports differ: " if len(groups) >= 2 else "The reports agree: " if len(groups[0]) >= 2
             else "Only one article gives a figure: ")
    w.ours(label, LABEL, "our summary of the figures the articles give")
    for i, group in enumerate(groups):
        numbers = cites.mark(*(c for _, c in group))
        phrase = " ".join(group[0][0].phrase.split())
        w.sep("; " if i else "").quote(phrase)
        c = group[0][1]
        said = c.speaker if len(group) == 1 and c.speaker and c.speaker_here else None
        if said:
            w.ours(f", {said} said", ATTRIBUTION, f"who gives this figure, from the article: {said}")
        w.marks(numbers)
        sentences.append(Sentence(phrase, numbers))
    w.sep(".")
    spans = {(c.source, c.start, c.end): {"start": c.start + v.start, "end": c.start + v.end}
             for group in groups for v, c in group}
    citations = [replace(x, short=spans[(x.source, x.start, x.end)]) for x in cites.citations]
    return Answer(question, w.text, True, citations, sentences=sentences, conflict=len(groups) >= 2,
                  editorial=w.editorial)
