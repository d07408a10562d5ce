"""Counts in a sentence, normalised ("100,000", "100 thousand" -> 100000), near what the question counts.

Used to see whether outlets give different values for the asked quantity. Years, dates, durations
and (unless money is asked about) sums of money are not counts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from newsrag.rag.terms import terms

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
_MONEY_Q = re.compile(r"\b(how much|cost|costs|spend\w*|budget|aid|money|dollars?|funds?|funding|bill)\b|\$", re.I)
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


def counts(sentence: str, question: str) -> list[re.Match]:
    """Number mentions that can be counts: not years, dates, durations, percentages, or money unless asked."""
    out = []
    money_ok = bool(_MONEY_Q.search(question))
    q = question.lower()
    for m in _VALUE.finditer(sentence):
        raw = m.group("num")
        if raw.lower() in q or _NOT_COUNT_AFTER.match(sentence[m.end():]) or _DATE_BEFORE.search(sentence[:m.start()]):
            continue
        if re.fullmatch(r"(19|20)\d\d", raw) and not m.group("scale"):
            continue  # a year
        if m.group("cur") and not money_ok:
            continue
        out.append(m)
    return out


def value_near(sentence: str, question: str, focus: set[str], window: int = 16) -> Value | None:
    """The count closest to a focus term (within `window` words), as a Value; None without one."""
    words = [(w.start(), set(terms(w.group(0)))) for w in _TOKEN.finditer(sentence)]
    hits = [i for i, (_, ts) in enumerate(words) if ts & focus]
    best = None
    for m in counts(sentence, question):
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


def focus_terms(question: str, topic: str) -> set[str]:
    """What is counted: the words after "how many/much" up to the first verb, else the topic's terms."""
    m = re.search(r"\bhow (?:many|much)\s+(.*?)(?:\s+(?:are|were|is|was|did|do|does|have|has|had|will|would|"
                  r"could|can|in|on|at|near|by)\b|[?.,]|$)", question, re.I)
    return set(terms(m.group(1) if m and terms(m.group(1)) else topic))


def differ(a: float, b: float, tolerance: float = 0.02) -> bool:
    return abs(a - b) > tolerance * max(abs(a), abs(b), 1.0)
