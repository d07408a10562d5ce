"""Answers composed beyond one fact: a summary per article, a comparison, differing figures stated.

Every piece quotes a stored sentence and cites it exactly, as the extractive answer does. The
composition needs no model, so the chain uses it whatever the answer backend. An intent gets its
composer through COMPOSERS (the "timeline" intent plugs in there); `compose` returns None when it
has nothing to compose, and the chain then asks the answerer as usual.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Callable

import numpy as np

from newsrag.rag import qtype, quantity
from newsrag.rag.answer import Answer, Citation, Sentence
from newsrag.rag.evidence import Candidate, Evidence
from newsrag.rag.extractive import Statement, same_fact
from newsrag.rag.intent import Intent
from newsrag.rag.terms import terms
from newsrag.rag.timeline import timeline

WIDE = frozenset({"summarize", "compare", "timeline"})  # intents that want every outlet's view
_ONE_SPEAKER = re.compile(r"\b(according to|did (he|she|they|\w+) (say|tell|claim)|he|she)\b", re.I)
_NAME = re.compile(r"\b[A-Z][\w’'-]*[a-z][\w’'-]*\b")
# A summary prefers an article's lead (news puts the main point first) and sentences that stand alone.
_LEAD = 0.1
_PRONOUN = re.compile(r"^[“\"]?(he|she|they|it|this|these|those|that)\b", re.I)
_PRONOUN_START = 0.1
_TOPICAL_CENTRALITY = 0.3  # on a topic, relevance leads and centrality breaks near-ties


@dataclass(frozen=True)
class Rules:
    """How much evidence a composition looks at (built from Settings by the chain)."""

    keep: float  # a sentence counts if it scores at least this share of the best one
    pool: int  # ... and is among the best `pool` candidates (figures)
    duplicate_similarity: float  # cosine above which two sentences state the same fact
    summary_sentences: int  # sentences per article in a summary
    summary_keep: float  # on a topic, an article (or its second sentence) needs this share of the best score


Composer = Callable[[str, Intent, Evidence, Rules], "Answer | None"]


class _Cites:
    """Citation numbers by first use, one per distinct span."""

    def __init__(self):
        self.numbers: dict[tuple[str, int, int], int] = {}
        self.citations: list[Citation] = []

    def mark(self, *cands: Candidate) -> list[int]:
        out = []
        for c in cands:
            key = (c.source, c.start, c.end)
            if key not in self.numbers:
                self.numbers[key] = len(self.numbers) + 1
                self.citations.append(Citation(self.numbers[key], c.source, c.title, c.start, c.end, c.quote,
                                               speaker=c.speaker))
            out.append(self.numbers[key])
        return list(dict.fromkeys(out))


def _marks(numbers: list[int]) -> str:
    return "".join(f"[{n}]" for n in numbers)


def is_statement(c: Candidate) -> bool:
    """A sentence that may be quoted as a statement: no headline, caption or byline (flagged at ingest), not the title."""
    return c.statement and " ".join(c.text.split()) != " ".join(c.title.split())


def summarize(question: str, asked: Intent, evidence: Evidence, rules: Rules) -> Answer | None:
    """One line per article, its title then its one or two most central sentences (for the topic, if any)."""
    return _per_article(question, evidence, rules, rules.summary_sentences, topical=bool(terms(asked.topic)),
                        central=True)


def compare(question: str, asked: Intent, evidence: Evidence, rules: Rules) -> Answer | None:
    """Figures side by side when numbers are compared, else each named subject's or outlet's best statement."""
    if asked.quantity or qtype.expected(question) == "number":
        groups = figures(question, asked, evidence, rules)
        if groups:
            return _figures_answer(question, groups)
    names = [n for n in dict.fromkeys(_NAME.findall(question)[1:])
             if any(n in c.text for c in evidence.candidates)]
    if len(names) >= 2:
        return _by_subject(question, names, evidence)
    return _per_article(question, evidence, rules, 1, topical=True, central=False)


def conflict(question: str, asked: Intent, evidence: Evidence, rules: Rules) -> Answer | None:
    """For "how many" questions: when outlets give different figures, say so and cite each; else None."""
    if qtype.expected(question) != "number" or _ONE_SPEAKER.search(question):
        return None
    groups = figures(question, asked, evidence, rules)
    return _figures_answer(question, groups) if len(groups) >= 2 else None


COMPOSERS: dict[str, Composer] = {"summarize": summarize, "compare": compare, "timeline": timeline}


def compose(question: str, asked: Intent, evidence: Evidence, rules: Rules) -> Answer | None:
    """The composed answer for this intent (or stated differing figures), or None to answer as usual."""
    composer = COMPOSERS.get(asked.kind)
    return composer(question, asked, evidence, rules) if composer else conflict(question, asked, evidence, rules)


Figure = tuple[quantity.Value, Candidate]  # a value found in the candidate's exact quote


def figures(question: str, asked: Intent, evidence: Evidence, rules: Rules) -> list[list[Figure]]:
    """Each outlet's figure for the counted thing (from its best sentence giving one), grouped by value."""
    focus = quantity.focus_terms(question, asked.topic)
    if not focus or not evidence.candidates:
        return []
    best = evidence.candidates[0].score
    per_source: dict[str, Figure] = {}
    for c in evidence.candidates[:rules.pool]:
        if c.score >= rules.keep * best and c.source not in per_source and is_statement(c):
            if (v := quantity.value_near(c.quote, question, focus)) is not None:
                per_source[c.source] = (v, c)
    groups: list[list[Figure]] = []
    for v, c in per_source.values():
        same = next((g for g in groups if not quantity.differ(g[0][0].number, v.number)), None)
        if same is not None:
            same.append((v, c))
        else:
            groups.append([(v, c)])
    return groups


def _figures_answer(question: str, groups: list[list[Figure]]) -> Answer:
    """"Reports differ: 100,000 troops, Blinken said [1]; around 175,000 [2]." Each value is highlighted in
    its citation; a figure from one speaker is attributed to them."""
    cites = _Cites()
    parts, sentences = [], []
    for group in groups:
        numbers = cites.mark(*(c for _, c in group))
        phrase = " ".join(group[0][0].phrase.split())
        said = group[0][1].speaker if len(group) == 1 and group[0][1].speaker else None
        parts.append(f"{phrase}, {said} said {_marks(numbers)}" if said else f"{phrase} {_marks(numbers)}")
        sentences.append(Sentence(phrase, numbers))
    spans = {(c.source, c.start, c.end): {"start": c.start + v.start, "end": c.start + v.end}
             for group in groups for v, c in group}
    citations = [replace(x, short=spans[(x.source, x.start, x.end)]) for x in cites.citations]
    if len(groups) >= 2:
        text = f"Reports differ: {'; '.join(parts)}."
    elif len(groups[0]) >= 2:
        text = f"The reports agree: {parts[0]}."
    else:
        text = f"Only one article gives a figure: {parts[0]}."
    return Answer(question, text, True, citations, sentences=sentences, conflict=len(groups) >= 2)


def _by_subject(question: str, names: list[str], evidence: Evidence) -> Answer | None:
    """Side by side: for each name in the question, its best statement (said by them, else mentioning them)."""
    cites, lines, sentences, used = _Cites(), [], [], set()
    for name in names:
        fits = [c for c in evidence.candidates if is_statement(c) and (c.source, c.start) not in used
                and (name in c.text or name in (c.speaker or ""))]
        c = next((c for c in fits if name in (c.speaker or "")), fits[0] if fits else None)
        if c is None:
            continue
        used.add((c.source, c.start))
        numbers = cites.mark(c)
        lines.append(f"{name}: {c.text} {_marks(numbers)}")
        sentences.append(Sentence(c.text, numbers))
    return Answer(question, "\n".join(lines), True, cites.citations, sentences=sentences) if lines else None


def _per_article(question: str, evidence: Evidence, rules: Rules, n: int, topical: bool, central: bool) -> Answer | None:
    """One line per article: its title, then its `n` best sentences; a fact already shown is cited, not repeated."""
    groups: dict[str, list[Candidate]] = {}
    for c in evidence.candidates:
        if is_statement(c):
            groups.setdefault(c.source, []).append(c)
    if topical:  # candidates come best first: articles in order of relevance, the weakly relevant left out
        best = evidence.candidates[0].score
        order = [s for s, cands in groups.items() if cands[0].score >= rules.summary_keep * best]
    else:
        order = sorted(groups)
    shown: list[Statement] = []
    own: dict[str, list[Statement]] = {}
    for source in order:
        cands = groups[source]
        if topical:
            cands = [c for c in cands if c.score >= rules.summary_keep * cands[0].score]
        own[source] = _pick(cands, n, topical, central, shown, rules.duplicate_similarity)
        shown.extend(own[source])
    cites, lines, sentences = _Cites(), [], []
    for source, statements in own.items():
        parts = []
        for st in sorted(statements, key=lambda st: st[0].start):
            numbers = cites.mark(*st)
            parts.append(f"{st[0].text} {_marks(numbers)}")
            sentences.append(Sentence(st[0].text, numbers))
        if parts:
            lines.append(f"{short_title(groups[source][0].title)}: {' '.join(parts)}")
    return Answer(question, "\n".join(lines), True, cites.citations, sentences=sentences) if lines else None


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
