"""Per-question scores: retrieval, answer, citations, refusals. Pure functions over plain data."""

from __future__ import annotations

import re
import string
from collections import Counter

_ARTICLES = re.compile(r"\b(a|an|the)\b")


def normalize(text: str) -> str:
    """SQuAD-style: lower case, no punctuation (curly quotes too), no articles, single spaces."""
    text = text.lower().replace("\u00a0", " ")
    text = "".join(ch for ch in text if ch not in string.punctuation and ch not in "“”‘’–—")
    return " ".join(_ARTICLES.sub(" ", text).split())


def loose(text: str) -> str:
    """Like `normalize` but punctuation becomes a space, so "winter.USA" still contains "winter"."""
    text = text.lower().replace("\u00a0", " ")
    text = "".join(" " if ch in string.punctuation or ch in "“”‘’–—" else ch for ch in text)
    return " ".join(_ARTICLES.sub(" ", text).split())


def token_f1(prediction: str, gold: str) -> float:
    p, g = normalize(prediction).split(), normalize(gold).split()
    common = Counter(p) & Counter(g)
    same = sum(common.values())
    if not p or not g or same == 0:
        return float(p == g)
    precision, recall = same / len(p), same / len(g)
    return 2 * precision * recall / (precision + recall)


def contains_answer(text: str, answers: list[str]) -> bool:
    """A gold phrase occurs in `text` on word boundaries (case, punctuation and articles ignored)."""
    norm = f" {loose(text)} "
    return any(f" {loose(a)} " in norm for a in answers if loose(a))


def overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def first_hit_rank(chunks: list[tuple[str, int, int]], gold: list[tuple[str, int, int]]) -> int | None:
    """1-based rank of the first retrieved chunk that contains a gold evidence span (None if none)."""
    for rank, (source, start, end) in enumerate(chunks, 1):
        for g_source, g_start, g_end in gold:
            if source == g_source and start <= g_start and g_end <= end:
                return rank
    return None


def citation_support(citations: list[dict], gold: list[tuple[str, int, int]], answers: list[str]) -> float | None:
    """Share of citations that overlap a gold evidence span or contain a gold answer."""
    if not citations:
        return None
    ok = sum(
        any(c["source"] == s and overlaps((c["start"], c["end"]), (a, b)) for s, a, b in gold)
        or contains_answer(c["text"], answers)
        for c in citations
    )
    return ok / len(citations)


def evidence_recall(citations: list[dict], gold: list[tuple[str, int, int]]) -> float | None:
    """Share of the gold evidence articles that the answer cites."""
    wanted = {s for s, _, _ in gold}
    if not wanted:
        return None
    return len(wanted & {c["source"] for c in citations}) / len(wanted)


def values_cited(answer: str, citations: list[dict], values: list[str]) -> bool:
    """Every value is stated in the answer and quoted by one of its citations ("Reports differ: ...")."""
    return all(contains_answer(answer, [v]) and any(contains_answer(c["text"], [v]) for c in citations)
               for v in values)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q
    lo, hi = int(pos), min(int(pos) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)
