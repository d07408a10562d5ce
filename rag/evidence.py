"""Evidence for an answer: the sentences of the retrieved chunks, scored by the learned scorer.

Sentence vectors were computed at ingest, so scoring needs no encoding beyond the question. Each
sentence's generic features (rag/features.py) go through the sentence model of rag/score.py; the
best sentences' features give the probability that the question is answerable at all.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from langchain_core.documents import Document

from newsrag.index.store import ChromaStore, chunk_sentences, sentence_dates, sentence_id
from newsrag.rag import features as F
from newsrag.rag import qtype
from newsrag.rag.lexical import Corpus
from newsrag.rag.score import Fixed, Scorer
from newsrag.rag.terms import terms

MIN_WORDS = 5
REPEAT_FACTOR = 0.5  # a follow-up wants something new: score factor for a sentence the last answer quoted


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
    score: float  # how likely it holds the answer (rag/score.py: the fixed formula or a probability)
    ents: tuple[tuple[str, int, int], ...] = ()  # (spaCy label, start, end) in article offsets
    speaker: str | None = None  # who the sentence reports as speaking, if anyone
    speaker_here: bool = True  # the sentence or its paragraph names the speaker (else an answer does not)
    statement: bool = True  # False for headlines, captions, bylines: shown, never an answer statement
    dates: tuple[tuple[int, int, str], ...] = ()  # resolved date expressions (start, end, iso), article offsets
    features: dict = field(default_factory=dict, compare=False)  # rag/features.py, by name
    terms: frozenset = frozenset()
    seen: F.Seen | None = field(default=None, compare=False, repr=False)  # what the features were computed from
    toks: str = "[]"  # the stored parse (index/analyze.py)

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
    confidence: float = 1.0  # probability that the question is answerable from this evidence
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


def gather(store: ChromaStore, corpus: Corpus, scorer: Fixed | Scorer, query: Any, question: str, vector: np.ndarray,
           documents: list[Document], seen: str = "", focus: str | None = None) -> Evidence:
    """Score every sentence of `documents` (deduplicated across overlapping chunks), best first.

    `query` is the analysed question (rag/query.py), whose standalone text decides the kind of answer
    wanted; `question` is what was retrieved for (e.g. a follow-up joined to its context). Sentences
    already quoted in `seen` (the previous answer) are demoted unless a kind is asked for ("And where?"
    may be answered by one). Term coverage counts the terms of `focus` (default: what was retrieved
    for), so a long context does not dilute it.
    """
    asked = query.text
    q = F.analyse(corpus, query, focus or question)
    found = candidates(store, corpus, q, vector, documents)
    probs = scorer.sentences([c.features for c in found]) if found else []
    scored = [replace(c, score=float(p) * (REPEAT_FACTOR if seen and q.kind is None and c.text in seen else 1.0))
              for c, p in zip(found, probs)]
    scored.sort(key=lambda c: c.score, reverse=True)
    missing = q.kind is not None and not any(qtype.offers(q.kind, c.text, asked) for c in scored[:F.TOP])
    return Evidence(question, scored, documents, unknown_names(asked, corpus, store),
                    confidence(scorer, q, scored, corpus), missing, asked, query=query)


def confidence(scorer: Fixed | Scorer, q: F.Asked, ranked: list[Candidate], corpus: Corpus) -> float:
    """How likely the question is answerable from this evidence (compared with `scorer.threshold`)."""
    return scorer.answerable(q, [(c.terms, c.features, c.score) for c in ranked], corpus)


def candidates(store: ChromaStore, corpus: Corpus, q: F.Asked, vector: np.ndarray,
               documents: list[Document]) -> list[Candidate]:
    """The sentences of `documents` (statements of at least `MIN_WORDS` words) with their features, unscored."""
    spans: dict[str, tuple[int, Document, int, int]] = {}
    for rank, doc in enumerate(documents):
        m = doc.metadata
        for start, end in chunk_sentences(m):
            spans.setdefault(sentence_id(m["source"], m["doc_hash"], start, end), (rank, doc, start, end))
    stored = store.get_sentences(spans)
    rows = [(spans[sid], *stored[sid]) for sid in spans if sid in stored and len(stored[sid][1].split()) >= MIN_WORDS]
    dense = [float(vector @ vec) for _, vec, _, _ in rows]
    order = {i: r for r, i in enumerate(np.argsort(-np.asarray(dense), kind="stable"))}
    seen = F.in_context([F.Seen(text, frozenset(terms(text)), dense[i], rank, int(doc.metadata.get("position", 0)),
                                order[i], meta) for i, ((rank, doc, _, _), _, text, meta) in enumerate(rows)])
    out = []
    for s, ((rank, doc, start, end), vec, text, meta) in zip(seen, rows):
        f = F.sentence_features(q, s, corpus)
        out.append(Candidate(doc.metadata["source"], doc.metadata["title"], start, end, text, meta["quote"],
                             vec, rank, s.dense, f["coverage"], f["expected_entity"] >= 0, 0.0,
                             **analysis(meta), dates=tuple(sentence_dates(meta)), features=f, terms=s.terms,
                             seen=s))
    return out


def analysis(meta: dict) -> dict:
    """The stored language analysis of a sentence row; rows from before it existed get neutral values."""
    return {"ents": tuple(tuple(e) for e in json.loads(meta.get("ents") or "[]")),
            "speaker": meta.get("speaker") or None, "statement": bool(meta.get("statement", True)),
            "speaker_here": bool(meta.get("speaker_here", True)),
            "toks": meta.get("toks") or "[]"}


_CAPITALISED = re.compile(r"\b[A-Z][\w’'-]*\b")


def unknown_names(question: str, corpus: Corpus, store: ChromaStore | None = None) -> tuple[str, ...]:
    """Capitalised words (not the first word, not 2-letter acronyms) that appear in no article.

    A question about something the articles never mention cannot be answered from them. A word
    missing from the indexed passages may still be in an article (a heading such as "World News"):
    with a `store`, only words no article's text contains are listed.
    """
    out = []
    for m in _CAPITALISED.finditer(question):
        word = m.group(0).rstrip("’'s") if m.group(0).endswith(("’s", "'s")) else m.group(0)
        if m.start() == 0 or len(word) <= 2:
            continue
        if any(t not in corpus.idf for t in terms(word)) and not (store and store.mentions(word)):
            out.append(word)
    return tuple(dict.fromkeys(out))
