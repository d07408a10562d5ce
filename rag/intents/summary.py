"""Summary: one line per article — its title, then its most central (or, on a topic, most relevant)
statement — each article's view once, at most `rules.max_citations` citations in all."""

from __future__ import annotations

import re

import numpy as np

from newsrag.rag.answer import Answer, Sentence
from newsrag.rag.cite import LABEL, Cites, Writer
from newsrag.rag.evidence import Candidate, Evidence
from newsrag.rag.extractive import Statement, same_fact, statement_pieces
from newsrag.rag.intents.base import Rules, is_statement
from newsrag.rag.query import Query
from newsrag.index.terms import terms

# A summary prefers an article's lead (news puts the main point first) and sentences that stand alone.
_LEAD = 0.1
_PRONOUN = re.compile(r"^[“\"]?(he|she|they|it|this|these|those|that)\b", re.I)
_PRONOUN_START = 0.1
_TOPICAL_CENTRALITY = 0.3  # on a topic, relevance leads and centrality breaks near-ties


def handle(query: Query, evidence: Evidence, rules: Rules) -> Answer | None:
    """One line per article, its title then its most central sentences (for the topic, if any): one each,
    or `rules.summary_single` when the summary covers one article."""
    return per_article(query.text, evidence, rules, rules.summary_sentences, topical=bool(terms(query.intent.topic)),
                       central=True, single=rules.summary_single)


def per_article(question: str, evidence: Evidence, rules: Rules, n: int, topical: bool, central: bool,
                single: int | None = None) -> Answer | None:
    """One line per article: its title, then its `n` best sentences (`single` when there is one article); a
    fact already shown is cited, not repeated."""
    groups: dict[str, list[Candidate]] = {}
    for c in evidence.candidates:
        if is_statement(c):
            groups.setdefault(c.source, []).append(c)
    if topical:  # candidates come best first: articles in order of relevance, the weakly relevant left out
        best = evidence.candidates[0].score
        order = [s for s, cands in groups.items() if cands[0].score >= rules.summary_keep * best]
    else:
        order = sorted(groups)
    if single and len(order) == 1:
        n = max(n, single)
    shown: list[Statement] = []
    own: dict[str, list[Statement]] = {}
    for source in order:
        cands = groups[source]
        if topical:
            cands = [c for c in cands if c.score >= rules.summary_keep * cands[0].score]
        own[source] = _pick(cands, n, topical, central, shown, rules.duplicate_similarity)
        shown.extend(own[source])
    cites, w, sentences = Cites(), Writer(), []
    for source, statements in own.items():
        if not statements or len(cites.numbers) >= rules.max_citations:
            continue
        w.sep("\n" if w.length else "").ours(f"{short_title(groups[source][0].title)}: ", LABEL, "the article's headline")
        for i, st in enumerate(sorted(statements, key=lambda st: st[0].start)):
            if len(cites.numbers) >= rules.max_citations:
                break
            numbers = cites.mark(*st[:rules.max_citations - len(cites.numbers)])  # other outlets saying it too
            w.sep(" " if i else "").pieces(statement_pieces(st)).marks(numbers)
            sentences.append(Sentence(st[0].text, numbers))
    return Answer(question, w.text, True, cites.citations, sentences=sentences, editorial=w.editorial) if w.length else None


def short_title(title: str, words: int = 12) -> str:
    """The article's title as a line label: at most `words` words, no closing punctuation."""
    cut = title.split()
    return " ".join(cut[:words]).rstrip(" .,;:") + ("…" if len(cut) > words else "")


def _pick(cands: list[Candidate], n: int, topical: bool, central: bool, shown: list[Statement],
          similarity: float) -> list[Statement]:
    """The article's `n` best sentences not yet shown; if its best fact was shown, it cites that one too."""
    ranked = _ranked(cands, topical, central)
    picks: list[Statement] = []
    for c in ranked:
        if len(picks) == n:
            break
        if same_fact(c, shown + picks, similarity) is None:
            picks.append([c])
    if not picks and ranked and (same := same_fact(ranked[0], shown, similarity)) is not None:
        if all(x.source != ranked[0].source for x in same):
            same.append(ranked[0])
    return picks


def _ranked(cands: list[Candidate], topical: bool, central: bool) -> list[Candidate]:
    """Best first by centrality (closeness to the article's mean vector, the lead a little ahead) and/or relevance."""
    vectors = np.stack([c.vector for c in cands])
    centroid = vectors.mean(axis=0)
    centroid /= np.linalg.norm(centroid) or 1.0
    top = max(c.score for c in cands) or 1.0
    first, last = min(c.start for c in cands), max(c.start for c in cands)
    weight = _TOPICAL_CENTRALITY if topical else 1.0
    score = {id(c): weight * (float(c.vector @ centroid) + _LEAD * (last - c.start) / ((last - first) or 1)
                              if central else 0.0)
             + (c.score / top if topical else 0.0) - (_PRONOUN_START if _PRONOUN.match(c.text) else 0.0)
             for c in cands}
    return sorted(cands, key=lambda c: score[id(c)], reverse=True)
