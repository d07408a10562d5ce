"""The BM25 snapshot cached in the data folder is data, never code: a crafted file is rebuilt, not run."""

from __future__ import annotations

import json
import os
import pickle
from pathlib import Path

import numpy as np
import pytest

from conftest import ARTICLES, cli
from newsrag.app import App
from newsrag.rag.lexical import CorpusCache
from newsrag.settings import Settings

QUESTION = "Which TV channel interviewed Lavrov?"


class Payload:
    """Unpickling this makes a folder: proof that the cache file ran code."""

    def __init__(self, marker: Path):
        self.marker = str(marker)

    def __reduce__(self):
        return os.mkdir, (self.marker,)


@pytest.mark.slow
def test_a_crafted_pickle_in_the_cache_folder_runs_no_code(tmp_path):
    home = tmp_path / "home"
    assert cli("ingest", str(ARTICLES), home=home).returncode == 0
    first = cli("ask", "--json", QUESTION, home=home)
    assert first.returncode == 0, first.stderr
    cached = [p for p in (home / "cache").rglob("*") if p.is_file()]
    assert cached, "ask leaves a BM25 snapshot in DATA/cache"
    marker = tmp_path / "pwned"
    crafted = pickle.dumps(Payload(marker))
    for p in cached:  # whatever the snapshot's files are called, each now holds the payload
        p.write_bytes(crafted)
    again = cli("ask", "--json", QUESTION, home=home)
    assert not marker.exists(), "the cache ran code"
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["answer"] == json.loads(first.stdout)["answer"]
    assert not any(p.read_bytes() == crafted for p in (home / "cache").rglob("*") if p.is_file())


def _app(tmp_path, embedder) -> App:
    app = App(Settings(home=tmp_path / "home"), embedder=embedder)
    app.ingest([ARTICLES / "001_a0084ac74e741594.txt", ARTICLES / "002_adfc22d6dbd34d9a.txt"])
    return app


def _manifest(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))


def _reseal(folder: Path) -> None:
    """Recompute the manifest's checksums, as an attacker who can write the folder could."""
    import hashlib

    manifest = _manifest(folder)
    manifest["files"] = {n: hashlib.sha256((folder / n).read_bytes()).hexdigest() for n in manifest["files"]}
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def test_the_snapshot_is_versioned_checksummed_data(tmp_path, embedder):
    app = _app(tmp_path, embedder)
    corpus = app.corpus.get()
    (folder,) = [p for p in (tmp_path / "home" / "cache").iterdir() if p.is_dir()]
    manifest = _manifest(folder)
    assert manifest["version"] == 1 and manifest["generation"] == corpus.generation
    assert set(manifest["files"]) == {p.name for p in folder.iterdir()} - {"manifest.json"}
    assert not any(p.suffix == ".pickle" for p in folder.iterdir())
    loaded = CorpusCache(app.store, tmp_path / "home" / "cache").get()  # a fresh process would load it
    assert loaded.ids == corpus.ids and loaded.texts == corpus.texts and loaded.idf == corpus.idf
    assert loaded.sentence_chunks == corpus.sentence_chunks
    assert loaded.search("Lavrov talks", 3) == corpus.search("Lavrov talks", 3)


def test_a_tampered_snapshot_is_rebuilt(tmp_path, embedder):
    app = _app(tmp_path, embedder)
    truth = app.corpus.get()
    (folder,) = [p for p in (tmp_path / "home" / "cache").iterdir() if p.is_dir()]
    table = next(n for n in _manifest(folder)["files"] if n.endswith(".json") and "chunks" in n)
    cid = truth.ids[0]
    data = json.loads((folder / table).read_text(encoding="utf-8"))
    data["texts"][cid] = "Forged text that no article contains."
    (folder / table).write_text(json.dumps(data), encoding="utf-8")
    assert CorpusCache(app.store, folder.parent).get().texts[cid] == truth.texts[cid]  # checksum caught it

    # a valid checksum is no licence to unpickle: an object array in bm25s's .npy is refused too
    marker = tmp_path / "pwned"
    npy = next(p for p in folder.iterdir() if p.suffix == ".npy")
    np.save(npy, np.array([Payload(marker)], dtype=object), allow_pickle=True)
    _reseal(folder)
    again = CorpusCache(app.store, folder.parent).get()
    assert not marker.exists() and again.search("Lavrov talks", 3) == truth.search("Lavrov talks", 3)
