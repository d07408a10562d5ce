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
from newsrag.rag import compose, intent, outcome
from newsrag.rag.answer import NOT_COVERED, Answer, Answerer, refusal
from newsrag.rag.evidence import Evidence, gather
from newsrag.rag.filters import Filters
from newsrag.rag.lexical import CorpusCache
from newsrag.rag.retrieve import HybridRetriever
from newsrag.rag.sources import with_sources
from newsrag.rag.terms import terms

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
        self.rules = compose.Rules(settings.compose_keep, settings.compose_pool, settings.duplicate_similarity,
                                   settings.summary_sentences, settings.summary_keep)

    def evidence(self, question: str, history: list[dict] | None = None, k: int | None = None,
                 filters: Filters | None = None) -> Evidence:
        """History-aware evidence: with a previous turn, retrieve for the question alone and in context.

        A follow-up that cannot stand alone ("And where?") finds stronger evidence in context; a new,
        self-contained question ("When will the talks take place?") finds it on its own. A summary or
        comparison wants every outlet's view: more chunks, retrieved for its topic alone.
        """
        asked = intent.detect(question)
        if asked.kind in compose.WIDE:
            query = asked.topic if terms(asked.topic) else question
            return self._evidence(query, question, max(k or self.settings.k, self.settings.wide_k), filters=filters)
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
        """Refuse or compose without calling the answerer when that settles it; else stream its pieces.

        `notice` (e.g. undated articles a date filter left out) is added to the answer's own.
        """
        asked = intent.detect(question)
        answer = self.settled(question, asked, evidence)
        if answer is not None:
            yield {"delta": answer.answer}
        else:
            for item in self.answerer.stream(evidence):
                if isinstance(item, Answer):
                    answer = item
                else:
                    yield {"delta": item}
        notes = " ".join(n for n in (answer.notice, notice) if n) or None
        result = replace(answer, question=question, answer=answer.answer.strip(), intent=asked.kind, notice=notes)
        result = with_sources(result, evidence, self.store)
        yield {"answer": result.to_json(), "notice": result.notice}

    def settled(self, question: str, asked: intent.Intent, evidence: Evidence) -> Answer | None:
        """A refusal (weak evidence, or an outcome known only as planned) or a composed answer; else None.

        A summary or comparison with no topic ("Summarize what each outlet reports") has no question
        to match, so weak evidence does not refuse it.
        """
        if evidence.unknown:
            return refusal(question, f"No article mentions {', '.join(evidence.unknown)}.")
        topical = asked.kind not in compose.WIDE or bool(terms(asked.topic))
        if not evidence.candidates or (topical and evidence.strength < self.settings.min_evidence):
            return refusal(question)
        if (notice := outcome.only_planned(asked, evidence, self.settings.compose_keep)) is not None:
            return refusal(question, notice)
        return compose.compose(question, asked, evidence, self.rules)

    def invoke(self, input: dict, config: RunnableConfig | None = None, **kwargs) -> dict:
        final = {}
        for event in self.stream(input, config):
            if "answer" in event:
                final = event["answer"]
        return final
