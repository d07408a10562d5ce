"""The verifier: does this one sentence answer the question? A logit, read by the refusal model.

The reader (rag/reader.py) picks the best span of whole passages; its no-answer score is one number
per window, and it stays confident when a passage names everything the question names but not the
detail asked ("How much did Microsoft emit in 2019?" over a sentence about 2018). The verifier
reads the question against the one sentence holding the reader's best span, as a pair, and was
trained on exactly that decision (`eval/fit_verifier.py`, `make verifier`): the sentence that
answers, against the sentence beside it that does not, the same question with one name swapped, and
SQuAD 2.0's hand-written unanswerable questions.

It is the reader's encoder (its trained weights) with its own top layers and a one-logit head on
[CLS]; only those ship (`rag/verifier.safetensors`, fp16), checked by the sha256 in
`rag/verifier.json`, which also records the reader weights it was trained on top of.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Sequence

from newsrag.rag import reader as R

WEIGHTS = R.HERE / "verifier.safetensors"
CARD = R.HERE / "verifier.json"
MAX_LENGTH = 128  # a question and one sentence


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
    state = {k: v.float() for k, v in load_file(str(reader_weights)).items()}
    span.load_state_dict(state, strict=False)
    model = _module()(span.encoder)
    if train_layers is not None:
        R.train_only(model, train_layers, model.head)
    return model.to(torch.float32)


class Verifier:
    """Scores (question, sentence) pairs; loads the reader's encoder and the verifier's own layers once."""

    def __init__(self, weights: Path = WEIGHTS, card: Path = CARD, reader_weights: Path = R.WEIGHTS,
                 threads: int | None = None, model=None):
        import torch
        from transformers import AutoTokenizer

        self.card = R.load_card(card) if model is None or card.exists() else {}
        self.tokenizer = AutoTokenizer.from_pretrained(R.base_model_path())
        self.model = (model if model is not None else _load(weights, self.card, reader_weights)).eval()
        self.threads = threads
        self.bf16 = R._native_bf16(torch)
        self._torch = torch

    def logits(self, question: str, sentences: Sequence[str]) -> list[float]:
        """One logit per sentence: > 0 means the verifier reads it as answering the question."""
        if not sentences:
            return []
        torch = self._torch
        enc = self.tokenizer([question] * len(sentences), list(sentences), truncation="longest_first",
                             max_length=MAX_LENGTH, padding=True, return_tensors="pt")
        if self.threads:
            torch.set_num_threads(self.threads)
        with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.bf16):
            out = self.model(enc["input_ids"], enc["attention_mask"], enc["token_type_ids"])
        return [float(x) for x in out]


def _load(weights: Path, card: dict, reader_weights: Path):
    import torch
    from safetensors.torch import load_file

    if not weights.exists():
        raise R.ReaderError(f"no trained verifier weights at {weights}: run `make verifier`")
    if R.sha256(weights) != card["sha256"]:
        raise R.ReaderError(f"{weights.name} does not match its recorded sha256 (run `make verifier` to rebuild it)")
    if R.sha256(reader_weights) != card["reader_sha256"]:
        raise R.ReaderError(f"{weights.name} was trained on other reader weights than {reader_weights.name}: "
                            "run `make verifier` after `make reader`")
    model = build_model(reader_weights)
    state = {k: v.float() for k, v in load_file(str(weights)).items()}
    missing = set(state) - set(dict(model.named_parameters()))
    if missing:
        raise R.ReaderError(f"{weights.name} holds parameters the model does not have: {sorted(missing)[:3]}")
    model.load_state_dict(state, strict=False)
    return model.to(torch.float32)
