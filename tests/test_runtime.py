"""The reader's runtimes: onnxruntime reads what torch reads, exports once per weights, never half a file."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from newsrag.errors import InputError
from newsrag.index.embedders import make_embedder
from newsrag.rag import reader as R, runtime as RT, verifier as V
from newsrag.rag.read import default_reader, reader_args
from newsrag.settings import Settings

QUESTION = "Who will lead the US delegation?"
PASSAGES = [  # unequal lengths: padded in one batch, the long one in overlapping windows
    "Deputy Secretary of State Wendy Sherman will lead the US delegation in Geneva.",
    "Russian and US negotiators will meet in Geneva on January 10, the State Department said. " * 12,
    "Moscow has demanded that NATO rule out membership for Ukraine.",
]


def tiny_model():
    """A two-layer BERT with a span head, random weights: exports in a second, needs no download."""
    from transformers import BertConfig, BertModel

    config = BertConfig(vocab_size=99, hidden_size=16, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=32, max_position_embeddings=64)
    return R.SpanModel(BertModel(config, add_pooling_layer=False)).eval()


def test_onnx_reads_the_same_spans_and_gaps_as_torch():
    onnx, torch = default_reader(None, None, "onnx"), default_reader(None, None, "torch")
    assert (onnx.runtime, torch.runtime) == ("onnx", "torch")
    a, b = onnx.read(QUESTION, PASSAGES), torch.read(QUESTION, PASSAGES)
    assert [(s.passage, s.start, s.end) for s in a.spans] == [(s.passage, s.start, s.end) for s in b.spans]
    assert [s.gap for s in a.spans] == pytest.approx([s.gap for s in b.spans], abs=1e-3)
    assert a.no_answer == pytest.approx(b.no_answer, abs=1e-3)
    assert np.allclose(a.passage_best, b.passage_best, atol=1e-3)
    assert a.best.text == "Deputy Secretary of State Wendy Sherman"


def test_the_onnx_verifier_scores_as_the_torch_one():
    onnx = V.Verifier(default_reader(None, None, "onnx"))
    torch = V.Verifier(R.Reader(runtime="torch"))
    assert onnx.session is not None and torch.model is not None
    assert onnx.logits(QUESTION, PASSAGES) == pytest.approx(torch.logits(QUESTION, PASSAGES), abs=1e-3)


def test_a_model_is_exported_once_per_weights_and_loaded_from_the_cache_after(tmp_path: Path):
    built = []

    def build():
        built.append(1)
        return tiny_model()

    first = RT.exported(tmp_path, "reader", "a" * 64, build, {"start": 2, "end": 2})
    again = RT.exported(tmp_path, "reader", "a" * 64, build, {"start": 2, "end": 2})
    other = RT.exported(tmp_path, "reader", "b" * 64, build, {"start": 2, "end": 2})
    assert first == again != other and len(built) == 2
    ids = np.array([[2, 5, 7, 3, 0], [2, 9, 3, 0, 0]])
    start, end = RT.Session(first)(ids, (ids > 0).astype(np.int64), np.zeros_like(ids))
    assert start.shape == end.shape == (2, 5) and start[1, 3] == -1e4  # padding masked, any batch and length


def test_a_failed_export_leaves_no_file_behind(tmp_path: Path):
    def broken():
        raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError, match="interrupted"):
        RT.exported(tmp_path, "reader", "c" * 64, broken, {"start": 2, "end": 2})
    assert os.listdir(tmp_path) == []


def test_the_weights_are_checked_even_when_an_export_of_them_is_cached(tmp_path: Path):
    default_reader(None, None, "onnx")  # the shipped weights' export exists in the shared cache now
    with pytest.raises(R.ReaderError, match="make reader"):
        R.Reader(tmp_path / "reader.safetensors", R.CARD, runtime="onnx")


def test_auto_reads_in_torch_only_where_bf16_is_native_and_an_unknown_runtime_is_one_line():
    assert RT.choose("auto", native_bf16=True) == "torch"
    assert RT.choose("auto", native_bf16=False) == "onnx"
    assert RT.choose("torch", native_bf16=False) == "torch"
    with pytest.raises(InputError, match="unknown reader runtime 'tensorrt'"):
        RT.choose("tensorrt", native_bf16=False)


def test_the_runtime_and_cache_come_from_the_settings(tmp_path: Path):
    s = Settings.from_env({"NEWSRAG_READER_RUNTIME": "torch", "NEWSRAG_CACHE_DIR": str(tmp_path)})
    assert reader_args(s)[2:] == ("torch", tmp_path)
    assert reader_args(Settings())[2:] == ("auto", None)


def test_the_runtime_comparison_asks_both_chains_the_same_questions(indexed, embedder):
    from newsrag.app import App
    from newsrag.eval.runtimes import compare

    settings, store = indexed
    questions = ["What did Russia demand?", "Where will the talks be held?", "Who is Phil Larson?"]
    r = compare(App(settings, store, embedder), questions, warmup=1)
    assert r["torch"]["n"] == r["onnx"]["n"] == 3 and r["answers_differ"] == 0
    assert r["p50_ratio"] == pytest.approx(r["onnx"]["p50_ms"] / r["torch"]["p50_ms"])


def test_a_damaged_cached_export_is_exported_again(tmp_path: Path, capsys):
    good = RT.session(tmp_path, "reader", "d" * 64, tiny_model, {"start": 2, "end": 2})
    good.path.write_bytes(b"not an onnx file")  # a damaged file, or one an older onnxruntime wrote
    again = RT.session(tmp_path, "reader", "d" * 64, tiny_model, {"start": 2, "end": 2})
    assert again.path == good.path and again.path.stat().st_size > 1000
    ids = np.array([[2, 5, 3]])
    assert again(ids, np.ones_like(ids), np.zeros_like(ids))[0].shape == (1, 3)
    assert "unusable" in capsys.readouterr().err


def test_the_onnx_verifier_reads_with_the_readers_embedding_tables():
    reader = default_reader(None, None, "onnx")
    verifier = V.Verifier(reader)
    tables = reader.session.shared
    assert "encoder.embeddings.word_embeddings.weight" in tables  # 30,522 x 384 fp32: held once, by both
    assert all(verifier.session.shared[name] is value for name, value in tables.items())
    assert not V._trains_embeddings(V.WEIGHTS)


def test_the_readers_tokenizer_cuts_the_same_windows_as_transformers():
    """rag/tokens.py calls the `tokenizers` library as `transformers` does, without importing it (or torch):
    the same ids, types, masks, offsets, windows and sequence ids; tokenizer.json's own padding to 128
    never leaks in (it once padded every question to 128 tokens, and the reader cut them to 64)."""
    from transformers import AutoTokenizer

    from conftest import ARTICLES
    from newsrag.rag.tokens import Tokens

    hf, ours = AutoTokenizer.from_pretrained(R.base_model_path()), Tokens(R.base_model_path())
    text = sorted(ARTICLES.glob("*.txt"))[0].read_text(encoding="utf-8")
    questions = [QUESTION, "Naïve café “quotes” — 2019’s €5bn?", "why " * 80]
    passages = [text[:4000], "Short.", text[500:900] + " [SEP] é ñ 🙂\ttab", *PASSAGES]
    for q in questions:
        assert ours.tokenize(q) == hf.tokenize(q) and "[PAD]" not in ours.tokenize(q)
        assert ours.tokens_to_string(hf.tokenize(q)[:64]) == hf.convert_tokens_to_string(hf.tokenize(q)[:64])
        want = hf([q] * len(passages), passages, truncation="only_second", max_length=256, stride=96,
                  return_overflowing_tokens=True, return_offsets_mapping=True, padding=True, return_tensors="np")
        got = ours.pairs([q] * len(passages), passages, 256, "only_second", 96)
        assert len(got.sample) > len(passages)  # the long passage is cut into overlapping windows
        for key in ("input_ids", "attention_mask", "token_type_ids"):
            assert np.array_equal(got[key], want[key]), key
        assert got.sample == [int(x) for x in want["overflow_to_sample_mapping"]]
        assert got.offsets == [[tuple(o) for o in w] for w in want["offset_mapping"].tolist()]
        assert all(got.sequence_ids(f) == want.sequence_ids(f) for f in range(len(got.sample)))
        want = hf([q] * len(passages), passages, truncation="longest_first", max_length=V.MAX_LENGTH, padding=True,
                  return_tensors="np")
        got = ours.pairs([q] * len(passages), passages, V.MAX_LENGTH, "longest_first")
        for key in ("input_ids", "attention_mask", "token_type_ids"):
            assert np.array_equal(got[key], want[key]), key


def test_answering_in_onnx_never_imports_torch(tmp_path: Path, models_dir):
    """With the exports cached, a process that reads (reader, verifier) and encodes a question (onnx-fp32)
    imports neither torch nor transformers: that import alone was most of a cold `newsrag ask`."""
    import subprocess
    import sys

    V.Verifier(default_reader(None, None, "onnx"))  # the exports exist in the session's cache
    make_embedder(Settings(models_dir=models_dir, embed_backend="onnx-fp32")).encode(["exported"])
    code = """
import sys
from newsrag.index.embedders import make_embedder
from newsrag.rag.read import default_reader, default_verifier, reader_args
from newsrag.settings import Settings
settings = Settings.from_env()
reader, verifier = default_reader(*reader_args(settings)), default_verifier(*reader_args(settings))
assert reader.runtime == "onnx" and verifier.session is not None
assert reader.read("Who leads?", ["Wendy Sherman leads the delegation."]).best.text == "Wendy Sherman"
assert verifier.logits("Who leads?", ["Wendy Sherman leads the delegation."])[0] > 0
assert make_embedder(Settings.from_env()).encode(["Who leads?"]).shape == (1, 384)
print(sorted(m for m in ("torch", "transformers", "sentence_transformers") if m in sys.modules))
"""
    env = {**os.environ, "NEWSRAG_HOME": str(tmp_path), "NEWSRAG_EMBED_BACKEND": "onnx-fp32",
           "NEWSRAG_READER_RUNTIME": "onnx", "NEWSRAG_CACHE_DIR": str(models_dir)}
    ran = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    assert ran.returncode == 0, ran.stderr[-2000:]
    assert ran.stdout.strip().splitlines()[-1] == "[]"
