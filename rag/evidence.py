"""Evidence for an answer: the sentences of the retrieved chunks, scored by one fixed formula.

Sentence vectors were computed at ingest, so scoring needs no encoding beyond the question. A
sentence scores w·cosine + (1−w)·coverage of the question's idf-weighted terms, × a penalty when it
lacks the kind of answer asked for (`offers`: "How many journalists attended?" is not answered by a
sentence whose only number is "four hours"); the trained reader (rag/read.py) then reads the best
chunks, so the score only ranks the evidence and gives the refusal floor.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from langchain_core.documents import Document

from newsrag.index.store import ChromaStore, chunk_sentences, sentence_dates, sentence_id
from newsrag.rag.lexical import Corpus
from newsrag.index.terms import terms
from newsrag.settings import Settings

MIN_WORDS = 5
REPEAT_FACTOR = 0.5  # a follow-up wants something new: score factor for a sentence the last answer quoted
TOP = 3  # the best sentences that must offer the asked-for kind (`Evidence.kind_missing`)


@dataclass(frozen=True)
class Fixed:
    """The sentence score w·cosine + (1−w)·coverage, × `misfit_penalty` when the asked-for kind is
    missing; evidence is too weak to answer from when its best sentence scores below `threshold`."""

    dense_weight: float
    misfit_penalty: float
    threshold: float

    @classmethod
    def of(cls, settings: Settings) -> "Fixed":
        return cls(settings.dense_weight, settings.misfit_penalty, settings.min_evidence)

    def score(self, dense: float, coverage: float, fits: bool) -> float:
        w = self.dense_weight
        return (w * dense + (1 - w) * coverage) * (1.0 if fits else self.misfit_penalty)


@dataclass(frozen=True)
class Candidate:
    """One sentence of the retrieved evidence. `quote` is exactly `original[start:end]`."""

    source: str
    title: str
    start: int
    end: int
    text: str
    quote: str
    vector: np.ndarray
    rank: int  # rank of the best chunk holding it
    dense: float  # cosine similarity to the question
    lexical: float  # share of the question's idf-weighted terms it contains
    fits: bool  # offers the kind of answer asked for (a number for "how many"...), or none is asked for
    score: float  # how likely it holds the answer (`Fixed`)
    ents: tuple[tuple[str, int, int], ...] = ()  # (spaCy label, start, end) in article offsets
    speaker: str | None = None  # who the sentence reports as speaking, if anyone
    speaker_here: bool = True  # the sentence or its paragraph names the speaker (else an answer does not)
    statement: bool = True  # False for headlines, captions, bylines: shown, never an answer statement
    dates: tuple[tuple[int, int, str], ...] = ()  # resolved date expressions (start, end, iso), article offsets

    def date_note(self) -> str:
        """Each resolved date beside the words that say it, to show after the sentence (never inside it):
        "(Wednesday: 2020-01-15)"; "" when the sentence's own words already say it all."""
        notes = []
        for start, end, iso in self.dates:
            said = " ".join(self.quote[start - self.start:end - self.start].split())
            if said and said != iso and not _states(said, iso):
                notes.append(f"{said}: {iso}")
        return f"({'; '.join(dict.fromkeys(notes))})" if notes else ""


def _states(said: str, iso: str) -> bool:
    """The expression already says all the resolved date does ("January 2022" for 2022-01)."""
    year, *rest = iso.split("-")
    return year in said and (len(rest) < 2 or re.search(rf"\b0?{int(rest[1])}\b", said) is not None)


@dataclass(frozen=True)
class Evidence:
    question: str
    candidates: list[Candidate]  # best first
    documents: list[Document]
    unknown: tuple[str, ...] = ()  # names in the question that no article mentions
    kind_missing: bool = False  # a kind of answer is asked for (a number...) and no best sentence offers one
    asked: str = ""  # what the user typed this turn (`question` may be a follow-up joined to its context)
    parts: tuple["Evidence", ...] = ()  # a two-part question's ("When and where…?") evidence for each part
    subject: str | None = None  # who a title in the question means ("Russia's foreign minister" -> a name)
    found: Any = None  # what the reader found (rag/read.py `Found`), once the read stage has run
    query: Any = None  # the analysed question (rag/query.py `Query`) this evidence answers

    @property
    def strength(self) -> float:
        """How well the best sentence matches the question."""
        return max((c.score for c in self.candidates), default=0.0)


def gather(store: ChromaStore, corpus: Corpus, scorer: Fixed, query: Any, question: str, vector: np.ndarray,
           documents: list[Document], seen: str = "", focus: str | None = None) -> Evidence:
    """Score every sentence of `documents` (deduplicated across overlapping chunks), best first.

    `query` is the analysed question (rag/query.py), whose standalone text decides the kind of answer
    wanted; `question` is what was retrieved for (e.g. a follow-up joined to its context). Sentences
    already quoted in `seen` (the previous answer) are demoted unless a kind is asked for ("And where?"
    may be answered by one). Term coverage counts the terms of `focus` (default: what was retrieved
    for), so a long context does not dilute it.
    """
    found = candidates(store, corpus, scorer, query, frozenset(terms(focus or question)), vector, documents)
    repeat = REPEAT_FACTOR if seen and query.expected is None else 1.0
    scored = sorted((replace(c, score=c.score * repeat) if c.text in seen else c for c in found),
                    key=lambda c: c.score, reverse=True)
    missing = query.expected is not None and not any(c.fits for c in scored[:TOP])
    return Evidence(question, scored, documents, unknown_names(query.names, corpus, store), missing, query.text,
                    query=query)


def candidates(store: ChromaStore, corpus: Corpus, scorer: Fixed, query: Any, focus: frozenset[str],
               vector: np.ndarray, documents: list[Document]) -> list[Candidate]:
    """The sentences of `documents` (statements of at least `MIN_WORDS` words), scored."""
    spans: dict[str, tuple[int, Document, int, int]] = {}
    for rank, doc in enumerate(documents):
        m = doc.metadata
        for start, end in chunk_sentences(m):
            spans.setdefault(sentence_id(m["source"], m["doc_hash"], start, end), (rank, doc, start, end))
    stored = store.get_sentences(spans)
    idf = {t: corpus.weight(t) for t in focus}
    total = sum(idf.values()) or 1.0
    out = []
    for sid in spans:
        if sid not in stored or len(stored[sid][1].split()) < MIN_WORDS:
            continue
        (rank, doc, start, end), (vec, text, meta) = spans[sid], stored[sid]
        dense = float(vector @ vec)
        coverage = sum(idf[t] for t in focus & set(terms(text))) / total
        fits = offers(query.expected, text, query.text)
        out.append(Candidate(doc.metadata["source"], doc.metadata["title"], start, end, text, meta["quote"], vec,
                             rank, dense, coverage, fits, scorer.score(dense, coverage, fits), **analysis(meta),
                             dates=tuple(sentence_dates(meta))))
    return out


def analysis(meta: dict) -> dict:
    """The stored language analysis of a sentence row; rows from before it existed get neutral values."""
    return {"ents": tuple(tuple(e) for e in json.loads(meta.get("ents") or "[]")),
            "speaker": meta.get("speaker") or None, "statement": bool(meta.get("statement", True)),
            "speaker_here": bool(meta.get("speaker_here", True))}


_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
_DAYS = "monday|tuesday|wednesday|thursday|friday|saturday|sunday"
_NUMWORDS = ("one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|"
             "hundred|hundreds|thousand|thousands|million|millions|billion|billions|dozen|dozens|half|several")
_NUMBER = re.compile(rf"\d[\d,.]*|\b({_NUMWORDS})\b", re.I)
_UNITS = r"(second|minute|hour|day|week|month|year|decade|century)s?"
_DURATION = re.compile(rf"(\d[\d,.]*|\b(a|an|{_NUMWORDS}))\s+{_UNITS}\b", re.I)
_DATE = re.compile(
    rf"\b({_MONTHS}|{_DAYS}|\d{{4}}|\d+(st|nd|rd|th)|yesterday|today|tomorrow|tonight|"
    r"(next|last|this|early|late|earlier)\s+(week|month|year|winter|spring|summer|autumn)|ago)\b", re.I)
_NAME = re.compile(r"\b[A-Z][\w’'-]*[a-z][\w’'-]*\b|\b[A-Z]{2,}\b")
_PLACE = re.compile(r"\b(?:in|at|near|to|from)\s+(?:the\s+)?([A-Z][\w’'-]*[a-z][\w’'-]*)")
_TOKEN = re.compile(r"\w[\w,.]*\w|\w")

_FOCUS = re.compile(r"how (?:many|much|big|large|far|old|often)\s+(?:was |were |is |are |of )?(.*)", re.I)


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


def unknown_names(names: tuple[str, ...], corpus: Corpus, store: ChromaStore | None = None) -> tuple[str, ...]:
    """The question's `names` (rag/question.py) that appear in no article.

    A question about something the articles never mention cannot be answered from them. A word
    missing from the indexed passages may still be in an article (a heading such as "World News"):
    with a `store`, only words no article's text contains are listed.
    """
    return tuple(w for w in names if any(t not in corpus.idf for t in terms(w)) and not (store and store.mentions(w)))
