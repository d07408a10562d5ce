"""The packaged encoder's tokenizer for reading, without transformers (and so without torch).

The reader and the verifier cut (question, passage) pairs into windows of word pieces. The fast
tokenizer that `transformers` wraps is the `tokenizers` library reading the model's tokenizer.json;
this calls it the same way `transformers` does (truncation and padding set on it, `encode_batch`,
each pair's overflowing windows after its first), so the windows, offsets and ids are the same ones
(tests/test_runtime.py compares them) while a process that reads with onnxruntime never imports torch.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

KEYS = ("input_ids", "attention_mask", "token_type_ids")


@dataclass
class Windows:
    """A padded batch of pair windows: arrays by name (`KEYS`), and where each window comes from."""

    arrays: dict[str, np.ndarray]
    offsets: list[list[tuple[int, int]]]  # per window, per token: characters of its own text
    sample: list[int]  # per window: the index of the pair it was cut from
    _sequence_ids: list[list[int | None]]

    def __getitem__(self, key: str) -> np.ndarray:
        return self.arrays[key]

    def sequence_ids(self, window: int) -> list[int | None]:
        """Per token: 0 for the first text, 1 for the second, None for special and padding tokens."""
        return self._sequence_ids[window]


class Tokens:
    """Word pieces of the model at `model_path` (a folder holding tokenizer.json)."""

    def __init__(self, model_path: str | Path):
        from tokenizers import Tokenizer

        self._tok = Tokenizer.from_file(str(Path(model_path) / "tokenizer.json"))
        self._tok.no_truncation()  # tokenizer.json carries its own (pad to 128, cut at 128): each call sets its own
        self._tok.no_padding()
        self._lock = threading.Lock()  # truncation and padding are settings of the one tokenizer
        self.sep_token = "[SEP]"
        self.pad_id = self._tok.token_to_id("[PAD]")

    def tokenize(self, text: str) -> list[str]:
        return self._tok.encode(text, add_special_tokens=False).tokens

    def tokens_to_string(self, tokens: Sequence[str]) -> str:
        return self._tok.decoder.decode(list(tokens))

    def pairs(self, first: Sequence[str], second: Sequence[str], max_length: int, truncation: str = "only_second",
              stride: int = 0) -> Windows:
        """Each (first, second) pair as [CLS] first [SEP] second [SEP], cut to `max_length` tokens:
        `truncation` "only_second" cuts the second text into overlapping windows (`stride` tokens shared),
        "longest_first" trims the longer text (one window per pair). Padded to the longest window."""
        with self._lock:
            self._tok.enable_truncation(max_length, stride=stride, strategy=truncation, direction="right")
            self._tok.enable_padding(pad_id=self.pad_id, pad_token="[PAD]", pad_type_id=0, direction="right")
            try:
                encodings = self._tok.encode_batch(list(zip(first, second)))
            finally:
                self._tok.no_truncation()
                self._tok.no_padding()
        windows, sample = [], []
        for i, e in enumerate(encodings):
            for w in [e] + (list(e.overflowing) if truncation == "only_second" else []):
                windows.append(w)
                sample.append(i)
        arrays = {"input_ids": np.array([w.ids for w in windows], dtype=np.int64),
                  "attention_mask": np.array([w.attention_mask for w in windows], dtype=np.int64),
                  "token_type_ids": np.array([w.type_ids for w in windows], dtype=np.int64)}
        return Windows(arrays, [list(w.offsets) for w in windows], sample, [list(w.sequence_ids) for w in windows])
