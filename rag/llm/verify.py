"""Read a model's reply and check it: the model proposes citations, the application decides.

`parse` splits the reply into sentences and the `[n]` markers each carries, dropping markers that
name a sentence the model was not shown. `check` scores each sentence against the sentences it
cites (term overlap, overlap of the terms the question lacks, and embedding similarity; thresholds
calibrated by `python -m newsrag.eval.calibrate_llm`) and requires every number it states to appear in them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from newsrag.rag.evidence import Candidate
from newsrag.index.terms import terms
from newsrag.settings import Settings


_MARKER = re.compile(r"\[\s*(?:sentences?\s*)?(\d{1,3}(?:\s*(?:,|;|and|-|–)\s*\d{1,3})*)\s*\]", re.I)
_BOUNDARY = re.compile(r"(?<=[.!?…])[\"”’)]?\s+")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_CANNOT = re.compile(
    r"articles? (?:do not|don[’']t|does not|doesn[’']t) (?:say|mention|contain|state|answer)"
    r"|\b(?:cannot|can[’']t|unable to|not able to) (?:be )?(?:answer|determine|find|tell)"
    r"|\bno (?:information|mention|answer)\b|\bnot (?:mentioned|stated|specified|provided|given)\b"
    r"|\b(?:do not|don[’']t) know\b|\bnot enough information\b",
    re.I,
)


@dataclass
class Claim:
    """One sentence of the reply, the shown-sentence numbers it cites, and the verdict on it."""

    text: str
    cites: list[int] = field(default_factory=list)
    dropped: list[int] = field(default_factory=list)  # markers naming sentences never shown
    lexical: float = 0.0
    novel: float = 0.0
    dense: float = 0.0
    supported: bool = False


def _numbers(group: str) -> list[int]:
    """'2, 4' -> [2, 4]; '2-4' -> [2, 3, 4] (short ranges only)."""
    parts = [int(x) for x in re.findall(r"\d+", group)]
    if len(parts) == 2 and re.search(r"[-–]", group) and 0 < parts[1] - parts[0] <= 5:
        return list(range(parts[0], parts[1] + 1))
    return parts


def _segments(reply: str) -> list[str]:
    """Sentences of the reply; markers that open a segment belong to the sentence before it."""
    out: list[str] = []
    for seg in _BOUNDARY.split(" ".join(reply.split())):
        lead = re.match(r"^(?:\s*" + _MARKER.pattern + r")+", seg, re.I)
        if lead and out:
            out[-1] += " " + lead.group(0)
            seg = seg[lead.end():]
        if seg.strip():
            out.append(seg.strip())
    return out


def parse(reply: str, shown: set[int] | dict) -> list[Claim]:
    """Split the reply into claims; keep only markers that name a shown sentence (first use order)."""
    claims = []
    for seg in _segments(reply):
        cites: list[int] = []
        dropped: list[int] = []
        for m in _MARKER.finditer(seg):
            for n in _numbers(m.group(1)):
                (cites if n in shown else dropped).append(n)
        text = " ".join(_MARKER.sub(" ", seg).split())
        text = re.sub(r"\s+([.,;:!?])", r"\1", text)
        if re.search(r"\w", text):
            claims.append(Claim(text, list(dict.fromkeys(cites)), list(dict.fromkeys(dropped))))
    return claims


def says_cannot_answer(reply: str) -> bool:
    """The model declined: "The articles don't say.", "I cannot answer that", "not mentioned"..."""
    return bool(_CANNOT.search(reply))


@dataclass(frozen=True)
class Support:
    lexical: float  # share of the claim's content terms found in the cited sentences together
    novel: float  # the same share over the terms the question does not already contain (0 if none)
    dense: float  # best cosine similarity between the claim and a cited sentence
    numbers_ok: bool  # every number in the claim appears in the cited sentences

    def passes(self, lexical_min: float, novel_min: float, dense_min: float) -> bool:
        return (self.numbers_ok and self.lexical >= lexical_min and self.novel >= novel_min
                and self.dense >= dense_min)


def support(claim_text: str, vector: np.ndarray, cited: list[Candidate], question: str = "") -> Support:
    """How well the cited sentences back the claim (see `Support`).

    The novel-term share stops a claim that restates the question with an invented answer ("The TV
    channel that interviewed Lavrov was CNN") from passing on the question's words alone.
    """
    if not cited:
        return Support(0.0, 0.0, 0.0, False)
    wanted = set(terms(claim_text))
    novel = wanted - set(terms(question))
    have = set().union(*(terms(c.text) for c in cited))
    source_numbers = {n for c in cited for n in _NUMBER.findall(c.text.replace(",", ""))}
    return Support(
        lexical=len(wanted & have) / len(wanted) if wanted else 0.0,
        novel=len(novel & have) / len(novel) if novel else 0.0,
        dense=max(float(vector @ c.vector) for c in cited),
        numbers_ok=all(n in source_numbers for n in _NUMBER.findall(claim_text.replace(",", ""))),
    )


def check(claims: list[Claim], numbered: dict[int, Candidate], vectors: np.ndarray, question: str = "",
          lexical_min: float = Settings.support_lexical, novel_min: float = Settings.support_novel,
          dense_min: float = Settings.support_dense) -> list[Claim]:
    """Set `supported` on every claim (vectors[i] is the embedding of claims[i].text)."""
    for claim, vector in zip(claims, vectors):
        s = support(claim.text, vector, [numbered[n] for n in claim.cites], question)
        claim.lexical, claim.novel, claim.dense = s.lexical, s.novel, s.dense
        claim.supported = s.passes(lexical_min, novel_min, dense_min)
    return claims
