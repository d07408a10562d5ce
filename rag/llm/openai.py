"""The `openai` backend: any OpenAI-compatible chat endpoint (Ollama, llama.cpp server, vLLM, OpenAI).

Talks through langchain-openai's ChatOpenAI with a bounded timeout, one retry and a wall-clock
deadline on the whole reply, and turns every failure into a one-line BackendError.
"""

from __future__ import annotations

import time
from typing import Iterator

from newsrag.errors import BackendError, NewsragError
from newsrag.rag.llm.answerer import LLMAnswerer

DEFAULT_BASE_URL = "https://api.openai.com/v1"


class OpenAIAnswerer(LLMAnswerer):
    """`extra_body` passes server-specific request fields through (e.g. a llama.cpp `grammar`)."""

    name = "openai"

    def __init__(self, base_url: str | None, model: str | None, api_key: str | None, timeout: float,
                 max_tokens: int = 256, extra_body: dict | None = None, **kwargs):
        super().__init__(**kwargs)
        if not model:
            raise NewsragError("the openai backend needs a model name: --model NAME or NEWSRAG_LLM_MODEL "
                               "(e.g. llama3.2 for Ollama)")
        try:
            from langchain_openai import ChatOpenAI
        except ImportError as e:
            raise NewsragError("the openai backend needs langchain-openai: pip install 'newsrag[openai]'") from e
        self.base_url = (base_url or DEFAULT_BASE_URL).rstrip("/")
        self.model = model
        self.timeout = timeout
        # Local servers ignore the key, but the client insists on one; never read from the environment here.
        self.llm = ChatOpenAI(model=model, base_url=self.base_url, api_key=api_key or "not-needed",
                              timeout=timeout, max_retries=1, temperature=0.0, max_tokens=max_tokens,
                              streaming=True, use_responses_api=False, extra_body=extra_body)

    def tokens(self, chat: list[dict], config: dict | None = None) -> Iterator[str]:
        deadline = time.monotonic() + self.timeout
        received = 0
        try:
            for chunk in self.llm.stream(chat, config):
                received += 1
                if not isinstance(chunk.content, str):
                    raise BackendError(f"{self.base_url} sent a reply that is not text")
                if chunk.content:
                    yield chunk.content
                if time.monotonic() > deadline:
                    raise BackendError(f"{self.base_url} took longer than {self.timeout:g}s to answer")
        except BackendError:
            raise
        except Exception as e:
            raise BackendError(describe(e, self.base_url, self.model, self.timeout)) from e
        if not received:
            raise BackendError(f"{self.base_url} sent a malformed response (no chat completion chunks)")


def describe(e: Exception, base_url: str, model: str, timeout: float) -> str:
    """A one-line, user-facing reason for a failed call to an OpenAI-compatible server."""
    import openai

    if isinstance(e, openai.APITimeoutError):
        return f"{base_url} did not answer within {timeout:g}s"
    if isinstance(e, openai.APIConnectionError):
        return f"cannot reach the model server at {base_url}"
    if isinstance(e, openai.NotFoundError):
        return f"{base_url} does not know the model {model!r} (or is not an OpenAI-compatible /v1 URL)"
    if isinstance(e, openai.AuthenticationError):
        return f"{base_url} refused the API key (set OPENAI_API_KEY)"
    if isinstance(e, openai.APIStatusError):
        return f"{base_url} answered HTTP {e.status_code}"
    first = (str(e).strip().splitlines() or [""])[0][:160]
    return f"{base_url} sent a malformed response ({type(e).__name__}: {first})"
