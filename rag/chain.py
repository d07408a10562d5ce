"""The question-answering chain as a LangChain Runnable taking {"question", "history"}.

invoke -> the answer as the `--json` dict; stream -> {"delta": text} pieces, then the answer dict.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any, Iterator

from langchain_core.runnables import Runnable, RunnableConfig

from newsrag.index.embed import Embedder
from newsrag.index.store import ChromaStore
from newsrag.errors import InputError
from newsrag.settings import Settings
from newsrag.rag.answer import NOT_COVERED, Answer, Answerer, refusal
from newsrag.rag.evidence import Evidence, gather
from newsrag.rag.filters import Filters
from newsrag.rag.lexical import CorpusCache
from newsrag.rag.retrieve import HybridRetriever
from newsrag.rag.sources import with_sources
from newsrag.rag.timeline import asks_timeline, timeline, topic

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
    if not isinstance(question, str) or not question.strip():
        raise InputError("the question is empty")
    question = question.strip()
    if len(question) > max_chars:
        raise InputError(f"the question is too long ({len(question):,} characters; the limit is {max_chars:,})")
    return question


class NewsChain(Runnable[dict, dict]):
    """Retrieve hybrid evidence, refuse if it is weak, else let the answerer write a cited answer."""

    def __init__(self, settings: Settings, store: ChromaStore, embedder: Embedder, answerer: Answerer,
                 corpus: CorpusCache | None = None):
        store.require(embedder.backend)  # query vectors must come from the index's own backend
        self.settings = settings
        self.store = store
        self.embedder = embedder
        self.answerer = answerer
        self.corpus = corpus or CorpusCache(store, settings.home / "cache")  # share it across chains
        self.retriever = HybridRetriever(store=store, embedder=embedder, corpus=self.corpus,
                                         k=settings.k, rrf_k=settings.rrf_k,
                                         lexical_weight=settings.lexical_weight)

    def evidence(self, question: str, history: list[dict] | None = None, k: int | None = None,
                 filters: Filters | None = None) -> Evidence:
        """History-aware evidence: with a previous turn, retrieve for the question alone and in context.

        A follow-up that cannot stand alone ("And where?") finds stronger evidence in context; a new,
        self-contained question ("When will the talks take place?") finds it on its own.
        """
        if asks_timeline(question):  # a timeline wants many dated statements about its topic
            return self._evidence(topic(question), question, 2 * (k or self.settings.k), filters=filters)
        own = self._evidence(question, question, k, filters=filters)
        query = contextual_question(question, history)
        if query is None:
            return own
        previous = next(t["content"] for t in reversed(history) if t.get("role") == "user")
        in_context = self._evidence(query, question, k, seen=last_reply(history), focus=f"{previous} {question}",
                                    filters=filters)
        return in_context if in_context.strength > own.strength else own

    def _evidence(self, query: str, asked: str, k: int | None, seen: str = "", focus: str | None = None,
                  filters: Filters | None = None) -> Evidence:
        vector = self.embedder.encode([query])[0]
        docs = self.retriever.search(query, vector, k or self.settings.k, filters)
        return gather(self.store, self.corpus.get(), query, vector, docs,
                      self.settings.dense_weight, self.settings.misfit_penalty, asked=asked, seen=seen,
                      focus=focus)

    def stream(self, input: dict, config: RunnableConfig | None = None, **kwargs) -> Iterator[dict]:
        question = validate(input.get("question"), self.settings.max_question_chars)
        filters = input.get("filters") or Filters()
        nothing, notice = self.scope(filters)
        if nothing:  # never silently search everything instead
            yield {"delta": nothing}
            yield {"answer": Answer(question, nothing, False).to_json(), "notice": None}
            return
        evidence = self.evidence(question, input.get("history"), input.get("k"), filters)
        yield from self.answer_events(question, evidence, notice)

    def scope(self, filters: Filters) -> tuple[str | None, str | None]:
        """(message if no article matches the filters, notice of undated articles a date filter left out)."""
        if not filters:
            return None, None
        matched, undated = filters.scope(self.corpus.get().articles())
        if not matched:
            return f"No article matches the filters ({filters.describe()}).", None
        if undated:
            plural = "s" if undated > 1 else ""
            return None, f"{undated} article{plural} without a publication date left out by the date filter."
        return None, None

    def answer_events(self, question: str, evidence: Evidence, notice: str | None = None) -> Iterator[dict]:
        """Refuse on weak evidence without calling the answerer; else stream the answerer's pieces."""
        dated = timeline(evidence) if asks_timeline(question) else None
        if evidence.unknown or evidence.strength < self.settings.min_evidence:
            unknown = f"No article mentions {', '.join(evidence.unknown)}." if evidence.unknown else None
            answer = refusal(question, unknown)
            yield {"delta": answer.answer}
        elif dated is not None:
            answer = dated
            yield {"delta": answer.answer}
        else:
            answer = None
            for item in self.answerer.stream(evidence):
                if isinstance(item, Answer):
                    answer = item
                else:
                    yield {"delta": item}
        notes = " ".join(n for n in (answer.notice, notice) if n) or None
        result = with_sources(replace(answer, question=question, answer=answer.answer.strip(), notice=notes),
                              evidence, self.store)
        yield {"answer": result.to_json(), "notice": result.notice}

    def invoke(self, input: dict, config: RunnableConfig | None = None, **kwargs) -> dict:
        final = {}
        for event in self.stream(input, config):
            if "answer" in event:
                final = event["answer"]
        return final
