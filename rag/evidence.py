"""Evidence for an answer: the sentences of the retrieved chunks, scored against the question.

Sentence vectors were computed at ingest, so scoring needs no encoding beyond the question.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import numpy as np
from langchain_core.documents import Document

from newsrag.index.store import ChromaStore, chunk_sentences, sentence_dates, sentence_id
from newsrag.rag import qtype
from newsrag.rag.lexical import Corpus
from newsrag.rag.terms import terms

MIN_WORDS = 5


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
    fits: bool  # offers the kind of answer asked for (a number for "how many"...)
    score: float
    ents: tuple[tuple[str, int, int], ...] = ()  # (spaCy label, start, end) in article offsets
    speaker: str | None = None  # who the sentence reports as speaking, if anyone
    statement: bool = True  # False for headlines, captions, bylines: shown, never an answer statement
    dates: tuple[tuple[int, int, str], ...] = ()  # resolved date expressions (start, end, iso), article offsets

    def dated_text(self) -> str:
        """`text` with each resolved date beside its expression: "on Wednesday (2020-01-15)"."""
        out, pos = self.text, 0
        for start, end, iso in self.dates:
            said = " ".join(self.quote[start - self.start:end - self.start].split())
            at = out.find(said, pos) if said else -1
            if at < 0 or said == iso:
                continue
            pos = at + len(said)
            out = f"{out[:pos]} ({iso}){out[pos:]}"
            pos += len(iso) + 3
        return out


@dataclass(frozen=True)
class Evidence:
    question: str
    candidates: list[Candidate]  # best first
    documents: list[Document]
    unknown: tuple[str, ...] = ()  # names in the question that no article mentions
    asked: str = ""  # what the user typed this turn (`question` may be a follow-up joined to its context)

    @property
    def strength(self) -> float:
        """How well the best sentence matches the question; below the threshold we refuse."""
        return max((c.score for c in self.candidates), default=0.0)


def gather(store: ChromaStore, corpus: Corpus, question: str, vector: np.ndarray,
           documents: list[Document], dense_weight: float = 0.5, misfit_penalty: float = 0.5,
           asked: str | None = None, seen: str = "", focus: str | None = None) -> Evidence:
    """Score every sentence of `documents` (deduplicated across overlapping chunks).

    score = dense_weight * cosine + (1 - dense_weight) * term coverage, times `misfit_penalty`
    when the sentence lacks the kind of answer the question asks for. `question` is the retrieval
    query (a follow-up joined to its context); `asked` is what the user typed this turn, which
    decides the kind of answer wanted. Sentences already quoted in `seen` (the previous answer)
    are demoted like misfits: a follow-up wants something new. Term coverage counts the terms of
    `focus` (default: the query), so a long context does not dilute it.
    """
    asked = asked or question
    spans: dict[str, tuple[int, Document, int, int]] = {}
    for rank, doc in enumerate(documents):
        m = doc.metadata
        for start, end in chunk_sentences(m):
            sid = sentence_id(m["source"], m["doc_hash"], start, end)
            spans.setdefault(sid, (rank, doc, start, end))
    stored = store.get_sentences(spans)
    q_terms = set(terms(focus or question))
    q_weight = sum(corpus.weight(t) for t in q_terms) or 1.0
    kind = qtype.expected(asked)
    out = []
    for sid, (rank, doc, start, end) in spans.items():
        if sid not in stored:
            continue
        vec, text, meta = stored[sid]
        if len(text.split()) < MIN_WORDS:
            continue  # headings and fragments are not statements
        covered = q_terms.intersection(terms(text))
        lexical = sum(corpus.weight(t) for t in covered) / q_weight
        dense = float(vector @ vec)
        fits = qtype.offers(kind, text, asked)
        # A follow-up wants something new: a sentence the last answer quoted is demoted, unless it
        # offers the kind of answer now asked for ("And where?" may be answered by it).
        fresh = not seen or text not in seen or qtype.expected(asked) is not None
        score = (dense_weight * dense + (1 - dense_weight) * lexical) * (1.0 if fits and fresh else misfit_penalty)
        out.append(Candidate(doc.metadata["source"], doc.metadata["title"], start, end, text, meta["quote"],
                             vec, rank, dense, lexical, fits, score, **analysis(meta),
                             dates=tuple(sentence_dates(meta))))
    out.sort(key=lambda c: c.score, reverse=True)
    return Evidence(question, out, documents, unknown_names(asked, corpus, store), asked)


def analysis(meta: dict) -> dict:
    """The stored language analysis of a sentence row; rows from before it existed get neutral values."""
    return {"ents": tuple(tuple(e) for e in json.loads(meta.get("ents") or "[]")),
            "speaker": meta.get("speaker") or None, "statement": bool(meta.get("statement", True))}


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
