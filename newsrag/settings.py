"""One settings object, built at the entry points (CLI, UI, eval) and passed down.

Library code never reads the environment itself; only `Settings.from_env` does.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Mapping


def default_cache() -> Path:
    """Where ONNX exports go unless the settings say otherwise: the user's cache folder, shared by every
    home and process on the machine (the reader's, the verifier's and the embedder's)."""
    return Path.home() / ".cache" / "newsrag"


@dataclass(frozen=True)
class Settings:
    """Everything a run can tune. Defaults are the calibrated, offline ones."""

    home: Path = Path(".newsrag")
    chroma_url: str | None = None  # http://HOST:PORT uses a Chroma server instead of embedded mode
    chroma_timeout: float = 5.0  # seconds a Chroma server may take to answer one request (index/store.py)
    collection: str = "news"  # prefix of the Chroma collections
    embed_batch_size: int = 64
    # "onnx-fp32" (onnxruntime: no torch import, the same vectors as "torch") | "torch" (sentence-transformers)
    # | "onnx-int8" (2.2x faster encode, SQuAD R@5 -0.004, but below the bundled-set MRR gate:
    # docs/embedding-backends.md) | "hash" (model-free hashed words, for fast tests: index/hash_embed.py).
    # One model's vectors per index (index/store.py): "torch" and "onnx-fp32" open each other's.
    embed_backend: str = "onnx-fp32"
    lexical_dir: Path | None = None  # the lexical index's folder (default: home / "lexical"); share it between processes
    models_dir: Path | None = None  # where the embedder's ONNX exports are cached (default: the cache folder's models/)
    ingest_batch_docs: int = 64  # articles embedded and written per batch: bounds ingest memory
    # chunking
    chunk_chars: int = 700
    chunk_overlap_sentences: int = 1
    max_file_bytes: int = 10_000_000
    # An HTML page whose body text is shorter than min_html_chars AND under min_html_share of the page's size is
    # refused: its body is not in the page (loaded by script, paywall). A short brief in a small page is kept, and
    # so is a two-sentence post (Boing Boing's is 333 characters once its teasers are gone).
    min_html_chars: int = 250
    min_html_share: float = 0.01
    max_question_chars: int = 2_000
    # the page's upload route (ui/guard.py): per request, per minute, and what Gradio's temp folder may hold
    upload_request_bytes: int = 50_000_000
    uploads_per_minute: int = 30
    upload_temp_bytes: int = 200_000_000
    # the login route (ui/logins.py): failed logins per user name / per client address in 15 minutes before
    # each further failure locks it out for 1 s, 2 s, 4 s ... (at most 15 minutes)
    login_failures_per_user: int = 5
    login_failures_per_address: int = 20
    # retrieval
    k: int = 8
    rrf_k: int = 60
    lexical_weight: float = 1.0  # BM25's weight in reciprocal rank fusion (each dense ranking weighs 1)
    # sentence scoring (rag/evidence.py): score = dense_weight * cosine + (1 - dense_weight) * idf-weighted
    # term coverage, x misfit_penalty when the asked-for kind (number, date, name) is missing; the evidence
    # rule refuses below min_evidence (grid-searched on eval/qa/news.jsonl by `python -m newsrag.eval.calibrate`)
    min_evidence: float = 0.38
    dense_weight: float = 0.5
    misfit_penalty: float = 0.5
    max_answer_sentences: int = 5
    relative_keep: float = 0.75  # keep sentences scoring >= this share of the best one
    duplicate_similarity: float = 0.70  # cosine above which two sentences state the same fact
    # intent handlers (rag/intents/): summaries, comparisons, timelines, differing figures; the outcome rule
    wide_k: int = 30  # chunks retrieved for a summary or comparison (every outlet's view)
    compose_keep: float = 0.3  # a sentence's figure or outlet counts if it scores >= this share of the best
    compose_pool: int = 12  # ... and it is among this many best sentences
    summary_sentences: int = 1  # statements per article in a summary (one representative each)
    summary_single: int = 3  # statements when a summary covers one article ("Summarize the SpaceX article")
    summary_keep: float = 0.5  # on a topic, an article joins if its best sentence scores >= this share of the best
    same_thing: float = 0.5  # figures differ only between sentences this close (cosine) to the best figure's
    max_composed_citations: int = 8  # a summary or comparison cites at most this many sentences
    # the trained reader (rag/reader.py, rag/read.py): "trained" reads the `read_k` best chunks for the best
    # span, refuses and shows a short answer by its calibrated probabilities; "off" keeps the older rules
    reader: str = "trained"
    read_k: int = 3
    reader_threads: int | None = None  # threads for the reader and verifier (None: the runtime's default)
    # "auto" (onnxruntime, except torch where the CPU computes bf16 natively) | "onnx" | "torch" (rag/runtime.py)
    reader_runtime: str = "auto"
    cache_dir: Path | None = None  # where the reader's ONNX exports are kept, shared by every home (None: ~/.cache/newsrag)
    reader_dir: Path | None = None  # folder holding reader.safetensors + reader.json (None: the shipped ones in rag/)
    # answer backend
    backend: str = "extractive"
    llm_base_url: str | None = None
    llm_model: str | None = None
    llm_api_key: str | None = None
    llm_timeout: float = 60.0  # seconds: per request and for the whole reply
    llm_max_tokens: int = 256  # longest reply a model may write
    llm_shown_sentences: int = 10  # evidence sentences shown to the model, numbered [1]..[N]
    llm_context: int = 4096  # llamacpp: context window (tokens)
    llm_threads: int = 2  # llamacpp: CPU threads
    # a model's answer sentence counts as supported by its citations when both hold (python -m newsrag.eval.calibrate_llm)
    support_lexical: float = 0.4  # share of its content terms found in the cited sentences
    support_novel: float = 0.5  # same, over the terms the question does not contain
    support_dense: float = 0.35  # best cosine similarity to a cited sentence

    @property
    def chroma_path(self) -> Path:
        return self.home / "chroma"

    @property
    def lexical_path(self) -> Path:
        return self.lexical_dir or self.home / "lexical"

    @property
    def models_path(self) -> Path:
        """The embedder's exports: one per machine, like the reader's, unless a folder is named."""
        return self.models_dir or self.cache_path / "models"

    @property
    def cache_path(self) -> Path:
        """The machine-wide cache of ONNX exports, unless a folder is named."""
        return self.cache_dir or default_cache()

    def with_(self, **changes) -> "Settings":
        """A copy with some fields changed; `None` values are ignored."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides) -> "Settings":
        """Build settings from NEWSRAG_* variables, then apply explicit overrides."""
        env = os.environ if env is None else env
        values: dict = {}
        if env.get("NEWSRAG_HOME"):
            values["home"] = Path(env["NEWSRAG_HOME"])
        if env.get("NEWSRAG_READER_DIR"):
            values["reader_dir"] = Path(env["NEWSRAG_READER_DIR"])
        if env.get("NEWSRAG_LEXICAL_DIR"):
            values["lexical_dir"] = Path(env["NEWSRAG_LEXICAL_DIR"])
        if env.get("NEWSRAG_CACHE_DIR"):
            values["cache_dir"] = Path(env["NEWSRAG_CACHE_DIR"])
        if env.get("NEWSRAG_MODELS_DIR"):
            values["models_dir"] = Path(env["NEWSRAG_MODELS_DIR"])
        for name, key, cast in (
            ("chroma_url", "NEWSRAG_CHROMA_URL", str),
            ("chroma_timeout", "NEWSRAG_CHROMA_TIMEOUT", float),
            ("k", "NEWSRAG_K", int),
            ("lexical_weight", "NEWSRAG_LEXICAL_WEIGHT", float),
            ("min_evidence", "NEWSRAG_MIN_EVIDENCE", float),
            ("backend", "NEWSRAG_BACKEND", str),
            ("reader", "NEWSRAG_READER", str),
            ("read_k", "NEWSRAG_READ_K", int),
            ("reader_runtime", "NEWSRAG_READER_RUNTIME", str),
            ("llm_base_url", "NEWSRAG_LLM_BASE_URL", str),
            ("llm_model", "NEWSRAG_LLM_MODEL", str),
            ("llm_api_key", "OPENAI_API_KEY", str),
            ("llm_timeout", "NEWSRAG_LLM_TIMEOUT", float),
            ("llm_max_tokens", "NEWSRAG_LLM_MAX_TOKENS", int),
            ("llm_threads", "NEWSRAG_LLM_THREADS", int),
            ("embed_batch_size", "NEWSRAG_BATCH_SIZE", int),
            ("embed_backend", "NEWSRAG_EMBED_BACKEND", str),
            ("ingest_batch_docs", "NEWSRAG_INGEST_BATCH", int),
        ):
            if env.get(key):
                values[name] = cast(env[key])
        return cls(**values).with_(**overrides)
