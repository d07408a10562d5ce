"""Figures: when outlets give different figures for the same thing, say so and cite each.

A figure joins only from the outlet's best sentence giving one near the counted thing, and only if that
sentence is about the same thing as the best figure's sentence (sentence vectors closer than
`rules.same_thing`): the costs of eight different projects are not reports that differ.
"""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np

from newsrag.rag import quantity
from newsrag.rag.answer import Answer, Sentence
from newsrag.rag.cite import ATTRIBUTION, LABEL, Cites, Writer
from newsrag.rag.evidence import Candidate, Evidence
from newsrag.rag.intents.base import Rules, is_statement
from newsrag.rag.query import Query

_ONE_SPEAKER = re.compile(r"\b(according to|did (he|she|they|\w+) (say|tell|claim)|he|she)\b", re.I)


def handle(query: Query, evidence: Evidence, rules: Rules) -> Answer | None:
    """For "how many" questions: when outlets give different figures, say so and cite each; else None."""
    if query.expected != "number" or _ONE_SPEAKER.search(query.text):
        return None
    groups = figures(query, evidence, rules)
    return figures_answer(query.text, groups) if len(groups) >= 2 else None


Figure = tuple[quantity.Value, Candidate]  # a value found in the candidate's exact quote


def figures(query: Query, evidence: Evidence, rules: Rules) -> list[list[Figure]]:
    """Each outlet's figure for the counted thing (from its best sentence giving one), grouped by value;
    only figures whose sentences are about the same thing as the best one's."""
    focus = quantity.focus_terms(query.text, query.intent.topic)
    if not focus or not evidence.candidates:
        return []
    best = evidence.candidates[0].score
    per_source: dict[str, Figure] = {}
    for c in evidence.candidates[:rules.pool]:
        if c.score >= rules.keep * best and c.source not in per_source and is_statement(c):
            if (v := quantity.value_near(c.quote, query.text, focus)) is not None:
                per_source[c.source] = (v, c)
    found = list(per_source.values())
    if found:
        lead = found[0][1].vector
        found = [(v, c) for v, c in found if float(np.dot(lead, c.vector)) >= rules.same_thing]
    groups: list[list[Figure]] = []
    for v, c in found:
        same = next((g for g in groups if not quantity.differ(g[0][0].number, v.number)), None)
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
