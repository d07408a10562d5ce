"""The default answerer: no LLM, no network. It quotes the evidence sentences that answer the question.

Picks the best-scoring sentences, merges repeats of one fact from different outlets into one
statement citing each outlet, leads with the best statement, orders the others by article and position, and adds `[n]` markers.
"""

from __future__ import annotations

import re
from typing import Callable, Iterator

import numpy as np

from newsrag.rag import speakers
from newsrag.rag.answer import Answer, Answerer, Sentence, refusal
from newsrag.rag.cite import DATE, Cites, Writer
from newsrag.rag.evidence import Candidate, Evidence
from newsrag.rag.query import Query
from newsrag.rag.read import Short
from newsrag.index.terms import terms

Statement = list[Candidate]  # first = the sentence shown; all = the citations


class ExtractiveAnswerer(Answerer):
    name = "extractive"

    def __init__(self, max_sentences: int, relative_keep: float, duplicate_similarity: float, min_words: int = 5):
        self.max_sentences = max_sentences
        self.relative_keep = relative_keep
        self.duplicate_similarity = duplicate_similarity
        self.min_words = min_words

    def stream(self, evidence: Evidence, config: dict | None = None) -> Iterator[str | Answer]:
        q = query_of(evidence)
        statements = self.select(evidence)
        if not statements:
            yield refusal(evidence.question)
            return
        ranked = sorted((c for st in statements for c in st), key=lambda c: c.score, reverse=True)
        dated = q.expected == "date"  # "when" answers show the absolute date too
        found = evidence.found
        leads = found is not None and found.best is not None and self.may_lead(found.best.candidate, evidence)
        if q.parts:  # "When and where…?": a short answer for each, its sentence quoted
            shorts = _unique([p.found.best for p in evidence.parts if p.found is not None and p.found.shown])
            statements += [[s.candidate] for s in shorts if same_fact(s.candidate, statements, 1.01) is None]
        elif (held := _holder_short(q, evidence, ranked)) is not None:  # "Who is NATO's secretary general?"
            shorts = [held]
        else:  # the reader's best span, when its calibrated chance of being right clears the threshold
            shorts = [found.best] if found is not None and found.shown and leads else []
        if leads:  # the sentence holding the reader's best span leads
            statements = _leading(statements, found.best.candidate, self.max_sentences)
        answer = compose(evidence.question, _holding_first(statements, shorts), shorts,
                         render=lambda st: statement_pieces(st, dated))
        for piece in answer.answer.split(" "):
            yield piece + " "
        yield answer

    def select(self, evidence: Evidence) -> list[Statement]:
        """The statements to quote: headlines and captions never; for a question about what someone
        said or thinks, their own words first and nobody else's words put in their mouth."""
        pool = self.quotable(evidence)
        fitting = [c.score for c in pool[:3] if c.fits]
        if fitting:  # "How much…?": a sentence offering no amount is no answer, unless it outranks all that do
            pool = [c for c in pool if c.fits or c.score > max(fitting)]
        q, subject = query_of(evidence), subject_of(evidence)
        by_speaker = speakers.applies(subject, q.position, pool)
        if by_speaker:
            pool = speakers.prefer(pool, subject)
        if not pool:
            return []
        best = pool[0].score
        statements: list[Statement] = []
        for c in pool:
            if c.score < self.relative_keep * best:
                break
            same = same_fact(c, statements, self.duplicate_similarity)
            if same is not None:
                _cite_too(same, c)
            elif len(statements) < self.max_sentences and not (statements and introduces(c.text)):
                statements.append([c])
        for c in pool:  # other outlets stating a selected fact, even if they scored lower
            if c.score >= 0.5 * best and (same := same_fact(c, statements, self.duplicate_similarity)) is not None:
                _cite_too(same, c)
        for st in statements:  # a quote running on into the next sentence is shown whole
            if (more := continuation(st[0], evidence.candidates)) is not None:
                st.insert(1, more)
        statements = shown_once(statements)
        ordered = statements[:1] + order(statements[1:])  # the best answer leads
        if by_speaker:  # their own words lead (a stable sort keeps the reading order otherwise)
            ordered.sort(key=lambda st: not speakers.is_own(st[0], subject))
        return ordered

    def quotable(self, evidence: Evidence) -> list[Candidate]:
        return [c for c in evidence.candidates if c.statement and len(c.text.split()) >= self.min_words]

    def may_lead(self, c: Candidate, evidence: Evidence) -> bool:
        """A sentence may lead unless the question asks what someone says and it is not their own words."""
        subject = subject_of(evidence)
        return (not speakers.applies(subject, query_of(evidence).position, self.quotable(evidence))
                or speakers.is_own(c, subject))


def query_of(evidence: Evidence) -> Query:
    """The analysed question this evidence answers (analysed here only for evidence built by hand)."""
    return evidence.query or Query.of(evidence.asked or evidence.question)


def subject_of(evidence: Evidence) -> str | None:
    """Who the question asks about: the name it gives, or the holder of the title it gives ("Russia's
    foreign minister" -> "Sergey Lavrov", found by retrieval)."""
    return query_of(evidence).subject or evidence.subject


def _holder_short(q: Query, evidence: Evidence, ranked: list[Candidate]) -> Short | None:
    """For "Who is <title>?", the name the articles give that title, in the best sentence naming them."""
    role = q.role
    if not (role and role.asks_holder and evidence.subject):
        return None
    name = re.compile(r"\s+".join(re.escape(w) for w in evidence.subject.split()))  # "Jens  Stoltenberg" too
    for c in ranked:
        if m := name.search(c.quote):
            return Short(c, c.start + m.start(), c.start + m.end(), m.group(0))
    return None


def _unique(shorts: list[Short]) -> list[Short]:
    out: list[Short] = []
    for s in shorts:
        if all(s.text != o.text for o in out):
            out.append(s)
    return out


def _leading(statements: list[Statement], lead: Candidate, limit: int) -> list[Statement]:
    """The statement quoting `lead` first; `lead` becomes the first statement if none quotes it."""
    at = next((i for i, st in enumerate(statements) if any(c.source == lead.source and c.start == lead.start
                                                           for c in st)), None)
    if at is None:
        return ([[lead]] + statements)[:limit]
    return [statements[at]] + statements[:at] + statements[at + 1:]


def _holding_first(statements: list[Statement], shorts: list[Short]) -> list[Statement]:
    """The statements quoting the short answers' sentences lead, in the short answers' order (stable)."""
    def rank(st: Statement) -> int:
        keys = {(c.source, c.start) for c in st}
        return next((i for i, s in enumerate(shorts) if (s.candidate.source, s.candidate.start) in keys), len(shorts))
    return sorted(statements, key=rank)


def same_fact(c: Candidate, statements: list[Statement], similarity: float) -> Statement | None:
    """The statement already stating what `c` states (same sentence, near-same vector or wording), or None."""
    for st in statements:
        head = st[0]
        if (head.source, head.start) == (c.source, c.start):
            return st
        if float(np.dot(head.vector, c.vector)) >= similarity or _jaccard(head, c) >= 0.6:
            return st
    return None


def _cite_too(statement: Statement, c: Candidate) -> None:
    """Add `c` as another citation of the statement if it comes from an outlet not cited yet."""
    if all(x.source != c.source for x in statement):
        statement.append(c)


def _jaccard(a: Candidate, b: Candidate) -> float:
    ta, tb = set(terms(a.text)), set(terms(b.text))
    return len(ta & tb) / (len(ta | tb) or 1)


def order(statements: list[Statement]) -> list[Statement]:
    """Readable order: articles in order of their best statement, statements in article order."""
    first_seen: dict[str, int] = {}
    for i, st in enumerate(statements):
        first_seen.setdefault(st[0].source, i)
    return sorted(statements, key=lambda st: (first_seen[st[0].source], st[0].start))


def introduces(text: str) -> bool:
    """A sentence ending in a colon ("In the interview, Obama also said:") introduces what follows and
    states nothing on its own: it may lead an answer, never be quoted beside one."""
    return text.rstrip().rstrip("\"”’)]").endswith(":")


def continuation(c: Candidate, candidates: list[Candidate], gap: int = 3) -> Candidate | None:
    """The sentence that continues a quote `c` leaves open (“One country… space. | The idea must…”):
    a statement, never the subheading or caption that follows it on the page."""
    if not speakers.opens_quote(c.text):
        return None
    return next((x for x in candidates if _continues(c, x, gap) and x.statement), None)


def _continues(head: Candidate, c: Candidate, gap: int = 3) -> bool:
    """`c` starts right after `head` in the same article (at most `gap` characters between them)."""
    return c.source == head.source and head.end <= c.start <= head.end + gap


def shown_once(statements: list[Statement]) -> list[Statement]:
    """A sentence shown as the end of another statement's quote is not quoted again on its own: the
    statement showing it takes its place if it would have come later."""
    out: list[Statement] = []
    for st in statements:
        key = (st[0].source, st[0].start)
        host = next((o for o in statements if o is not st
                     and any((c.source, c.start) == key and _continues(o[0], c) for c in o[1:])), None)
        st = st if host is None else host
        if not any(o is st for o in out):
            out.append(st)
    return out


def shown(st: Statement, text: Callable[[Candidate], str] = lambda c: c.text) -> str:
    """The statement's text: its sentence, and the sentence continuing its quote, if that is cited too."""
    head, parts = st[0], [text(st[0])]
    for c in st[1:]:
        if _continues(head, c):
            parts.append(text(c))
    return " ".join(parts)


Pieces = list[tuple[str, "str | None", str]]  # (text, editorial kind or None for the source's words, note)


def statement_pieces(st: Statement, dated: bool = False) -> Pieces:
    """A statement as the answer shows it: its sentence verbatim, its speaker named as ours where the
    sentence does not name them, and (for "when" questions) its resolved dates after it."""
    pieces = speakers.attributed(shown(st), st[0].speaker if st[0].speaker_here else None)
    note = " ".join(n for c in st if c.source == st[0].source and (n := c.date_note()))
    if dated and note:
        pieces.append((f" {note}", DATE, "the date resolved against the article's publication date"))
    return pieces


def compose(question: str, statements: list[Statement], shorts: list[Short] | Short | None = None,
            render: Callable[[Statement], Pieces] | None = None, joiner: str = " ") -> Answer:
    """Answer text with `[n]` markers; one citation per distinct span, numbered by first use (rag/cite.py).

    Short answers come first ("Karen Donfried [1]."; "January 10 [1]; Geneva [2]."), each citation
    marking where its short answer sits in the sentence. `render` gives a statement's pieces (default:
    its sentence, its speaker named as ours); statements are joined by `joiner`. The JSON
    `short_answer` is the first short answer.
    """
    shorts = [shorts] if isinstance(shorts, Short) else list(shorts or [])
    render = render or statement_pieces
    cites, w, sentences = Cites(), Writer(), []
    short_json = None
    for i, s in enumerate(shorts):
        n = cites.mark(s.candidate, short={"start": s.start, "end": s.end})
        short_json = short_json or {"text": s.text, "n": n[0]}
        w.sep("; " if i else "").quote(" ".join(s.text.split())).marks(n)
        sentences.append(Sentence(s.text, n))
    if shorts:
        w.sep(".")
    for st in statements:
        marks = cites.mark(*st)
        at = w.sep(joiner if w.length else "").length
        w.pieces(render(st))
        sentences.append(Sentence(w.text[at:], marks))
        w.marks(marks)
    return Answer(question, w.text, True, cites.citations, sentences=sentences, short_answer=short_json,
                  editorial=w.editorial)
