"""The ONNX embedding backends: same vectors as PyTorch (up to int8 error), cached export, no mixed indexes."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import ARTICLES
from newsrag.index.chunk import chunk
from newsrag.index.clean import clean
from newsrag.index.embed import Embedder
from newsrag.index.embedders import make_embedder
from newsrag.index.ingest import ingest
from newsrag.index.load import load
from newsrag.index.onnx_embed import OnnxEmbedder
from newsrag.index.store import ChromaStore
from newsrag.errors import BackendError
from newsrag.settings import Settings


@pytest.fixture(scope="module")
def sentences() -> list[str]:
    """About 20 real sentences: the first few of each bundled article, through our own pipeline."""
    out = []
    for path in sorted(ARTICLES.glob("*.txt")):
        doc = clean(load(path, path.name, 10_000_000))
        texts = list(dict.fromkeys(s.text for c in chunk(doc, 700, 1) for s in c.sentences))
        out += texts[:4]
    assert len(out) >= 20
    return out


@pytest.fixture(scope="module")
def torch_embedder() -> Embedder:
    return Embedder()


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("onnx-cache")


@pytest.mark.slow
def test_onnx_vectors_agree_with_pytorch(torch_embedder, cache, sentences):
    reference = torch_embedder.encode(sentences)
    for quantized, floor in ((False, 0.99), (True, 0.98)):
        got = OnnxEmbedder(cache, quantized=quantized).encode(sentences)
        assert got.shape == reference.shape and got.dtype == np.float32
        np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
        cosine = (got * reference).sum(axis=1)
        assert cosine.min() >= floor, (quantized, cosine.min())


@pytest.mark.slow
def test_export_is_cached(cache, sentences):
    first = OnnxEmbedder(cache, quantized=True)
    first.encode(sentences[:2])
    files = sorted(cache.rglob("*.onnx"))
    assert [f.name for f in files] == ["model-int8.onnx", "model.onnx"]
    before = {f: (f.stat().st_ino, f.stat().st_mtime_ns) for f in files}
    second = OnnxEmbedder(cache, quantized=True)
    assert second.model.path == first.model.path
    np.testing.assert_allclose(second.encode(sentences[:2]), first.encode(sentences[:2]), atol=1e-6)
    assert {f: (f.stat().st_ino, f.stat().st_mtime_ns) for f in sorted(cache.rglob("*.onnx"))} == before
    assert not list(cache.rglob(".tmp-*")), "no temp file left behind"


@pytest.mark.slow
def test_an_index_never_mixes_embedding_backends(tmp_path, torch_embedder, cache):
    onnx = Settings(home=tmp_path / "home", embed_backend="onnx-int8")
    store = ChromaStore.open(onnx)
    report = ingest([ARTICLES / sorted(p.name for p in ARTICLES.glob("*.txt"))[0]], store,
                    OnnxEmbedder(cache), onnx)
    assert report.chunks > 0
    torch = onnx.with_(embed_backend="torch")
    with pytest.raises(BackendError, match="built with the onnx-int8 embedding backend, not torch"):
        ChromaStore.open(torch)
    with pytest.raises(BackendError, match="not torch"):  # a PyTorch embedder handed to the ONNX index
        ingest([ARTICLES], store, torch_embedder, onnx)
    from newsrag.app import App

    with pytest.raises(BackendError, match="not torch"):
        App(onnx, store, torch_embedder).chain()
    assert App(onnx, store, make_embedder(onnx)).chain().invoke({"question": "Who is mentioned?"})["answer"]


def test_an_empty_index_takes_any_backend_and_unknown_names_are_refused(tmp_path):
    settings = Settings(home=tmp_path / "home", embed_backend="torch")
    assert ChromaStore.open(settings).embed_backend == "torch"
    assert ChromaStore.open(settings.with_(embed_backend="onnx-int8")).embed_backend == "onnx-int8"
    assert ChromaStore.open(Settings(home=tmp_path / "h2")).embed_backend == Settings().embed_backend
    with pytest.raises(BackendError, match="unknown embedding backend 'onnx'"):
        ChromaStore.open(settings.with_(embed_backend="onnx"))


@pytest.mark.slow
def test_torch_and_onnx_fp32_read_each_others_index(tmp_path, torch_embedder):
    """The same fp32 model in torch or onnxruntime: an index one built is queried by the other, and the
    nearest chunks are the same ones in the same order; int8 vectors stay apart."""
    article = ARTICLES / sorted(p.name for p in ARTICLES.glob("*.txt"))[0]
    built = Settings(home=tmp_path / "home", embed_backend="torch")
    store = ChromaStore.open(built)
    assert ingest([article], store, torch_embedder, built).chunks > 0
    fp32 = built.with_(embed_backend="onnx-fp32")
    onnx_store = ChromaStore.open(fp32)
    assert onnx_store.embed_backend == "onnx-fp32"
    onnx = make_embedder(fp32)
    for question in ("What did Russia demand?", "When will the talks take place?", "Who is mentioned?"):
        by_torch = store.chunks.query(query_embeddings=torch_embedder.encode([question]).tolist(), n_results=5)
        by_onnx = onnx_store.chunks.query(query_embeddings=onnx.encode([question]).tolist(), n_results=5)
        assert by_onnx["ids"] == by_torch["ids"]
        np.testing.assert_allclose(by_onnx["distances"], by_torch["distances"], atol=1e-5)
    with pytest.raises(BackendError, match="built with the torch embedding backend, not onnx-int8"):
        ChromaStore.open(built.with_(embed_backend="onnx-int8"))
