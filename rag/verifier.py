"""The verifier: does this one sentence answer the question? A logit, read by the refusal model.

The reader (rag/reader.py) picks the best span of whole passages; its no-answer score is one number
per window, and it stays confident when a passage names everything the question names but not the
detail asked ("How much did Microsoft emit in 2019?" over a sentence about 2018). The verifier
reads the question against the one sentence holding the reader's best span, as a pair, and was
trained on exactly that decision (`eval/fit_verifier.py`, `make verifier`): the sentence that
answers, against the sentence beside it that does not, the same question with one name swapped, and
SQuAD 2.0's hand-written unanswerable questions. A verifier whose card says `"context": "before"` also
reads the statement before the sentence (after it, behind a [SEP], so truncation cuts it first): what a
sentence says through a pronoun ("These days, he coaches ...") names its subject there.

It is the reader's encoder (its trained weights) with its own top layers and a one-logit head on
[CLS]; only those ship (`rag/verifier.safetensors`, fp16), checked by the sha256 in
`rag/verifier.json`, which also records the reader weights it was trained on top of. Loaded beside a
torch reader, it holds only those layers: the embeddings and the lower layers are the reader's own
modules. Beside an onnx reader it runs one exported graph of its own (rag/runtime.py).
"""

from __future__ import annotations

import copy
import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Sequence

from newsrag.rag import reader as R
from newsrag.rag import runtime as RT

WEIGHTS = R.HERE / "verifier.safetensors"
CARD = R.HERE / "verifier.json"
MAX_LENGTH = 128  # a question and one sentence (and the statement before it)
CONTEXTS = ("none", "before")


def pair_text(sentence: str, before: str | None, sep: str = "[SEP]") -> str:
    """The pair's second half for a verifier reading context: the sentence, then the one before it."""
    return f"{sentence} {sep} {before}" if before else sentence


@lru_cache(maxsize=1)
def _module():
    import torch

    class _PairModel(torch.nn.Module):
        def __init__(self, encoder):
            super().__init__()
            self.encoder = encoder
            self.head = torch.nn.Linear(encoder.config.hidden_size, 1)

        def forward(self, input_ids, attention_mask, token_type_ids):
            hidden = self.encoder(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            return self.head(hidden[:, 0]).float().squeeze(-1)

    return _PairModel


def build_model(reader_weights: Path = R.WEIGHTS, train_layers: int | None = None):
    """The reader's encoder (packaged encoder + the reader's trained layers) with a fresh one-logit head;
    `train_layers` top layers and the head left trainable."""
    import torch
    from safetensors.torch import load_file

    span = R.build_model()
    R.load_checked(span, {k: v.float() for k, v in load_file(str(reader_weights)).items()}, reader_weights)
    model = _module()(span.encoder)
    if train_layers is not None:
        R.train_only(model, train_layers, model.head)
    return model.to(torch.float32)


class Verifier:
    """Scores (question, sentence) pairs on top of a loaded `reader`, in the reader's runtime. In torch its
    embeddings and lower layers are the reader's own modules; in onnx it is one exported graph of its own."""

    def __init__(self, reader: R.Reader, weights: Path = WEIGHTS, card: Path = CARD, threads: int | None = None):
        self.card = R.load_card(card)
        self.tokenizer = reader.tokenizer
        self.threads = threads
        self.bf16 = reader.bf16
        self.model, self.session = None, None
        _check(weights, self.card, reader)
        if reader.runtime == "onnx":
            key = hashlib.sha256((self.card["sha256"] + reader.card["sha256"]).encode()).hexdigest()
            # its embedding tables are the reader's unless it trained its own: then held once, by both
            tables = None if _trains_embeddings(weights) else (lambda _: reader.session.shared)
            self.session = RT.session(reader.cache, "verifier", key,
                                      lambda: _load(weights, self.card, reader.torch_model()), {"logit": 1},
                                      threads, shared=tables)
        else:
            self.model = _load(weights, self.card, reader.model).eval()

    @property
    def context(self) -> str:
        """"before" where it was trained to read the statement before its sentence, else "none"."""
        return self.card.get("context", "none")

    def logits(self, question: str, sentences: Sequence[str],
               before: Sequence[str | None] | None = None) -> list[float]:
        """One logit per sentence: > 0 means the verifier reads it as answering the question. `before`:
        the statement before each sentence (None where there is none), read only by a verifier
        trained with it."""
        if not sentences:
            return []
        if self.context == "before" and before is not None:
            sentences = [pair_text(s, b, self.tokenizer.sep_token) for s, b in zip(sentences, before)]
        enc = self.tokenizer.pairs([question] * len(sentences), sentences, MAX_LENGTH, "longest_first")
        if self.session is not None:
            out = self.session(enc["input_ids"], enc["attention_mask"], enc["token_type_ids"])[0]
            return [float(x) for x in out]
        import torch

        if self.threads:
            torch.set_num_threads(self.threads)
        with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.bf16):
            out = self.model(*(torch.from_numpy(enc[k]) for k in RT.INPUTS))
        return [float(x) for x in out]


def on_top_of(encoder, own: set[str]):
    """A copy of the reader's `encoder` in which only the parts named in `own` ("embeddings",
    "encoder.layer.4", ...) are new modules; every other part *is* the reader's (no second copy)."""
    parts = {"embeddings": encoder.embeddings, **{f"encoder.layer.{i}": layer for i, layer in enumerate(encoder.encoder.layer)}}
    return copy.deepcopy(encoder, memo={id(m): m for name, m in parts.items() if name not in own})


def _check(weights: Path, card: dict, reader: R.Reader) -> None:
    R.check(weights, card, "verifier")
    if card["reader_sha256"] != reader.card["sha256"]:
        raise R.ReaderError(f"{weights.name} was trained on other reader weights than the loaded reader's: "
                            "run `make verifier` after `make reader`")


def _trains_embeddings(weights: Path) -> bool:
    from safetensors import safe_open

    with safe_open(str(weights), framework="np") as f:
        return any(k.startswith("encoder.embeddings.") for k in f.keys())


def _load(weights: Path, card: dict, span_model):
    """The verifier as a torch module on top of the reader's torch `span_model`."""
    import torch

    state = R.checked_state(weights, card, "verifier")
    # "encoder.encoder.layer.4.attention..." -> "encoder.layer.4"; "encoder.embeddings..." -> "embeddings"
    own = {".".join(k.split(".")[1:4]) if k.startswith("encoder.encoder.") else k.split(".")[1]
           for k in state if k.startswith("encoder.")}
    model = _module()(on_top_of(span_model.encoder, own))
    R.load_checked(model, state, weights)
    return model.to(torch.float32)
