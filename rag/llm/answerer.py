"""Answers written by a language model, with citations the application verifies rather than trusts.

`LLMAnswerer.stream` shows the model the numbered evidence, streams its tokens, then parses and
checks the reply. Backends only implement `tokens(messages)`; any failure there (unreachable server,
timeout, unknown model, malformed reply) becomes a one-line notice and the extractive answer.
"""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import replace
from typing import Iterator

from newsrag.index.embed import Embedder
from newsrag.errors import BackendError
from newsrag.rag.llm import verify
from newsrag.rag.answer import NOT_COVERED, Answer, Answerer, Sentence
from newsrag.rag.cite import Cites, markers
from newsrag.rag.evidence import Evidence
from newsrag.rag.llm.prompt import Shown, messages, show
from newsrag.settings import Settings


class LLMAnswerer(Answerer):
    """Base of the model backends: prompt, stream, parse, verify, fall back."""

    name = "llm"

    def __init__(self, embedder: Embedder, fallback: Answerer, shown_sentences: int = 10,
                 lexical_min: float = Settings.support_lexical, novel_min: float = Settings.support_novel,
                 dense_min: float = Settings.support_dense):
        self.embedder = embedder
        self.fallback = fallback
        self.shown_sentences = shown_sentences
        self.lexical_min = lexical_min
        self.novel_min = novel_min
        self.dense_min = dense_min

    @abstractmethod
    def tokens(self, chat: list[dict], config: dict | None = None) -> Iterator[str]:
        """The model's reply to `chat`, piece by piece (`config`: the chain's RunnableConfig); raises BackendError (one-line message) on failure."""

    def stream(self, evidence: Evidence, config: dict | None = None) -> Iterator[str | Answer]:
        shown = show(evidence, self.shown_sentences)
        reply = ""
        try:
            for piece in self.tokens(messages(evidence.question, shown), config):
                reply += piece
                yield piece
        except BackendError as e:
            yield self._fallback_answer(evidence, f"{e}; showing the extractive answer instead.")
            return
        except Exception as e:  # a backend bug must still not reach the user as a traceback
            yield self._fallback_answer(evidence, f"the {self.name} backend failed ({type(e).__name__}: "
                                                  f"{_first_line(e)}); showing the extractive answer instead.")
            return
        yield self.finish(evidence, shown, reply)

    def finish(self, evidence: Evidence, shown: Shown, reply: str) -> Answer:
        """Turn the complete reply into the answer: verified, a refusal, or the extractive fallback."""
        claims = verify.parse(reply, shown.numbered)
        if claims:
            vectors = self.embedder.encode([c.text for c in claims])
            verify.check(claims, shown.numbered, vectors, evidence.question, self.lexical_min, self.novel_min,
                         self.dense_min)
        if not any(c.supported for c in claims):
            if not reply.strip():
                return self._fallback_answer(evidence, f"the {self.name} model returned an empty reply; "
                                                       "showing the extractive answer instead.")
            if verify.says_cannot_answer(reply):
                return Answer(evidence.question, NOT_COVERED, False, [], "The model found no answer in the articles.")
            return self._fallback_answer(evidence, f"the {self.name} model's answer was not supported by the "
                                                   "sentences it cited; showing the extractive answer instead.")
        return compose(evidence.question, claims, shown)

    def _fallback_answer(self, evidence: Evidence, notice: str) -> Answer:
        return replace(self.fallback.answer(evidence), notice=notice[0].upper() + notice[1:])



def _first_line(e: Exception) -> str:
    text = str(e).strip().splitlines()
    return text[0][:200] if text else ""


def compose(question: str, claims: list[verify.Claim], shown: Shown) -> Answer:
    """Answer text with markers renumbered by first use (rag/cite.py); one citation per distinct shown sentence.

    Unsupported sentences stay in the text but are flagged (`Sentence.supported`), and a citation is
    `supported` only if some supported sentence cites it.
    """
    backed = {n for claim in claims if claim.supported for n in claim.cites}
    cites, parts, sentences = Cites(), [], []
    for claim in claims:
        marks = list(dict.fromkeys(cites.mark(shown.numbered[n], supported=n in backed)[0] for n in claim.cites))
        parts.append(claim.text + (" " + markers(marks) if marks else ""))
        sentences.append(Sentence(claim.text, marks, claim.supported))
    unsupported = sum(not s.supported for s in sentences)
    notice = (f"{unsupported} of {len(sentences)} answer sentences are not supported by the sentences they cite "
              "(marked as unsupported).") if unsupported else None
    return Answer(question, " ".join(parts), True, cites.citations, notice, sentences)
