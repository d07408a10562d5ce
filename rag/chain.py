"""The question-answering chain, a LangChain Runnable over {"question", "history", "k"}.

`invoke` returns the answer as the `--json` dict; `stream`/`astream` yield {"delta": text} pieces,
then one final event {"answer", "notice", "closest", "evidence"}. Every entry point (`invoke`,
`stream`, `batch`, `ainvoke`, `astream`) runs through LangChain's config machinery, so callbacks
given in `config` see this chain and the retriever inside it.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import replace
from typing import Any, AsyncIterator, ContextManager, Iterator

from langchain_core.callbacks import CallbackManagerForChainRun
from langchain_core.runnables import Runnable, RunnableConfig
from langchain_core.runnables.config import run_in_executor
from langchain_core.runnables.utils import AddableDict

from newsrag.errors import InputError
from newsrag.rag import compose, ellipsis, intent, outcome, speakers
from newsrag.rag.answer import NOT_COVERED, Answer, Answerer, refusal
from newsrag.rag.byline import byline_answer
from newsrag.rag.evidence import Evidence, gather
from newsrag.rag.filters import Filters
from newsrag.rag.question import analyze_question, find_role, split_wh
from newsrag.rag.read import Found, default_reader, load_calibration, read
from newsrag.rag.retrieve import HybridRetriever
from newsrag.rag.score import Fixed, Scorer, make_scorer
from newsrag.rag.sources import with_sources
from newsrag.rag.terms import terms
from newsrag.settings import Settings

EMPTY = "No articles are indexed yet: add some first (newsrag ingest FOLDER, or upload them in the chat)."

_MARKERS = re.compile(r"\s*\[\d+\]")


def last_reply(history: list[dict] | None) -> str:
    """The assistant's last answer without its markers ("" after a refusal)."""
    for turn in reversed(history or []):
        if isinstance(turn, dict) and turn.get("role") == "assistant" and isinstance(turn.get("content"), str):
            reply = turn["content"]
            return "" if reply.startswith(NOT_COVERED) else " ".join(_MARKERS.sub("", reply).split())
    return ""


def contextual_question(question: str, history: list[dict] | None) -> str | None:
    """The question joined to the last exchange, or None without one.

    "And where?" after "When are the talks?" / "On January 10." becomes one query holding all three,
    so retrieval finds the sentence about the talks on January 10 that also names the place.
    """
    turns = [t for t in (history or []) if isinstance(t, dict) and isinstance(t.get("content"), str)]
    users = [i for i, t in enumerate(turns) if t.get("role") == "user" and t["content"].strip()]
    if not users:
        return None
    reply = last_reply(turns)[:200]
    return " ".join(part for part in (turns[users[-1]]["content"], reply, question) if part)


def validate(question: Any, max_chars: int) -> str:
    """The question, stripped; an InputError (shown to the user) if it is empty or too long."""
    if not isinstance(question, str) or not question.strip():
        raise InputError("the question is empty")
    question = question.strip()
    if len(question) > max_chars:
        raise InputError(f"the question is too long ({len(question):,} characters; the limit is {max_chars:,})")
    return question


def names(words: tuple[str, ...]) -> str:
    """"A", "A or B", "A, B or C": how the refusal notice lists unknown names."""
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"


def closest(evidence: Evidence, limit: int = 3) -> list[tuple[str, str]]:
    """(source, title) of the best-ranked retrieved articles, offered when we refuse."""
    seen: dict[str, str] = {}
    for doc in evidence.documents:
        seen.setdefault(doc.metadata["source"], doc.metadata.get("title", ""))
    return list(seen.items())[:limit]


def refuses(evidence: Evidence, scorer: Fixed | Scorer) -> bool:
    """The one refusal rule: a name no article mentions, evidence too weak to answer from (the best
    sentence's score, or the learned refusal model's P(answerable), below the scorer's threshold), or,
    with the learned scorer, a kind of answer asked for (a number, a date...) no best sentence offers."""
    return (bool(evidence.unknown) or evidence.confidence < scorer.threshold
            or (scorer.refuses_missing_kind and evidence.kind_missing))


class NewsChain(Runnable[dict, dict]):
    """Retrieve hybrid evidence, refuse if it is weak, else let the answerer write a cited answer.

    `guard` is entered around retrieval (the App passes its lock so index writes never interleave).
    """

    def __init__(self, settings: Settings, retriever: HybridRetriever, answerer: Answerer,
                 guard: ContextManager | None = None):
        retriever.store.require(retriever.embedder.backend)  # query vectors must match the index's backend
        self.settings = settings
        self.retriever = retriever
        self.answerer = answerer
        self.guard = guard or contextlib.nullcontext()
        self.scorer = make_scorer(settings)
        self._reader = None
        self.calibration = load_calibration(settings.reader_dir) if settings.reader == "trained" else None
        self.rules = compose.Rules(settings.compose_keep, settings.compose_pool, settings.duplicate_similarity,
                                   settings.summary_sentences, settings.summary_keep)

    @property
    def store(self):
        return self.retriever.store

    @property
    def embedder(self):
        return self.retriever.embedder

    @property
    def corpus(self):
        return self.retriever.corpus

    # -- LangChain entry points ------------------------------------------------------------------
    def invoke(self, input: dict, config: RunnableConfig | None = None, **kwargs) -> dict:
        """The answer as the `newsrag ask --json` dict."""
        return self._call_with_config(self._final, input, config, **kwargs)["answer"]

    def stream(self, input: dict, config: RunnableConfig | None = None, **kwargs) -> Iterator[dict]:
        yield from self._transform_stream_with_config(iter([input]), self._transform, config, **kwargs)

    def transform(self, input: Iterator[dict], config: RunnableConfig | None = None, **kwargs) -> Iterator[dict]:
        yield from self._transform_stream_with_config(input, self._transform, config, **kwargs)

    async def astream(self, input: dict, config: RunnableConfig | None = None, **kwargs) -> AsyncIterator[dict]:
        async def one() -> AsyncIterator[dict]:
            yield input

        async for event in self._atransform_stream_with_config(one(), self._atransform, config, **kwargs):
            yield event

    # -- the work ----------------------------------------------------------------------------------
    def _final(self, input: dict, run_manager: CallbackManagerForChainRun, config: RunnableConfig) -> dict:
        final: dict = {}
        for event in self.events(input, config):
            if "answer" in event:
                final = event
        return final

    def _transform(self, inputs: Iterator[dict], run_manager: CallbackManagerForChainRun,
                   config: RunnableConfig) -> Iterator[dict]:
        for input in inputs:
            yield from self.events(input, config)

    async def _atransform(self, inputs: AsyncIterator[dict], run_manager, config: RunnableConfig) -> AsyncIterator[dict]:
        done = object()
        async for input in inputs:
            events = self.events(input, config)  # the model and Chroma calls block: run them off the loop
            while (event := await run_in_executor(config, next, events, done)) is not done:
                yield event

    def events(self, input: dict, config: RunnableConfig | None = None) -> Iterator[dict]:
        """Validate, gather evidence (history-aware), then refuse or stream the answerer's pieces."""
        question = validate(input.get("question"), self.settings.max_question_chars)
        filters = input.get("filters") or Filters()
        history = input.get("history")
        whole = ellipsis.standalone(question, history)  # "When?" -> "When will the talks be held?"
        with self.guard:
            nothing, notice = self.scope(filters)
            if nothing is None:
                evidence = self.evidence(whole or question, None if whole else history, input.get("k"), config,
                                         filters)
        if nothing is None:
            evidence = self.read(evidence)
        if nothing is not None:  # never silently search everything instead
            yield AddableDict(delta=nothing)
            yield AddableDict(answer=Answer(question, nothing, False).to_json(), notice=None, evidence=None,
                              closest=[])
            return
        yield from self.answer_events(whole or question, evidence, notice, typed=question)

    def scope(self, filters: Filters) -> tuple[str | None, str | None]:
        """(message if no article is indexed or none matches the filters, notice of undated articles a
        date filter left out)."""
        if not self.corpus.get().articles():
            return EMPTY, None
        if not filters:
            return None, None
        matched, undated = filters.scope(self.corpus.get().articles())
        if not matched:
            return f"No article matches the filters ({filters.describe()}).", None
        if undated:
            plural = "s" if undated > 1 else ""
            return None, f"{undated} article{plural} without a publication date left out by the date filter."
        return None, None

    def evidence(self, question: str, history: list[dict] | None = None, k: int | None = None,
                 config: RunnableConfig | None = None, filters: Filters | None = None) -> Evidence:
        """History-aware evidence: with a previous turn, retrieve for the question alone and in context.

        A follow-up that cannot stand alone ("And where?") finds stronger evidence in context; a new,
        self-contained question ("When will the talks take place?") finds it on its own. A summary or
        comparison wants every outlet's view: more chunks, retrieved for its topic alone.
        """
        asked = intent.detect(question)
        if asked.kind in compose.WIDE:
            query = asked.topic if terms(asked.topic) else question
            return self._evidence(query, question, max(k or self.settings.k, self.settings.wide_k), config,
                                  filters=filters)
        role = find_role(question)
        subject = speakers.holder(role, self.titled(str(role))) if role else None
        if subject:  # "What did Russia's foreign minister say?": look for what Lavrov said
            own = replace(self._evidence(f"{question} {subject}", question, k, config, filters=filters,
                                         focus=question), subject=subject)
        else:
            own = self._evidence(question, question, k, config, filters=filters)
        parts = split_wh(question)
        if len(parts) > 1:  # "When and where…?": each part finds its own best sentences too
            own = replace(own, parts=tuple(self._evidence(p, p, k, config, filters=filters) for p in parts))
        query = contextual_question(question, history)
        if query is None:
            return own
        previous = next(t["content"] for t in reversed(history) if t.get("role") == "user")
        in_context = self._evidence(query, question, k, config, seen=last_reply(history),
                                    focus=f"{previous} {question}", filters=filters)
        return in_context if in_context.strength > own.strength else own

    def titled(self, title: str, n: int = 50) -> list[str]:
        """The chunks that best match a title ("Russia’s foreign minister"): where its holder is named.
        A BM25 lookup, not a scan of every chunk on each question."""
        corpus = self.corpus.get()
        return [corpus.texts[cid] for cid, _ in corpus.search(title, n)]

    def _evidence(self, query: str, asked: str, k: int | None, config: RunnableConfig | None,
                  seen: str = "", focus: str | None = None, filters: Filters | None = None) -> Evidence:
        vector = self.embedder.encode([query])[0]
        docs = self.retriever.invoke(query, config, k=k or self.settings.k, vector=vector, filters=filters)
        return gather(self.store, self.corpus.get(), self.scorer, query, vector, docs, asked=asked, seen=seen,
                      focus=focus)

    @property
    def reader(self):
        """The trained reader, loaded on first use; None when `settings.reader` is "off"."""
        if self._reader is None and self.settings.reader == "trained":
            self._reader = default_reader(self.settings.reader_threads, self.settings.reader_dir)
        return self._reader

    def read(self, evidence: Evidence) -> Evidence:
        """The read stage: the reader's best span and calibrated chances, for the question and each of
        its parts ("When and where…?"). Summaries and comparisons quote whole statements: not read."""
        if self.reader is None or not evidence.candidates:
            return evidence
        if intent.detect(evidence.asked or evidence.question).kind in compose.WIDE:
            return evidence
        parts = tuple(replace(p, found=self.found(p)) for p in evidence.parts)
        return replace(evidence, found=self.found(evidence), parts=parts)

    def found(self, evidence: Evidence) -> Found | None:
        if not evidence.candidates:
            return None
        return read(self.reader, evidence, self.settings.read_k, self.calibration)

    def refuses(self, evidence: Evidence) -> bool:
        """With the calibrated reader: P(answerable) below its threshold; otherwise the older rule.

        A question asking for someone's position ("What does Lavrov think?") is answered by whole
        statements, not a span: the reader was trained on span questions, so the evidence rule decides.
        """
        found = evidence.found
        position = analyze_question(evidence.asked or evidence.question).answer_type == "position"
        if found is not None and found.answerable is not None and not position:
            return found.answerable < self.calibration.answerable_threshold
        return refuses(evidence, self.scorer)

    def answer_events(self, question: str, evidence: Evidence, notice: str | None = None,
                      typed: str | None = None) -> Iterator[dict]:
        """Refuse or compose without calling the answerer when that settles it; else stream its pieces.

        `notice` (e.g. undated articles a date filter left out) is added to the answer's own; `typed` is
        what the user typed when `question` is its standalone rewrite (rag/ellipsis.py).
        """
        asked = intent.detect(question)
        answer = self.settled(question, asked, evidence)
        if answer is not None:
            yield AddableDict(delta=answer.answer)
        else:
            for item in self.answerer.stream(evidence):
                if isinstance(item, Answer):
                    answer = item
                else:
                    yield AddableDict(delta=item)
        notes = " ".join(n for n in (answer.notice, notice) if n) or None
        result = replace(answer, question=typed or question, answer=answer.answer.strip(), intent=asked.kind,
                         notice=notes)
        result = with_sources(result, evidence, self.store)
        yield AddableDict(answer=result.to_json(), notice=result.notice, evidence=evidence,
                          closest=None if result.citations else closest(evidence))

    def settled(self, question: str, asked: intent.Intent, evidence: Evidence) -> Answer | None:
        """A refusal (weak evidence, or an outcome known only as planned) or a composed answer; else None.

        A summary or comparison with no topic ("Summarize what each outlet reports") has no question
        to match, so weak evidence does not refuse it.
        """
        if (by := byline_answer(question, evidence, self.store)) is not None:  # "Who wrote ...?" (rag/byline.py)
            return by
        if evidence.unknown:
            return refusal(question, f"No article mentions {names(evidence.unknown)}.")
        role = find_role(question)
        if role and role.asks_holder and not evidence.subject:  # no article names the holder of that title
            return refusal(question, f"No article names {role}.")
        topical = asked.kind not in compose.WIDE or bool(terms(asked.topic))
        if not evidence.candidates:
            return refusal(question)
        planned = outcome.only_planned(asked, evidence, self.settings.compose_keep, self.settings.compose_pool)
        if planned is not None:  # said before any other refusal: it tells the reader why
            return refusal(question, planned)
        if topical and self.refuses(evidence):
            return refusal(question)
        return compose.compose(question, asked, evidence, self.rules)
