"""The `llamacpp` backend: a local GGUF model run in-process by xllamacpp (optional extra `llamacpp`).

xllamacpp's Server generates on its own threads and streams chunks to a callback; a worker thread
feeds them to a queue so tokens are yielded as they come, under a wall-clock deadline (the callback
tells the server to stop once the deadline passes or the reader has gone).
"""

from __future__ import annotations

import queue
import threading
import time
from pathlib import Path
from typing import Iterator

from newsrag.errors import BackendError, NewsragError
from newsrag.rag.llm.answerer import LLMAnswerer

_DONE = object()


def load_server(path: Path, context: int, threads: int):
    """An xllamacpp Server for the GGUF at `path` (quiet; its HTTP side bound to 127.0.0.1 only)."""
    try:
        import xllamacpp
    except ImportError as e:
        raise NewsragError("the llamacpp backend needs xllamacpp: pip install 'newsrag[llamacpp]'") from e
    if not path.is_file():
        raise NewsragError(f"no GGUF model file at {path} (give --model PATH.gguf)")
    params = xllamacpp.CommonParams()
    params.model.path = str(path)
    params.n_ctx = context
    params.n_parallel = 1
    params.cpuparams.n_threads = threads
    params.cpuparams_batch.n_threads = threads
    params.verbosity = -1
    params.hostnames = ["127.0.0.1"]
    params.port = 0
    params.ui = False
    try:
        return xllamacpp.Server(params)
    except Exception as e:
        raise NewsragError(f"cannot load the GGUF model {path}: {e}") from e


class LlamaCppAnswerer(LLMAnswerer):
    name = "llamacpp"

    def __init__(self, model_path: str | None, timeout: float, max_tokens: int = 256, context: int = 4096,
                 threads: int = 2, **kwargs):
        super().__init__(**kwargs)
        if not model_path:
            raise NewsragError("the llamacpp backend needs a GGUF file: --model PATH.gguf or NEWSRAG_LLM_MODEL")
        self.path = Path(model_path).expanduser()
        self.timeout = timeout
        self.max_tokens = max_tokens
        self.server = load_server(self.path, context, threads)
        self._lock = threading.Lock()  # one generation at a time (n_parallel = 1)

    def tokens(self, chat: list[dict], config: dict | None = None) -> Iterator[str]:
        request = {"messages": chat, "max_tokens": self.max_tokens, "temperature": 0.0, "stream": True}
        pieces: queue.Queue = queue.Queue()
        deadline = time.monotonic() + self.timeout
        stop = threading.Event()

        def on_chunk(chunk) -> bool:
            pieces.put(chunk)
            return stop.is_set() or time.monotonic() > deadline  # True asks the server to stop

        def work() -> None:
            try:
                with self._lock:
                    self.server.handle_chat_completions(request, on_chunk)
            except Exception as e:
                pieces.put(e)
            finally:
                pieces.put(_DONE)

        threading.Thread(target=work, daemon=True, name="llamacpp-generate").start()
        try:
            yield from self._drain(pieces, deadline)
        finally:
            stop.set()

    def _drain(self, pieces: queue.Queue, deadline: float) -> Iterator[str]:
        while True:
            try:
                item = pieces.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise BackendError(f"the local model took longer than {self.timeout:g}s to answer") from None
            if item is _DONE:
                return
            if isinstance(item, Exception):
                raise BackendError(f"the local model failed: {str(item).strip()[:160]}")
            text = chunk_text(item)
            if text:
                yield text


def chunk_text(chunk) -> str:
    """The text of one OpenAI-style streaming chunk (a dict; errors arrive as {"error": ...})."""
    if not isinstance(chunk, dict):
        raise BackendError(f"the local model sent an unexpected chunk ({type(chunk).__name__})")
    if "error" in chunk:
        error = chunk["error"]
        raise BackendError(f"the local model failed: {error.get('message', error) if isinstance(error, dict) else error}")
    choices = chunk.get("choices") or [{}]
    return (choices[0].get("delta") or {}).get("content") or ""
