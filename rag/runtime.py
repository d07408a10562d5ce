"""Where the reader and the verifier run: torch, or onnxruntime from an ONNX file exported once.

Both models are the same torch modules either way (built from the shipped weights, checked by hash).
The "onnx" runtime exports a model the first time it is needed to a file named by the sha256 of the
weights it holds (plus this export recipe's version), written atomically (temp file + rename) under
a cache folder that every home and process on the machine may share; later runs load the file and
never build the torch model. It reads in fp32, the same logits as torch in fp32 up to ~1e-5; on a
2-core AVX2 CPU without native bf16 the whole chain's warm p50 is 0.73 of torch's (docs/reader.md,
`python -m newsrag.eval.runtimes`). "auto" keeps torch where the CPU computes bf16 natively (the
reader was trained in bf16 there).
"""

from __future__ import annotations

import logging
import sys
import warnings
from pathlib import Path
from typing import Callable

import numpy as np

from newsrag.errors import InputError
from newsrag.index.onnx_embed import write_atomically

RUNTIMES = ("auto", "onnx", "torch")
FORMAT = "r1"  # bump when the export recipe changes, so files exported the old way are not reused
OPSET = 17
INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def choose(runtime: str, native_bf16: bool) -> str:
    """"auto" -> torch where bf16 is native (as trained), else onnx; an unknown name is an error."""
    if runtime not in RUNTIMES:
        raise InputError(f"unknown reader runtime {runtime!r} (available: {', '.join(RUNTIMES)})")
    if runtime == "auto":
        return "torch" if native_bf16 else "onnx"
    return runtime


def exported(cache: Path, name: str, key: str, build: Callable[[], object], outputs: dict[str, int]) -> Path:
    """The ONNX file of the model `build()` returns, named by `key` (a hash of its weights); exported once.
    `outputs`: each output's name and number of dimensions (batch, then sequence)."""
    path = Path(cache) / f"{name}-{key[:20]}-{FORMAT}.onnx"
    if not path.exists():
        print(f"newsrag: exporting the {name} for onnxruntime to {path.parent} (once per weights, ~10 s)",
              file=sys.stderr, flush=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, lambda tmp: _export(build(), tmp, outputs))
    return path


def session(cache: Path, name: str, key: str, build: Callable[[], object], outputs: dict[str, int],
            threads: int | None = None, shared: Callable[[Path], dict] | None = None) -> "Session":
    """A session over the cached export (made first if missing). A cached file onnxruntime cannot load
    (damaged, or written by another version) is exported again, once."""
    path = exported(cache, name, key, build, outputs)
    try:
        return Session(path, threads, shared(path) if shared else None)
    except Exception as e:  # noqa: BLE001 - onnxruntime raises its own types for a bad file
        print(f"newsrag: {path.name} is unusable ({str(e).splitlines()[0][:120]}); exporting it again",
              file=sys.stderr, flush=True)
        path.unlink(missing_ok=True)
        path = exported(cache, name, key, build, outputs)
        return Session(path, threads, shared(path) if shared else None)


def _export(model, out: Path, outputs: dict[str, int]) -> None:
    import torch

    encoder = model.encoder
    was = encoder.config._attn_implementation
    encoder.config._attn_implementation = "eager"  # a plain graph: the exporter traces eager attention
    ids = torch.ones((2, 8), dtype=torch.long)
    axes = {n: {0: "batch", 1: "sequence"} for n in INPUTS}
    axes.update({n: {0: "batch", 1: "sequence"} if dims == 2 else {0: "batch"} for n, dims in outputs.items()})
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # tracer advice, irrelevant for these fixed models
        logging.disable(logging.WARNING)
        try:
            torch.onnx.export(model.eval(), (ids, ids.clone(), torch.zeros_like(ids)), str(out),
                              input_names=list(INPUTS), output_names=list(outputs), dynamic_axes=axes,
                              opset_version=OPSET, dynamo=False)
        finally:
            logging.disable(logging.NOTSET)
            encoder.config._attn_implementation = was


class Session:
    """An onnxruntime session over one exported model: arrays in, arrays out.

    `shared`: initializers (name -> OrtValue) another session already holds, used instead of the file's
    copy (the verifier reads with the reader's embedding tables: 45 MB held once)."""

    def __init__(self, path: Path, threads: int | None = None, shared: dict | None = None):
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads or 0  # 0: onnxruntime's default, one per physical core
        opts.inter_op_num_threads = 1
        # no spinning after a run: its threads would busy-wait on the cores the rest of the chain needs
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        opts.enable_cpu_mem_arena = False  # an arena keeps its peak (~80 MB for the two models); as fast without
        self.shared = dict(shared or {})
        for name, value in self.shared.items():
            opts.add_initializer(name, value)
        self.path = path
        self.session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])

    def __call__(self, input_ids, attention_mask, token_type_ids) -> list[np.ndarray]:
        feed = {"input_ids": input_ids, "attention_mask": attention_mask, "token_type_ids": token_type_ids}
        return self.session.run(None, {k: np.asarray(v, dtype=np.int64) for k, v in feed.items()})


def embedding_tables(path: Path) -> dict:
    """The exported model's embedding tables as OrtValues (name -> value), to share with another session."""
    import onnx
    import onnxruntime as ort
    from onnx import numpy_helper

    model = onnx.load(str(path))
    return {i.name: ort.OrtValue.ortvalue_from_numpy(numpy_helper.to_array(i)) for i in model.graph.initializer
            if "embeddings." in i.name and i.name.endswith("_embeddings.weight")}
