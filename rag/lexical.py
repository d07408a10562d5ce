"""BM25 over the stored chunks (bm25s), rebuilt only when the store's generation changes.

The snapshot cached in the data folder is data, never code: one folder per generation holding bm25s's
own files (JSON and .npy arrays, read with allow_pickle=False), the chunk table as JSON, and a manifest
with the format version and a SHA-256 of every file. A snapshot that does not check out is rebuilt.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from newsrag.index.store import ChromaStore, chunk_sentences
from newsrag.rag.terms import terms


@dataclass(frozen=True)
class Corpus:
    """The committed chunks as one in-memory snapshot: their metadata, a BM25 index and term IDFs."""

    generation: int
    ids: list[str]
    metas: dict[str, dict]
    texts: dict[str, str]
    bm25: object | None
    idf: dict[str, float]
    sentence_chunks: dict[tuple[str, str, int], tuple[str, ...]]  # (source, hash, start) -> chunk IDs

    def search(self, query: str, n: int, keep: Callable[[dict], bool] | None = None) -> list[tuple[str, float]]:
        """The `n` best chunks by BM25; with `keep`, only among chunks whose metadata it accepts."""
        q = [t for t in terms(query) if t in self.idf]
        if not q or self.bm25 is None:
            return []
        mask = None if keep is None else np.array([keep(self.metas[c]) for c in self.ids], dtype=np.float32)
        docs, scores = self.bm25.retrieve([q], k=min(n, len(self.ids)), show_progress=False, n_threads=1,
                                          weight_mask=mask)
        return [(self.ids[d], float(s)) for d, s in zip(docs[0], scores[0]) if s > 0]

    def articles(self) -> list[dict]:
        """One chunk's metadata per article (source, outlet, published): what filters are checked against."""
        return list({m["source"]: m for m in self.metas.values()}.values())

    def weight(self, term: str) -> float:
        """IDF of a term; unseen terms weigh like the rarest ones."""
        return self.idf.get(term, math.log(1 + len(self.ids)))


def build(store: ChromaStore, generation: int) -> Corpus:
    """Snapshot every committed chunk (those whose content hash the registry points at)."""
    import bm25s

    committed = {a.source: a.doc_hash for a in store.articles().values()}
    ids, metas, texts, tokens = [], {}, {}, []
    sentence_chunks: dict[tuple[str, str, int], tuple[str, ...]] = {}
    df: dict[str, int] = {}
    for cid, text, meta in store.iter_chunks():
        if committed.get(meta["source"]) != meta["doc_hash"]:
            continue  # orphan of an interrupted write: never visible
        toks = terms(f"{meta['title']} {text}")
        ids.append(cid)
        metas[cid], texts[cid] = meta, text
        tokens.append(toks or ["\u2400"])
        for start, _ in chunk_sentences(meta):
            key = (meta["source"], meta["doc_hash"], start)
            sentence_chunks[key] = sentence_chunks.get(key, ()) + (cid,)
        for t in set(toks):
            df[t] = df.get(t, 0) + 1
    bm25 = None
    if ids:
        bm25 = bm25s.BM25(k1=1.2, b=0.75)
        bm25.index(tokens, show_progress=False)
    n = len(ids)
    idf = {t: math.log(1 + (n - c + 0.5) / (c + 0.5)) for t, c in df.items()}
    return Corpus(generation, ids, metas, texts, bm25, idf, sentence_chunks)


class CorpusCache:
    """Hands out the current `Corpus`, rebuilding it when ingest/remove bumped the generation.

    With a `folder`, each snapshot is also saved there (named by collection and generation), so a
    fresh process over an unchanged index loads it instead of re-reading and re-tokenising every
    chunk: at 100k chunks that is most of a cold start.
    """

    def __init__(self, store: ChromaStore, folder: Path | None = None):
        self.store = store
        self.folder = folder
        self._corpus: Corpus | None = None
        self._lock = threading.Lock()

    def get(self) -> Corpus:
        generation = self.store.generation()
        with self._lock:
            if self._corpus is None or self._corpus.generation != generation:
                self._corpus = self._load(generation) or self._save(build(self.store, generation))
            return self._corpus

    @property
    def _stem(self) -> str:
        return f"bm25-{self.store.prefix}-{self.store.identity}-"

    def _path(self, generation: int) -> Path | None:
        return None if self.folder is None else self.folder / f"{self._stem}{generation}"

    def _load(self, generation: int) -> Corpus | None:
        path = self._path(generation)
        if path is None or not path.is_dir():
            return None
        try:
            return read_snapshot(path, generation)
        except Exception:  # truncated, tampered with, an older format: simply rebuilt
            return None

    def _save(self, corpus: Corpus) -> Corpus:
        path = self._path(corpus.generation)
        if path is None:
            return corpus
        tmp = path.with_name(f"{path.name}.tmp{os.getpid()}")
        try:
            write_snapshot(corpus, tmp)
            shutil.rmtree(path, ignore_errors=True)  # a bad snapshot of this generation, if any
            os.replace(tmp, path)  # atomic: readers see a whole snapshot or none
            for old in path.parent.glob(f"{self._stem}*"):  # older generations, and the pickles of old
                if old != path and ".tmp" not in old.name:
                    shutil.rmtree(old) if old.is_dir() else old.unlink(missing_ok=True)
        except OSError:
            shutil.rmtree(tmp, ignore_errors=True)  # a read-only or full disk only costs the next cold start a rebuild
        return corpus


FORMAT, VERSION = "newsrag-bm25", 1
MANIFEST, TABLE = "manifest.json", "chunks.json"


def write_snapshot(corpus: Corpus, folder: Path) -> None:
    """Save `corpus` into a new `folder`: bm25s's own files, the chunk table, then the manifest."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    if corpus.bm25 is not None:
        corpus.bm25.save(folder, allow_pickle=False, show_progress=False)
    table = {"ids": corpus.ids, "metas": corpus.metas, "texts": corpus.texts, "idf": corpus.idf,
             "sentence_chunks": [[*key, list(cids)] for key, cids in corpus.sentence_chunks.items()]}
    (folder / TABLE).write_text(json.dumps(table, ensure_ascii=False), encoding="utf-8")
    files = {p.name: _sha256(p) for p in sorted(folder.iterdir())}
    manifest = {"format": FORMAT, "version": VERSION, "generation": corpus.generation, "files": files}
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")


def read_snapshot(folder: Path, generation: int) -> Corpus:
    """The snapshot saved in `folder`; ValueError unless its manifest, every checksum and the format agree."""
    import bm25s

    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    if (manifest.get("format"), manifest.get("version"), manifest.get("generation")) != (FORMAT, VERSION, generation):
        raise ValueError(f"{folder.name}: another format, version or generation")
    files = manifest["files"]
    if set(files) != {p.name for p in folder.iterdir()} - {MANIFEST}:
        raise ValueError(f"{folder.name}: files added or missing")
    for name, digest in files.items():
        if _sha256(folder / name) != digest:
            raise ValueError(f"{folder.name}/{name}: checksum mismatch")
    table = json.loads((folder / TABLE).read_text(encoding="utf-8"))
    bm25 = bm25s.BM25.load(folder, allow_pickle=False, show_progress=False) if table["ids"] else None
    chunks = {(source, doc_hash, int(start)): tuple(cids) for source, doc_hash, start, cids in table["sentence_chunks"]}
    return Corpus(generation, table["ids"], table["metas"], table["texts"], bm25, table["idf"], chunks)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
