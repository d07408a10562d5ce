"""The question-answering chain: six LangChain stages composed with LCEL.

    analyse -> retrieve -> read -> decide -> compose -> cite

`analyse` turns the input {"question", "history", "k", "filters"} into one frozen Query
(rag/query.py); `retrieve` gathers hybrid evidence for it; `read` runs the trained reader; `decide`
refuses, or lets an intent handler answer (rag/intents/); `compose` streams the answer backend's
pieces when no handler did; `cite` fills each citation's news fields and gives the `--json` dict.
Each stage is a Runnable under its own name, so callbacks and traces show the question's path;
`config` reaches the retriever and the model backends.

`invoke` returns the answer dict; `stream`/`astream` yield {"delta": text} pieces, then one final event
{"answer", "notice", "closest", "evidence"}.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, replace
from typing import AsyncIterator, ContextManager, Iterator

from langchain_core.runnables import Runnable, RunnableConfig, RunnableGenerator, RunnableLambda
from langchain_core.runnables.config import run_in_executor
from langchain_core.runnables.utils import AddableDict

from newsrag.rag import intents, speakers
from newsrag.rag.answer import Answer, Answerer, refusal
from newsrag.rag.cite import with_sources
from newsrag.rag.evidence import Evidence, Fixed, gather
from newsrag.rag.intents import Rules
from newsrag.rag.query import Query, analyse
from newsrag.rag.read import Found, default_reader, default_verifier, load_calibration, read, reader_args
from newsrag.rag.retrieve import HybridRetriever
from newsrag.index.terms import terms
from newsrag.settings import Settings

EMPTY = "No articles are indexed yet: add some first (newsrag ingest FOLDER, or upload them in the chat)."


@dataclass(frozen=True)
class Turn:
    """What the stages pass on: the query, then its evidence, then a decided answer (if one is)."""

    query: Query
    evidence: Evidence | None = None
    notice: str | None = None  # e.g. undated articles a date filter left out
    settled: Answer | None = None  # decided without the answer backend: a refusal or a handler's answer
    final: bool = False  # `settled` is the whole reply (no article, none matching the filters)


def closest(evidence: Evidence, limit: int = 3) -> list[tuple[str, str]]:
    """(source, title) of the best-ranked retrieved articles, offered when we refuse."""
    seen: dict[str, str] = {}
    for doc in evidence.documents:
        seen.setdefault(doc.metadata["source"], doc.metadata.get("title", ""))
    return list(seen.items())[:limit]


def refuses(evidence: Evidence, scorer: Fixed) -> bool:
    """The evidence rule: a name no article mentions, or evidence too weak to answer from (the best
    sentence's score below the scorer's threshold)."""
    return bool(evidence.unknown) or evidence.strength < scorer.threshold


class NewsChain(Runnable[dict, dict]):
    """The stages above as one Runnable. `guard` is entered around retrieval (the App passes its lock
    so index writes never interleave)."""

    def __init__(self, settings: Settings, retriever: HybridRetriever, answerer: Answerer,
                 guard: ContextManager | None = None):
        retriever.store.require(retriever.embedder.backend)  # query vectors must match the index's backend
        self.settings = settings
        self.retriever = retriever
        self.answerer = answerer
        self.guard = guard or contextlib.nullcontext()
        self.scorer = Fixed.of(settings)
        self._reader = None
        self._verifier = None  # False once looked for and absent
        self.calibration = load_calibration(settings.reader_dir) if settings.reader == "trained" else None
        self.rules = Rules(settings.compose_keep, settings.compose_pool, settings.duplicate_similarity,
                           settings.summary_sentences, settings.summary_keep, settings.same_thing,
                           settings.max_composed_citations, retriever.store, settings.summary_single)
        self.pipeline = (RunnableLambda(self.analyse, name="analyse")
                         | RunnableLambda(self.retrieve, name="retrieve")
                         | RunnableLambda(self.read_stage, name="read")
                         | RunnableLambda(self.decide, name="decide")
                         | RunnableGenerator(self.compose, self.acompose, name="compose")
                         | RunnableGenerator(self.cite, self.acite, name="cite")).with_config(run_name="newsrag")

    @property
    def store(self):
        return self.retriever.store

    @property
    def embedder(self):
        return self.retriever.embedder

    @property
    def corpus(self):
        return self.retriever.corpus

    # -- LangChain entry points: the pipeline's own ------------------------------------------------
    def invoke(self, input: dict, config: RunnableConfig | None = None, **kwargs) -> dict:
        """The answer as the `newsrag ask --json` dict."""
        final: dict = {}
        for event in self.pipeline.stream(input, config, **kwargs):
            if "answer" in event:
                final = event
        return final["answer"]

    def stream(self, input: dict, config: RunnableConfig | None = None, **kwargs) -> Iterator[dict]:
        yield from self.pipeline.stream(input, config, **kwargs)

    def transform(self, input: Iterator[dict], config: RunnableConfig | None = None, **kwargs) -> Iterator[dict]:
        yield from self.pipeline.transform(input, config, **kwargs)

    async def astream(self, input: dict, config: RunnableConfig | None = None, **kwargs) -> AsyncIterator[dict]:
        async for event in self.pipeline.astream(input, config, **kwargs):
            yield event

    async def ainvoke(self, input: dict, config: RunnableConfig | None = None, **kwargs) -> dict:
        final: dict = {}
        async for event in self.pipeline.astream(input, config, **kwargs):
            if "answer" in event:
                final = event
        return final["answer"]

    # -- analyse -------------------------------------------------------------------------------------
    def analyse(self, input: dict) -> Turn:
        return Turn(analyse(input, self.settings.max_question_chars))

    # -- retrieve ------------------------------------------------------------------------------------
    def retrieve(self, turn: Turn, config: RunnableConfig) -> Turn:
        """Evidence for the query; or the whole reply when no article (or none matching the filters) is
        indexed: never silently search everything instead."""
        q = turn.query
        with self.guard:
            nothing, notice = self.scope(q)
            if nothing is not None:
                return replace(turn, settled=Answer(q.typed, nothing, False), final=True)
            return replace(turn, evidence=self.gather(q, config), notice=notice)

    def scope(self, q: Query) -> tuple[str | None, str | None]:
        """(message if no article is indexed or none matches the filters, notice of undated articles a
        date filter left out)."""
        articles = self.corpus.get().articles()
        if not articles:
            return EMPTY, None
        if not q.filters:
            return None, None
        matched, undated = q.filters.scope(articles)
        if not matched:
            return f"No article matches the filters ({q.filters.describe()}).", None
        if undated:
            plural = "s" if undated > 1 else ""
            return None, f"{undated} article{plural} without a publication date left out by the date filter."
        return None, None

    def gather(self, q: Query, config: RunnableConfig | None = None) -> Evidence:
        """History-aware evidence: with a previous turn, retrieve for the question alone and in context.

        A follow-up that cannot stand alone ("And where?") finds stronger evidence in context; a new,
        self-contained question finds it on its own. A summary or comparison wants every outlet's view:
        more chunks, retrieved for its topic alone. "Who said “…”?" looks for the quoted words.
        """
        k = q.k or self.settings.k
        if q.wide:
            query = q.intent.topic if terms(q.intent.topic) else q.text
            return self._evidence(q, query, max(k, self.settings.wide_k), config)
        subject = speakers.holder(q.role, self.titled(str(q.role))) if q.role else None
        if q.quoted:
            own = self._evidence(q, q.quoted, k, config)
        elif subject:  # "What did Russia's foreign minister say?": look for what Lavrov said
            own = replace(self._evidence(q, f"{q.text} {subject}", k, config, focus=q.text), subject=subject)
        else:
            own = self._evidence(q, q.text, k, config)
        if q.parts:  # "When and where…?": each part finds its own best sentences too
            own = replace(own, parts=tuple(self._evidence(p, p.text, k, config) for p in q.parts))
        if q.context is None or q.quoted:  # a quotation to find stands alone
            return own
        in_context = self._evidence(q, q.context, k, config, seen=q.reply,
                                    focus=f"{q.previous} {q.text}")
        return self._likelier(own, in_context)

    def _likelier(self, own: Evidence, in_context: Evidence) -> Evidence:
        """The evidence in context where it is the stronger (retrieval) and the calibrated reader finds
        it likelier to answer the question than the question's own evidence (both read here; the read
        stage does not read them again); else the question's own. A new question after an unrelated
        turn keeps its own evidence; a second chance in context would answer more near-misses.
        By retrieval strength alone where no calibrated reader is loaded."""
        if in_context.strength <= own.strength:
            return own
        if self.reader is None or self.calibration is None:
            return in_context
        own, in_context = self.read(own), self.read(in_context)
        return in_context if _p_answerable(in_context) > _p_answerable(own) else own

    def evidence(self, question: str, history: list[dict] | None = None, k: int | None = None,
                 config: RunnableConfig | None = None) -> Evidence:
        """The evidence the chain would gather for `question` (the calibration scripts' entry)."""
        return self.gather(analyse({"question": question, "history": history, "k": k},
                                   self.settings.max_question_chars), config)

    def titled(self, title: str, n: int = 50) -> list[str]:
        """The chunks that best match a title ("Russia’s foreign minister"): where its holder is named.
        A BM25 lookup, not a scan of every chunk on each question."""
        corpus = self.corpus.get()
        return [corpus.texts[cid] for cid, _ in corpus.search(title, n)]

    def _evidence(self, q: Query, text: str, k: int, config: RunnableConfig | None, seen: str = "",
                  focus: str | None = None) -> Evidence:
        """Evidence retrieved for `text`, scored for the query `q` (the whole question, or one of its parts)."""
        vector = self.embedder.encode([text])[0]
        docs = self.retriever.invoke(text, config, k=k, vector=vector, filters=q.filters)
        return gather(self.store, self.corpus.get(), self.scorer, q, text, vector, docs, seen=seen, focus=focus)

    # -- read ----------------------------------------------------------------------------------------
    @property
    def reader(self):
        """The trained reader, loaded on first use; None when `settings.reader` is "off"."""
        if self._reader is None and self.settings.reader == "trained":
            self._reader = default_reader(*reader_args(self.settings))
        return self._reader

    @property
    def verifier(self):
        """The verifier beside the reader, loaded on first use; None where none ships."""
        if self._verifier is None and self.reader is not None:
            self._verifier = default_verifier(*reader_args(self.settings)) or False
        return self._verifier or None

    def read_stage(self, turn: Turn) -> Turn:
        if turn.evidence is None or turn.query.wide or turn.evidence.found is not None:  # wide: whole statements
            return turn  # (evidence chosen in context was read when it was chosen)
        return replace(turn, evidence=self.read(turn.evidence))

    def read(self, evidence: Evidence) -> Evidence:
        """The reader's best span and calibrated chances, for the question and each of its parts."""
        if self.reader is None or not evidence.candidates:
            return evidence
        parts = tuple(replace(p, found=self.found(p)) for p in evidence.parts)
        return replace(evidence, found=self.found(evidence), parts=parts)

    def found(self, evidence: Evidence) -> Found | None:
        if not evidence.candidates:
            return None
        return read(self.reader, evidence, self.settings.read_k, self.calibration, verifier=self.verifier)

    # -- decide --------------------------------------------------------------------------------------
    def refuses(self, evidence: Evidence) -> bool:
        """With the calibrated reader: P(answerable) below its threshold; otherwise the evidence rule.

        A question asking for someone's position ("What does Lavrov think?") is answered by whole
        statements, not a span: the reader was trained on span questions, so the evidence rule decides.
        """
        found = evidence.found
        position = evidence.query is not None and evidence.query.position
        if found is not None and found.answerable is not None and not position:
            return found.answerable < self.calibration.answerable_threshold
        return refuses(evidence, self.scorer)

    def decide(self, turn: Turn) -> Turn:
        """A refusal, or an intent handler's answer; the turn unchanged (the backend answers) otherwise.

        A summary or comparison with no topic ("Summarize what each outlet reports") has no question
        to match, so weak evidence does not refuse it.
        """
        if turn.settled is not None:
            return turn
        q, evidence = turn.query, turn.evidence
        if (by := intents.byline.handle(q, evidence, self.rules)) is not None:  # "Who wrote …?": from metadata
            return replace(turn, settled=by)
        if not q.wide and not terms(q.text):  # "And where?" with no question before it: nothing to look for
            return replace(turn, settled=refusal(q.typed, "The question names nothing to look for: ask it in full."))
        if evidence.unknown:
            return replace(turn, settled=refusal(q.typed, f"No article mentions {' or '.join(', '.join(evidence.unknown).rsplit(', ', 1))}."))
        if q.role and q.role.asks_holder and not evidence.subject:  # no article names the holder of that title
            return replace(turn, settled=refusal(q.typed, f"No article names {q.role}."))
        if not evidence.candidates:
            return replace(turn, settled=refusal(q.typed))
        for guard in intents.GUARDS:  # said before the evidence rule: they tell the reader why
            if (answer := guard(q, evidence, self.rules)) is not None:
                return replace(turn, settled=answer)
        if (not q.wide or terms(q.intent.topic)) and self.refuses(evidence):
            return replace(turn, settled=refusal(q.typed))
        return replace(turn, settled=intents.handle(q, evidence, self.rules))

    # -- compose -------------------------------------------------------------------------------------
    def compose(self, turns: Iterator[Turn], config: RunnableConfig) -> Iterator[dict]:
        """The decided answer in one piece, or the answer backend's pieces as they come."""
        for turn in turns:
            answer = turn.settled
            if answer is not None:
                yield AddableDict(delta=answer.answer)
            else:
                for item in self.answerer.stream(turn.evidence, config):
                    if isinstance(item, Answer):
                        answer = item
                    else:
                        yield AddableDict(delta=item)
            yield AddableDict(turn=turn, composed=answer)

    async def acompose(self, turns: AsyncIterator[Turn], config: RunnableConfig) -> AsyncIterator[dict]:
        done = object()
        async for turn in turns:
            events = self.compose(iter([turn]), config)  # the model and Chroma calls block: off the loop
            while (event := await run_in_executor(config, next, events, done)) is not done:
                yield event

    # -- cite ----------------------------------------------------------------------------------------
    def cite(self, events: Iterator[dict]) -> Iterator[dict]:
        """Pieces pass through; the composed answer gets its news fields and becomes the JSON dict."""
        for event in events:
            yield self._cited(event) if "composed" in event else event

    async def acite(self, events: AsyncIterator[dict]) -> AsyncIterator[dict]:
        async for event in events:
            yield self._cited(event) if "composed" in event else event

    def _cited(self, event: dict) -> dict:
        turn, answer = event["turn"], event["composed"]
        q = turn.query
        if turn.final:
            return AddableDict(answer=answer.to_json(), notice=None, evidence=None, closest=[])
        notes = " ".join(n for n in (answer.notice, turn.notice) if n) or None
        text = answer.answer.strip()
        lead = len(answer.answer) - len(answer.answer.lstrip())
        editorial = [{**e, "start": e["start"] - lead, "end": e["end"] - lead} for e in answer.editorial]
        result = replace(answer, question=q.typed, answer=text, intent=q.intent.kind, notice=notes,
                         editorial=editorial)
        result = with_sources(result, turn.evidence, self.store)
        return AddableDict(answer=result.to_json(), notice=result.notice, evidence=turn.evidence,
                           closest=None if result.citations else closest(turn.evidence))


def _p_answerable(evidence: Evidence) -> float:
    found = evidence.found
    return found.answerable if found is not None and found.answerable is not None else -1.0
