"""The "read" stage: the trained reader (rag/reader.py) over the evidence's best passages.

Passages are built from the evidence's own sentences (their exact quotes, in article order, one
passage per retrieved chunk), so every span the reader finds maps back to exact article offsets
inside one candidate sentence. Two calibrated probabilities come out, both logistic models over the
same few numbers and fitted on SQuAD 2.0 dev's calibration articles (eval/calibrate_reader.py,
rag/reader_calibration.json), never on the held-out half:
- `answerable`: the question is answered by these articles (the reader's no-answer gap together
  with the retrieval evidence); the chain refuses below its threshold;
- `correct`: the best span is the right short answer, given that the question is answerable (fitted
  on the answerable calibration questions: refusal is the first model's job); the span is shown
  only above the threshold chosen for precision >= 0.90 there.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from newsrag.rag.evidence import Candidate, Evidence
from newsrag.rag.reader import HERE, Reader, ReaderError
from newsrag.rag.verifier import Verifier

CALIBRATION = Path(__file__).with_name("reader_calibration.json")
FEATURES = ("gap", "score", "share", "strength", "kind_missing", "top_sentence", "verified")
# "verified" is read only where a verifier ships beside the reader (rag/verifier.py); a calibration
# that names it needs one.


@dataclass(frozen=True)
class Short:
    """A short answer: `text == original[start:end]`, inside the sentence `candidate`."""

    candidate: Candidate
    start: int
    end: int
    text: str
    probability: float = 1.0


@dataclass(frozen=True)
class Found:
    """What the reader found for one question: the best span (in article offsets) and its numbers."""

    best: Short | None
    features: dict
    answerable: float | None = None  # calibrated P(the articles answer the question); None = uncalibrated
    correct: float | None = None  # calibrated P(the best span is the right short answer)
    shown: bool = False  # the span clears the short-answer threshold


@dataclass(frozen=True)
class Calibration:
    """Two logistic models over FEATURES and their thresholds (rag/reader_calibration.json)."""

    answerable_w: tuple[float, ...]
    answerable_b: float
    answerable_threshold: float
    correct_w: tuple[float, ...]
    correct_b: float
    correct_threshold: float
    features: tuple[str, ...] = FEATURES  # the names the weights go with, in order

    def p_answerable(self, f: dict) -> float:
        return _logistic(self.answerable_w, self.answerable_b, f, self.features)

    def p_correct(self, f: dict) -> float:
        return _logistic(self.correct_w, self.correct_b, f, self.features)


def _logistic(w: tuple[float, ...], b: float, f: dict, names: tuple[str, ...]) -> float:
    z = b + sum(wi * float(f[name]) for wi, name in zip(w, names, strict=True))
    return 1 / (1 + math.exp(-max(-30.0, min(30.0, z))))


def load_calibration(folder: Path | None = None) -> Calibration | None:
    """The shipped calibration, or the one in `folder` beside a reader trained elsewhere (None if absent)."""
    path = CALIBRATION if folder is None else folder / CALIBRATION.name
    if not path.exists():
        return None
    d = json.loads(path.read_text(encoding="utf-8"))
    if set(d["features"]) - set(FEATURES):
        raise ReaderError(f"{path.name} reads features this code does not compute: run `make reader` to recalibrate")
    return Calibration(tuple(d["answerable"]["w"]), d["answerable"]["b"], d["answerable"]["threshold"],
                       tuple(d["correct"]["w"]), d["correct"]["b"], d["correct"]["threshold"],
                       tuple(d["features"]))


def default_reader(threads: int | None = None, folder: Path | None = None, runtime: str = "auto",
                   cache: Path | None = None) -> Reader:
    """One reader per process, folder and runtime (loading it takes about a second); default: the shipped one."""
    return _reader(threads, folder, runtime, cache)  # positional: one cache key however it is called


@lru_cache(maxsize=2)
def _reader(threads, folder, runtime, cache) -> Reader:
    if folder is None:
        return Reader(threads=threads, runtime=runtime, cache=cache)
    return Reader(folder / "reader.safetensors", folder / "reader.json", threads=threads, runtime=runtime,
                  cache=cache)


def default_verifier(threads: int | None = None, folder: Path | None = None, runtime: str = "auto",
                     cache: Path | None = None) -> Verifier | None:
    """The verifier beside the reader in `folder` (default: the shipped one), or None where none ships."""
    return _verifier(threads, folder, runtime, cache)


@lru_cache(maxsize=2)
def _verifier(threads, folder, runtime, cache) -> Verifier | None:
    where = folder or HERE
    if not (where / "verifier.json").exists():
        return None
    return Verifier(default_reader(threads, folder, runtime, cache), where / "verifier.safetensors",
                    where / "verifier.json", threads=threads)


def reader_args(settings) -> tuple:
    """`default_reader`'s and `default_verifier`'s arguments from the settings, positional (one cache key)."""
    return settings.reader_threads, settings.reader_dir, settings.reader_runtime, settings.cache_dir


def passages(evidence: Evidence, read_k: int) -> list[list[Candidate]]:
    """The statements of the `read_k` best chunks, and of the chunks holding the two best sentences,
    each chunk's in article order."""
    pool = [c for c in evidence.candidates if c.statement]
    ranks = list(range(read_k))
    for c in pool[:2]:
        if c.rank not in ranks:
            ranks.append(c.rank)
    groups = [sorted((c for c in pool if c.rank == r), key=lambda c: c.start) for r in ranks]
    return [g for g in groups if g]


def joined(group: list[Candidate]) -> tuple[str, list[int]]:
    """The group's quotes joined by a space, and where each one starts in the joined text."""
    starts, parts, at = [], [], 0
    for c in group:
        starts.append(at)
        parts.append(c.quote)
        at += len(c.quote) + 1
    return " ".join(parts), starts


def to_article(group: list[Candidate], starts: list[int], a: int, b: int, p: float = 1.0) -> Short | None:
    """A span of the joined passage as an exact span of the one sentence it starts in (clipped to it)."""
    i = max(j for j, s in enumerate(starts) if s <= a)
    c = group[i]
    lo, hi = a - starts[i], min(b - starts[i], len(c.quote))
    while lo < hi and c.quote[lo].isspace():
        lo += 1
    while hi > lo and c.quote[hi - 1].isspace():
        hi -= 1
    if hi <= lo:
        return None
    return Short(c, c.start + lo, c.start + hi, c.quote[lo:hi], p)


def read(reader: Reader, evidence: Evidence, read_k: int, calibration: Calibration | None,
         question: str | None = None, verifier: Verifier | None = None) -> Found:
    """Read the evidence's best passages for the question; the best span with its calibrated chances."""
    groups = passages(evidence, read_k)
    texts = [joined(g) for g in groups]
    asked = question or evidence.asked or evidence.question
    reading = reader.read(asked, [t for t, _ in texts], top_k=8)
    best = None
    if reading.best is not None:
        s = reading.best
        best = to_article(groups[s.passage], texts[s.passage][1], s.start, s.end)
    features = features_of(reading, evidence, best)
    if verifier is not None:
        features["verified"] = (verifier.logits(asked, [best.candidate.quote], [statement_before(groups, reading, best)])[0]
                                if best else -20.0)
    elif calibration is not None and "verified" in calibration.features:
        raise ReaderError("the reader's calibration reads the verifier, and none is loaded: run `make verifier`")
    if calibration is None or best is None:
        return Found(best, features)
    p_ans, p_ok = calibration.p_answerable(features), calibration.p_correct(features)
    best = replace(best, probability=p_ok)
    return Found(best, features, p_ans, p_ok, p_ok >= calibration.correct_threshold)


def statement_before(groups: list[list[Candidate]], reading, best: Short) -> str | None:
    """The statement before the best span's sentence in its passage (None when it opens the passage)."""
    group = groups[reading.best.passage]
    i = next(j for j, c in enumerate(group) if c is best.candidate)
    return group[i - 1].quote if i else None


def features_of(reading, evidence: Evidence, best: Short | None) -> dict:
    """The numbers both calibrated models read (FEATURES)."""
    gaps = [s.gap for s in reading.spans]
    top = max(gaps, default=-20.0)
    share = 1 / sum(math.exp(g - top) for g in gaps) if gaps else 0.0
    top_sentence = bool(best and evidence.candidates and best.candidate.start == evidence.candidates[0].start
                        and best.candidate.source == evidence.candidates[0].source)
    return {"gap": max(-20.0, top), "score": reading.best.score if reading.best else 0.0, "share": share,
            "strength": evidence.strength,
            "kind_missing": float(evidence.kind_missing), "top_sentence": float(top_sentence)}
