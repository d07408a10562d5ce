"""The kind of answer a question asks for (a number, a duration, a date, a name) and whether a sentence offers one.

A general, model-free check: "How many journalists attended?" is not answered by a sentence whose
only number is "four hours", however similar it looks. Numbers, dates and names the question
itself contains never count as the answer.
"""

from __future__ import annotations

import re

from newsrag.rag.terms import terms

_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
_DAYS = "monday|tuesday|wednesday|thursday|friday|saturday|sunday"
_NUMWORDS = ("one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|"
             "hundred|hundreds|thousand|thousands|million|millions|billion|billions|dozen|dozens|half|several")
_NUMBER = re.compile(rf"\d[\d,.]*|\b({_NUMWORDS})\b", re.I)
_UNITS = r"(second|minute|hour|day|week|month|year|decade|century)s?"
DURATION = _DURATION = re.compile(rf"(\d[\d,.]*|\b(a|an|{_NUMWORDS}))\s+{_UNITS}\b", re.I)
_DATE = re.compile(
    rf"\b({_MONTHS}|{_DAYS}|\d{{4}}|\d+(st|nd|rd|th)|yesterday|today|tomorrow|tonight|"
    r"(next|last|this|early|late|earlier)\s+(week|month|year|winter|spring|summer|autumn)|ago)\b", re.I)
_NAME = re.compile(r"\b[A-Z][\w’'-]*[a-z][\w’'-]*\b|\b[A-Z]{2,}\b")
_PLACE = re.compile(r"\b(?:in|at|near|to|from)\s+(?:the\s+)?([A-Z][\w’'-]*[a-z][\w’'-]*)")
_TOKEN = re.compile(r"\w[\w,.]*\w|\w")

_RULES = [
    (re.compile(r"^\s*(for )?how long\b", re.I), "duration"),
    (re.compile(r"^\s*(and )?(how (many|much|big|large|far|old|often)|what (number|percentage|share|amount|sum|figure)"
                r")\b", re.I), "number"),
    (re.compile(r"^\s*(and )?(when|what (date|day|month|year|time)|on what (date|day)|in what year|"
                r"in which (year|month))\b", re.I), "date"),
    (re.compile(r"^\s*(and )?(where|(in )?(what|which) (city|country|capital|town|place))\b", re.I), "place"),
    (re.compile(r"^\s*(and )?(who|whom|whose|which (person|official|minister|agency|channel|"
                r"organi[sz]ation|newspaper|outlet|state))\b", re.I), "name"),
]
_FOCUS = re.compile(r"how (?:many|much|big|large|far|old|often)\s+(?:was |were |is |are |of )?(.*)", re.I)


def expected(question: str) -> str | None:
    for pattern, kind in _RULES:
        if pattern.search(question):
            return kind
    return None


def offers(kind: str | None, sentence: str, question: str) -> bool:
    """True if `sentence` holds something of the asked-for kind that the question does not already say."""
    if kind is None:
        return True
    q = question.lower()
    if kind == "duration":
        return any(m.group(0).lower() not in q for m in _DURATION.finditer(sentence)) or (
            "ago" in q and bool(_DURATION.search(sentence)))
    if kind == "date":
        return any(m.group(0).lower() not in q for m in _DATE.finditer(sentence))
    if kind == "number":
        return _number_near_focus(sentence, question)
    asked = set(terms(question))
    if kind == "place":
        return any(not set(terms(m.group(1))) <= asked and not _DATE.fullmatch(m.group(1))
                   for m in _PLACE.finditer(sentence))
    return any(m.start() > 0 and not set(terms(m.group(0))) <= asked for m in _NAME.finditer(sentence))


_AT_PLACE = re.compile(r"\b(?:in|at|near)\s+(?:the\s+)?([A-Z][\w’'-]*[a-z][\w’'-]*)")


def near(kind: str | None, sentence: str, question: str, window: int = 3) -> bool:
    """A place right after the question's own words ("take place in Geneva", not "tensions in Ukraine"):
    the sentence places what was asked. True for other kinds."""
    if kind != "place":  # a date near other words is as likely the asked one: no preference
        return True
    pattern = _AT_PLACE
    asked = set(terms(question))
    for m in pattern.finditer(sentence):
        if set(terms(m.group(1))) <= asked or _DATE.fullmatch(m.group(1)):
            continue
        before = set(terms(" ".join(sentence[:m.start()].split()[-window:])))
        if before & asked:
            return True
    return False


def _number_near_focus(sentence: str, question: str, window: int = 4) -> bool:
    """A new number within `window` words of what is being counted ("100,000 troops")."""
    asked = {t.lower() for t in _TOKEN.findall(question)}  # whole tokens: "2" is not in "2019"
    tokens = _TOKEN.findall(sentence)
    numbers = [i for i, t in enumerate(tokens) if _NUMBER.fullmatch(t) and t.lower() not in asked]
    if not numbers:
        return False
    m = _FOCUS.search(question)
    focus = set(terms(m.group(1))[:2]) if m else set()
    if not focus:
        return True
    stems = [terms(t) for t in tokens]
    return any(abs(i - j) <= window and focus & set(stems[j]) for i in numbers for j in range(len(tokens)))


_FULL_DATE = re.compile(
    rf"\b(?:(?:{_MONTHS})\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{_MONTHS})"
    rf"(?:,?\s+\d{{4}})?|(?:{_MONTHS}|{_DAYS})(?:\s+\d{{4}})?|(?:the\s+)?\d{{4}}s?|\d+(?:st|nd|rd|th)\s+century)\b", re.I)
_MULTIPLIER = r"(?:\s+(?:hundred|thousand|million|billion|trillion|percent|per\s+cent|%))?"
_AMOUNT = re.compile(rf"[$£€]?\d[\d,.]*{_MULTIPLIER}%?|\b(?:{_NUMWORDS})\b{_MULTIPLIER}", re.I)
_NAME_RUN = re.compile(r"\b[A-Z][\w’'.-]*(?:\s+(?:of\s+|de\s+|the\s+)?[A-Z][\w’'.-]*)*")


def span(kind: str | None, sentence: str, question: str) -> str | None:
    """The first phrase of the asked-for kind in `sentence` that the question does not already say."""
    patterns = {"date": _FULL_DATE, "number": _AMOUNT, "duration": _DURATION, "name": _NAME_RUN,
                "place": _NAME_RUN}
    pattern = patterns.get(kind or "")
    if pattern is None:
        return None
    asked = set(terms(question))
    for m in pattern.finditer(sentence):
        text = m.group(0).strip(" ,.")
        if kind in ("name", "place") and m.start() == 0:
            continue  # the sentence's capitalised first word
        if text and not set(terms(text)) <= asked:
            return text
    return None


