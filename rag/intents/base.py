"""What every intent handler shares: the rules of how much evidence it looks at, and what may be quoted."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from newsrag.rag.evidence import Candidate


@dataclass(frozen=True)
class Rules:
    """How much evidence a handler looks at (built from Settings by the chain)."""

    keep: float  # a sentence counts if it scores at least this share of the best one
    pool: int  # ... and is among the best `pool` candidates (figures)
    duplicate_similarity: float  # cosine above which two sentences state the same fact
    summary_sentences: int  # sentences per article in a summary
    summary_keep: float  # on a topic, an article (or its second sentence) needs this share of the best score
    same_thing: float = 0.5  # cosine two sentences giving figures need to be about the same thing
    max_citations: int = 8  # a summary or comparison cites at most this many sentences
    store: Any = None  # the index (index/store.py), for handlers answering from article metadata (bylines)
    summary_single: int = 3  # sentences when a summary covers one article


def is_statement(c: Candidate) -> bool:
    """A sentence that may be quoted as a statement: no headline, caption or byline (flagged at ingest), not the title."""
    return c.statement and " ".join(c.text.split()) != " ".join(c.title.split())
