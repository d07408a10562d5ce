"""Hand-built evidence for stage and unit tests: no embedding model, no spaCy, no Chroma.

`evidence("Who?", "First sentence.", "Second one.")` is what retrieval would hand the answering
stages: those sentences, best first. `article_evidence("Who?", text)` cuts a real text into its
sentences (our own splitter) at their true offsets, so `quote == text[start:end]` holds. Vectors
come from the hash embedder (index/hash_embed.py): similarity still follows shared words.
"""

from __future__ import annotations

from newsrag.index.chunk import article_sentences
from newsrag.index.hash_embed import HashEmbedder
from newsrag.index.load import parse
from newsrag.rag.evidence import Candidate, Evidence

EMBED = HashEmbedder()


def candidate(text: str, *, question: str = "", source: str = "a.txt", title: str = "A", start: int = 0,
              quote: str | None = None, score: float = 0.5, rank: int = 0, **fields) -> Candidate:
    """One evidence sentence; `fields` set the rest of `Candidate` (speaker, ents, dates, statement...)."""
    quote = text if quote is None else quote
    vector = EMBED.encode([text])[0]
    dense = float(EMBED.encode([question])[0] @ vector) if question else 0.5
    return Candidate(source, title, start, start + len(quote), text, quote, vector, rank, dense, 0.5, True, score,
                     **fields)


def evidence(question: str, *sentences: str | Candidate, **fields) -> Evidence:
    """Evidence made of these sentences, best first (scores 1.0, 0.9, ...); `fields` set the rest of `Evidence`."""
    cands = [s if isinstance(s, Candidate) else candidate(s, question=question, start=i * 100, score=1.0 - i / 10)
             for i, s in enumerate(sentences)]
    return Evidence(question, cands, [], **fields)


def article_evidence(question: str, text: str, source: str = "a.txt", **fields) -> Evidence:
    """Every sentence of the article `text` as evidence, in article order, at its true offsets."""
    doc = parse(text, source)
    cands = [candidate(s.text, question=question, source=source, title=doc.title, start=s.start,
                       quote=doc.text[s.start:s.end], score=1.0 - i / 1000)
             for i, s in enumerate(article_sentences(doc))]
    return Evidence(question, cands, [], **fields)
